from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views import LoginView

urlpatterns = [
    path("", include("ops.urls")),  # /healthz
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("budget/", include("budget.urls")),
    path("audit/", include("audit.urls")),
    path("api/", include("api.urls")),
    path("reports/upload/", include("reporting.urls_upload")),
    path("", include("reporting.urls")),
    path("", include("boards.urls")),
]

# 503 instead of 500 while the database is unreachable (ops/views.py).
handler500 = "ops.views.server_error"
# JSON 404s under /api/ (ops/views.py).
handler404 = "ops.views.not_found"

# Evidence files under MEDIA_ROOT are never served as static files, not even in DEBUG: they are
# served by reporting's evidence view, which checks the user's scope.
