"""The REST API, /api/v1/ (docs/commands.md). Thin: scoping by the selectors, every write through
reporting/services.py, errors as ``{"errors": [{"field", "message"}]}`` (api/exceptions.py).

Optimistic locking: report responses carry ``ETag: "<version>"``; PATCH and the actions need the
version read, as ``If-Match`` (a mismatch is 412) or a ``version`` field (a mismatch is 409);
without either the answer is 428. ``Idempotency-Key`` makes a retried create, change or action
safe (api/idempotency.py).
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from knox.models import AuthToken
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exceptions import PreconditionRequired, StaleVersion, api_exception_handler
from api.filters import KPIFilter, ReportFilter
from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.idempotency import run_idempotent
from api.schema import ApiAutoSchema
from api.serializers import (
    ComparisonSerializer,
    ErrorResponseSerializer,
    FiscalYearSerializer,
    KPISerializer,
    PeriodSerializer,
    ProgramSerializer,
    ReportActionSerializer,
    ReportCreateSerializer,
    ReportReturnSerializer,
    ReportSerializer,
    ReportUpdateSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from api.services import TokenRevocation, api_token_create, api_tokens_revoke
from budget.comparison import ComparisonYearError, comparison_data, comparison_years
from budget.models import FiscalYear
from budget.selectors import fiscal_year_list, fiscal_years_with_totals
from kpis.models import KPI
from kpis.selectors import kpis_for_user
from programs.models import Program
from programs.selectors import (
    program_by_code,
    program_grace_days,
    program_reporting_periods,
    programs_for_user,
    programs_with_kpis_for_user,
)
from reporting.models import ProgressReport
from reporting.selectors import reports_with_values_for_user
from reporting.services import (
    StaleReportError,
    report_approve,
    report_create_draft,
    report_return,
    report_submit,
    report_update,
)
from reporting.validation import InputError, ReportInputError

ERRORS = ErrorResponseSerializer
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Any unique string (for example a UUID). A retry with the same key and the same request "
        "within 24 hours gets the first response again and changes nothing; the same key with "
        "another request is a 422."
    ),
)
IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        'The ETag of the report as read ("3"). Required unless the body has "version"; '
        "a mismatch is a 412."
    ),
)
ETAG_HEADER = OpenApiResponse(response=ReportSerializer, description=_('With ETag: "<version>".'))
ETAG_RESPONSE_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description=_('The report version, quoted ("3"): send it back as If-Match.'),
)
LOCATION_RESPONSE_HEADER = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    response=[201],
    description=_("The new report's URL."),
)
_ETAG_RE = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')  # a version fits a bigint


class ApiView(APIView):
    # Every API view: JSON in, JSON out, errors of one shape; a paginated list declares its 404.
    parser_classes = [JSONParser]
    schema = ApiAutoSchema()

    def get_exception_handler(self) -> Any:
        return api_exception_handler


def _report_response(
    report: ProgressReport, *, status_code: int = 200, location: bool = False
) -> Response:
    headers = {"ETag": f'"{report.version}"'}
    if location:
        headers["Location"] = reverse("api:report-detail", args=[report.pk])
    return Response(ReportSerializer(report).data, status=status_code, headers=headers)


def _expected_version(request: Request) -> tuple[int, str, int]:
    """The version the client read: (version, the field it came in, the status for a mismatch)."""
    header = request.headers.get("If-Match")
    if header is not None:
        match = _ETAG_RE.match(header)
        if match is None:
            raise ReportInputError(
                [
                    InputError(
                        "If-Match",
                        _(
                            'send the ETag of the report as read, for example "3"; "%(value)s" '
                            "is not one"
                        )
                        % {"value": header[:40]},
                    )
                ]
            )
        return int(match.group(1)), "If-Match", status.HTTP_412_PRECONDITION_FAILED
    data = request.data if isinstance(request.data, dict) else {}
    if data.get("version") is not None:
        serializer = ReportActionSerializer(data={"version": data["version"]})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data["version"], "version", status.HTTP_409_CONFLICT
    raise PreconditionRequired()


def _stale(error: StaleReportError, field: str, status_code: int) -> StaleVersion:
    return StaleVersion(error, field=field, status_code=status_code)


class ApiRootView(ApiView):
    """Where everything is."""

    @extend_schema(
        summary=_("The API's resources"),
        responses={200: {"type": "object", "additionalProperties": {"type": "string"}}},
        tags=["root"],
    )
    def get(self, request: Request) -> Response:
        names = {
            "token": "api:token",
            "fiscal_years": "api:fiscal-year-list",
            "budget_compare": "api:budget-compare",
            "programs": "api:program-list",
            "kpis": "api:kpi-list",
            "reports": "api:report-list",
            "schema": "api:schema",
            "docs": "api:docs",
        }
        return Response(
            {key: request.build_absolute_uri(reverse(name)) for key, name in names.items()}
        )


# Authentication ----------------------------------------------------------------------------------


class ObtainTokenView(ApiView):
    """Exchange a username and password for a new API token, shown once (api/services.py)."""

    parser_classes = [JSONParser, FormParser]
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: ERRORS,
            403: ERRORS,
            429: OpenApiResponse(
                ERRORS,
                description=_(
                    "Too many failed sign-ins: the account (from this address) or the address is "
                    "locked for a while; Retry-After says how long."
                ),
            ),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to sign in with the username and password given.")]}
            )
        instance, token = api_token_create(user=user)
        return Response({"token": token, "expiry": instance.expiry})


class RevokeTokenView(ApiView):
    """Revoke the token this request was made with (signing out of the API)."""

    @extend_schema(
        operation_id="auth_token_revoke",
        request=None,
        responses={204: None, 401: ERRORS},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        token = request.auth
        if isinstance(token, AuthToken):
            api_tokens_revoke(
                tokens=AuthToken.objects.filter(digest=token.digest),
                reason=TokenRevocation.BY_HOLDER,
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


# Budget years ------------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary=_("Loaded fiscal years, the latest first, with their totals"), tags=["budget"]
    )
)
class FiscalYearListView(ApiView, generics.ListAPIView):
    """Every signed-in user may read the budget."""

    serializer_class = FiscalYearSerializer

    def get_queryset(self) -> QuerySet[FiscalYear]:
        return fiscal_years_with_totals()


class BudgetCompareView(ApiView):
    """Every signed-in user may read the budget."""

    @extend_schema(
        summary=_("Two fiscal years compared, one row per node code of either"),
        description=_(
            "The JSON of compare_budget (docs/formats.md). Without year1 and year2, the two "
            "latest loaded years, the earlier as year 1."
        ),
        parameters=[
            OpenApiParameter(
                "year1", OpenApiTypes.INT, required=False, description=_("The earlier year.")
            ),
            OpenApiParameter(
                "year2", OpenApiTypes.INT, required=False, description=_("The later year.")
            ),
        ],
        responses={200: ComparisonSerializer, 400: ERRORS},
        tags=["budget"],
    )
    def get(self, request: Request) -> Response:
        try:
            year1, year2 = comparison_years(
                list(fiscal_year_list()),
                request.query_params.get("year1"),
                request.query_params.get("year2"),
            )
        except ComparisonYearError as exc:
            raise serializers.ValidationError({exc.field: [str(exc)]}) from exc
        return Response(comparison_data(year1, year2))


# Programmes, KPIs, periods -----------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(summary=_("Programmes in your scope, with their KPIs"), tags=["programmes"])
)
class ProgramListView(ApiView, generics.ListAPIView):
    serializer_class = ProgramSerializer

    def get_queryset(self) -> QuerySet[Program]:
        return programs_with_kpis_for_user(self.request.user)


@extend_schema_view(
    get=extend_schema(
        summary=_("One programme by code, with its KPIs"),
        responses={200: ProgramSerializer, 404: ERRORS},
        tags=["programmes"],
    )
)
class ProgramDetailView(ApiView, generics.RetrieveAPIView):
    serializer_class = ProgramSerializer
    lookup_url_kwarg = "code"

    def get_object(self) -> Program:
        program = program_by_code(
            self.kwargs["code"], queryset=programs_with_kpis_for_user(self.request.user)
        )
        if program is None:
            raise Http404
        return program


class ProgramPeriodsView(ApiView):
    @extend_schema(
        summary=_("The programme's reporting periods (report against their end dates)"),
        responses={200: PeriodSerializer(many=True), 404: ERRORS},
        tags=["programmes"],
    )
    def get(self, request: Request, code: str) -> Response:
        program = program_by_code(code, queryset=programs_for_user(request.user))
        if program is None:
            raise Http404
        grace = program_grace_days(program)
        rows = [
            PeriodSerializer.row(p, frequency=program.frequency, grace_days=grace)
            for p in program_reporting_periods(program)
        ]
        return Response(PeriodSerializer(rows, many=True).data)


@extend_schema_view(
    get=extend_schema(
        summary=_("KPIs of the programmes in your scope"),
        responses={200: KPISerializer(many=True), 400: ERRORS},
        tags=["kpis"],
    )
)
class KPIListView(ApiView, generics.ListAPIView):
    serializer_class = KPISerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = KPIFilter

    def get_queryset(self) -> QuerySet[KPI]:
        return kpis_for_user(self.request.user)


@extend_schema_view(
    get=extend_schema(
        summary=_("One KPI"), responses={200: KPISerializer, 404: ERRORS}, tags=["kpis"]
    )
)
class KPIDetailView(ApiView, generics.RetrieveAPIView):
    serializer_class = KPISerializer

    def get_queryset(self) -> QuerySet[KPI]:
        return kpis_for_user(self.request.user)


# Reports -----------------------------------------------------------------------------------------


class ReportListCreateView(ApiView, generics.GenericAPIView):
    serializer_class = ReportSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReportFilter

    def get_queryset(self) -> QuerySet[ProgressReport]:
        return reports_with_values_for_user(self.request.user)

    @extend_schema(
        summary=_("Reports in your scope"),
        responses={200: ReportSerializer(many=True), 400: ERRORS},
        tags=["reports"],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = ReportSerializer(page, many=True).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary=_("Start a report (a draft)"),
        request=ReportCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER, ETAG_RESPONSE_HEADER, LOCATION_RESPONSE_HEADER],
        responses={
            201: ETAG_HEADER,
            400: ERRORS,
            403: ERRORS,
            409: OpenApiResponse(
                ERRORS, description=_("A report of that period is already open or approved.")
            ),
            422: OpenApiResponse(
                ERRORS, description=_("Idempotency-Key reused with another request.")
            ),
        },
        tags=["reports"],
    )
    def post(self, request: Request) -> Response:
        return run_idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        serializer = ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        program = program_by_code(data["program"], queryset=programs_for_user(request.user))
        if program is None:
            raise ReportInputError(
                [
                    InputError(
                        "program",
                        _("there is no programme %(code)s among those you may see")
                        % {"code": data["program"][:50]},
                    )
                ]
            )
        report = report_create_draft(
            user=request.user,  # type: ignore[arg-type]
            program=program,
            period_end=data["period_end"],
            values=data.get("values"),
            executed_won=data.get("executed_won"),
            narrative=data.get("narrative") or "",
            confirm_over_execution=data["confirm_over_execution"],
            shortfalls=data.get("shortfalls"),
        )
        return _report_response(
            reports_with_values_for_user(request.user).get(pk=report.pk),
            status_code=201,
            location=True,
        )


def _versioned_write_schema(summary: str, serializer: type[serializers.Serializer]) -> Any:
    """The schema of a write on one report: If-Match/version, Idempotency-Key, ETag back."""
    return extend_schema(
        summary=summary,
        request=serializer,
        parameters=[IF_MATCH_PARAMETER, IDEMPOTENCY_PARAMETER, ETAG_RESPONSE_HEADER],
        responses={
            200: ETAG_HEADER,
            400: ERRORS,
            403: ERRORS,
            404: ERRORS,
            409: OpenApiResponse(
                ERRORS, description=_("Stale version field, or the status does not allow it.")
            ),
            412: OpenApiResponse(ERRORS, description=_("If-Match does not match: reload.")),
            422: ERRORS,
            428: OpenApiResponse(ERRORS, description=_("Neither If-Match nor version was sent.")),
        },
        tags=["reports"],
    )


class _ReportObjectView(ApiView):
    def get_report(self, request: Request, pk: int) -> ProgressReport:
        return get_object_or_404(reports_with_values_for_user(request.user), pk=pk)

    def fresh(self, request: Request, pk: int) -> Response:
        return _report_response(self.get_report(request, pk))


class ReportDetailView(_ReportObjectView):
    @extend_schema(
        summary=_("One report"),
        parameters=[ETAG_RESPONSE_HEADER],
        responses={200: ETAG_HEADER, 404: ERRORS},
        tags=["reports"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.fresh(request, pk)

    @_versioned_write_schema(_("Change a draft or returned report"), ReportUpdateSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        return run_idempotent(request, lambda: self._update(request, pk))

    def _update(self, request: Request, pk: int) -> Response:
        report = self.get_report(request, pk)
        serializer = ReportUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        version, field, mismatch = _expected_version(request)
        data = serializer.validated_data
        executed = data.get("executed_won")
        if "executed_won" in data and executed is None:
            executed = ""  # an explicit null clears it
        try:
            report_update(
                user=request.user,  # type: ignore[arg-type]
                report=report,
                expected_version=version,
                values=data.get("values"),
                executed_won=executed,
                narrative=data.get("narrative"),
                confirm_over_execution=data.get("confirm_over_execution", False),
                shortfalls=data.get("shortfalls"),
            )
        except StaleReportError as exc:
            raise _stale(exc, field, mismatch) from exc
        return self.fresh(request, pk)


class _ReportActionView(_ReportObjectView):
    serializer_class: type[ReportActionSerializer] = ReportActionSerializer

    def post(self, request: Request, pk: int) -> Response:
        return run_idempotent(request, lambda: self._act(request, pk))

    def _act(self, request: Request, pk: int) -> Response:
        report = self.get_report(request, pk)
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        version, field, mismatch = _expected_version(request)
        try:
            self.perform(request, report, version, serializer.validated_data)
        except StaleReportError as exc:
            raise _stale(exc, field, mismatch) from exc
        return self.fresh(request, pk)

    def perform(
        self, request: Request, report: ProgressReport, version: int, data: dict[str, Any]
    ) -> None:
        raise NotImplementedError


@extend_schema_view(
    post=_versioned_write_schema(_("Submit a draft or returned report"), ReportActionSerializer)
)
class ReportSubmitView(_ReportActionView):
    def perform(
        self, request: Request, report: ProgressReport, version: int, data: dict[str, Any]
    ) -> None:
        report_submit(user=request.user, report=report, expected_version=version)  # type: ignore[arg-type]


@extend_schema_view(
    post=_versioned_write_schema(
        _("Approve a submitted report (reviewers)"), ReportActionSerializer
    )
)
class ReportApproveView(_ReportActionView):
    def perform(
        self, request: Request, report: ProgressReport, version: int, data: dict[str, Any]
    ) -> None:
        report_approve(user=request.user, report=report, expected_version=version)  # type: ignore[arg-type]


@extend_schema_view(
    post=_versioned_write_schema(
        _("Return a submitted report with a comment (reviewers)"), ReportReturnSerializer
    )
)
class ReportReturnView(_ReportActionView):
    serializer_class = ReportReturnSerializer

    def perform(
        self, request: Request, report: ProgressReport, version: int, data: dict[str, Any]
    ) -> None:
        report_return(
            user=request.user,  # type: ignore[arg-type]
            report=report,
            comment=data.get("comment", ""),
            expected_version=version,
        )
