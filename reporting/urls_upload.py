from django.urls import path

from reporting import views_upload

app_name = "reporting_upload"

urlpatterns = [
    path("", views_upload.upload_form, name="form"),
    path("template/", views_upload.upload_template, name="template"),
    path("<str:token>/", views_upload.upload_preview, name="preview"),
    path("<str:token>/confirm/", views_upload.upload_confirm_view, name="confirm"),
]
