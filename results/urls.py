from django.urls import path

from results import views

app_name = "results"

urlpatterns = [
    path("performance/", views.performance, name="performance"),
    path(
        "performance/xlsx/",
        views.performance_download,
        {"file_format": "xlsx"},
        name="performance_xlsx",
    ),
    path(
        "performance/pdf/",
        views.performance_download,
        {"file_format": "pdf"},
        name="performance_pdf",
    ),
]
