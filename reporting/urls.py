from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("reports/", views.dashboard, name="dashboard"),
    path("reports/programmes/", views.program_periods, name="programs"),
    path("reports/new/", views.report_new, name="new"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path(
        "reports/<int:pk>/evidence/<int:evidence_pk>/",
        views.evidence_download,
        name="evidence_download",
    ),
    path("review/", views.review_queue, name="review"),
]
