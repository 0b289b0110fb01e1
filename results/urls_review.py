from django.urls import path

from results import views_review

app_name = "results_review"

urlpatterns = [
    path("", views_review.page, name="page"),
    path("export/csv/", views_review.export, {"file_format": "csv"}, name="export_csv"),
    path("export/xlsx/", views_review.export, {"file_format": "xlsx"}, name="export_xlsx"),
]
