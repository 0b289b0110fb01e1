"""The public pages and their open data. These addresses are stable: the open data's are
documented (docs/open-data.md) for others to link to."""

from django.urls import path

from public import views

app_name = "public"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("data.json", views.data_json, name="data_json"),
    path("data.csv", views.data_csv, name="data_csv"),
    path("programs/<str:code>/", views.program, name="program"),
]
