from django.urls import path

from boards import views

app_name = "boards"

urlpatterns = [
    path("", views.board, name="board"),
    path("programs/", views.programs, name="programs"),
    path(
        "programs/export/csv/",
        views.programs_export,
        {"file_format": "csv"},
        name="programs_export_csv",
    ),
    path(
        "programs/export/xlsx/",
        views.programs_export,
        {"file_format": "xlsx"},
        name="programs_export_xlsx",
    ),
    path("programs/<str:code>/", views.program, name="program"),
    path("ministries/", views.ministries, name="ministries"),
    path("ministries/<str:code>/", views.ministry, name="ministry"),
    path("classification/", views.classification, name="classification"),
    path("briefing/", views.briefing, name="briefing"),
]
