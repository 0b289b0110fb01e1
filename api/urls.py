from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The docs page loads its start-up script from a second request (?script=) instead of an
    # inline <script>, for the Content-Security-Policy; schema and docs need a signed-in user
    # (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", views.ApiRootView.as_view(), name="root"),
    path("v1/auth/token/", views.ObtainTokenView.as_view(), name="token"),
    path("v1/auth/token/revoke/", views.RevokeTokenView.as_view(), name="token-revoke"),
    path("v1/fiscal-years/", views.FiscalYearListView.as_view(), name="fiscal-year-list"),
    path("v1/budget/compare/", views.BudgetCompareView.as_view(), name="budget-compare"),
    path("v1/programs/", views.ProgramListView.as_view(), name="program-list"),
    path("v1/programs/<str:code>/", views.ProgramDetailView.as_view(), name="program-detail"),
    path(
        "v1/programs/<str:code>/periods/",
        views.ProgramPeriodsView.as_view(),
        name="program-periods",
    ),
    path("v1/kpis/", views.KPIListView.as_view(), name="kpi-list"),
    path("v1/kpis/<int:pk>/", views.KPIDetailView.as_view(), name="kpi-detail"),
    path("v1/reports/", views.ReportListCreateView.as_view(), name="report-list"),
    path("v1/reports/<int:pk>/", views.ReportDetailView.as_view(), name="report-detail"),
    path("v1/reports/<int:pk>/submit/", views.ReportSubmitView.as_view(), name="report-submit"),
    path("v1/reports/<int:pk>/approve/", views.ReportApproveView.as_view(), name="report-approve"),
    path("v1/reports/<int:pk>/return/", views.ReportReturnView.as_view(), name="report-return"),
]
