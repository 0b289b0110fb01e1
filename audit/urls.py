from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.entry_list, name="list"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("day/", views.day_view, name="day"),
    path("verify/", views.verify, name="verify"),
    path("object/<str:object_type>/<str:object_id>/", views.object_history, name="object"),
]
