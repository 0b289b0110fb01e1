from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from accounts.views import LoginView, me


def _favicon(request: HttpRequest) -> HttpResponse:
    """The static icon's URL is resolved per request (the manifest exists only after
    collectstatic)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("", include("ops.urls")),  # /healthz
    # Browsers ask for /favicon.ico whatever the page links: send them to the static icon.
    path("favicon.ico", _favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/me/", me, name="me"),
    path("admin/", admin.site.urls),
    path("budget/", include("budget.urls")),
    path("audit/", include("audit.urls")),
    path("api/", include("api.urls")),
    path("public/", include("public.urls")),  # no sign-in: approved figures only
    path("reports/upload/", include("reporting.urls_upload")),
    path("budget-review/", include("results.urls_review")),
    path("", include("reporting.urls")),
    path("", include("results.urls")),
    path("", include("boards.urls")),
]

# 503 instead of 500 while the database is unreachable (ops/views.py).
handler500 = "ops.views.server_error"
# JSON 404s under /api/ (ops/views.py).
handler404 = "ops.views.not_found"
handler400 = "ops.views.bad_request"

# Evidence files under MEDIA_ROOT are never served as static files, not even in DEBUG: they are
# served by reporting's evidence view, which checks the user's scope.
