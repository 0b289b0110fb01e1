"""Request and response shapes of the REST API (they are also its OpenAPI schema).

Input serializers check only the shape (an object, a string); the meaning of every value (numbers,
periods, KPIs of the programme, completeness) is checked once, in reporting/validation.py, through
the services.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kpis.models import KPI, Milestone
from programs.models import Program
from programs.periods import Period
from reporting.models import ProgressReport


def plain_number(value: Decimal | None) -> str | None:
    """A stored decimal as a plain string without trailing zeros: 1200.0000 -> "1200"."""
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# Errors ------------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True,
        help_text=_('The input concerned ("values.NACC-GPU", "period_end", "If-Match"), or null.'),
    )
    message = serializers.CharField()


class ErrorResponseSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)  # type: ignore[assignment]


# Authentication ----------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=_(
            'Send it as "Authorization: Token <token>" with every request. It is shown only '
            "this once (only a digest of it is stored)."
        )
    )
    expiry = serializers.DateTimeField(
        help_text=_(
            "When the token stops working. It is also revoked when your password changes or "
            "your account is deactivated."
        )
    )


# Programmes and KPIs -----------------------------------------------------------------------------


class MilestoneSerializer(serializers.ModelSerializer):
    value = serializers.SerializerMethodField(method_name="value_text")

    class Meta:
        model = Milestone
        fields = ["date", "value"]

    @extend_schema_field(OpenApiTypes.STR)
    def value_text(self, obj: Milestone) -> str | None:
        return plain_number(obj.value)


class KPISerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.code", read_only=True)
    baseline = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = KPI
        fields = [
            "id",
            "code",
            "program",
            "name",
            "name_ko",
            "unit",
            "kind",
            "direction",
            "baseline",
            "target",
            "target_text",
            "target_date",
            "grace_days",
            "milestones",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_baseline(self, obj: KPI) -> str | None:
        return plain_number(obj.baseline)

    @extend_schema_field(OpenApiTypes.STR)
    def get_target(self, obj: KPI) -> str | None:
        return plain_number(obj.target)


class ProgramKPISerializer(KPISerializer):
    class Meta(KPISerializer.Meta):
        fields = [f for f in KPISerializer.Meta.fields if f != "program"]


class AllocationSerializer(serializers.Serializer):
    """A programme's money in one fiscal year: its node in that year's budget tree."""

    fiscal_year = serializers.IntegerField(source="fiscal_year.year")
    node = serializers.CharField(source="code", help_text=_("The node code in that year's tree."))
    amount_won = serializers.IntegerField()


class FiscalYearSerializer(serializers.Serializer):
    """A loaded fiscal year: one budget file's tree."""

    year = serializers.IntegerField()
    title = serializers.CharField()
    title_ko = serializers.CharField(help_text=_("The Korean title (may be empty)."))
    total_won = serializers.IntegerField(
        allow_null=True, help_text=_("The amount of the year's tree root, in won.")
    )


class ComparisonRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text=_("Year 2's name where it has the node."))
    amount_year1_won = serializers.IntegerField(
        allow_null=True, help_text=_("Null where year 1 has no node of this code.")
    )
    amount_year2_won = serializers.IntegerField(
        allow_null=True, help_text=_("Null where year 2 has no node of this code.")
    )
    change_won = serializers.IntegerField(
        help_text=_("Year 2 less year 1, an absent amount counting as 0.")
    )
    change_ratio = serializers.FloatField(
        allow_null=True,
        help_text=_(
            "The change over year 1's amount (-0.25 is a quarter less); null where year 1 "
            "lacks the node or has 0."
        ),
    )
    change = serializers.ChoiceField(choices=["added", "removed", "changed", "unchanged"])


class ComparisonSerializer(serializers.Serializer):
    """Two fiscal years side by side, as ``compare_budget`` writes them."""

    year1 = serializers.IntegerField()
    year2 = serializers.IntegerField()
    rows = ComparisonRowSerializer(many=True)


class ProgramSerializer(serializers.ModelSerializer):
    ministry = serializers.CharField(source="ministry.code", read_only=True)
    fiscal_year = serializers.SerializerMethodField(
        help_text=_("The latest fiscal year that funds the programme (null when none does).")
    )
    allocated_won = serializers.SerializerMethodField(
        help_text=_("The programme's allocation in that year, in won.")
    )
    allocations = AllocationSerializer(
        many=True,
        read_only=True,
        help_text=_("The allocation in every fiscal year that funds the programme, by year."),
    )
    kpis = ProgramKPISerializer(many=True, read_only=True)

    def _latest(self, program: Program) -> Any:
        allocations = list(program.allocations.all())
        return allocations[-1] if allocations else None

    def get_fiscal_year(self, program: Program) -> int | None:
        latest = self._latest(program)
        return latest.fiscal_year.year if latest else None

    def get_allocated_won(self, program: Program) -> int | None:
        latest = self._latest(program)
        return latest.amount_won if latest else None

    class Meta:
        model = Program
        fields = [
            "code",
            "name",
            "name_ko",
            "fiscal_year",
            "ministry",
            "owner_assumed",
            "allocated_won",
            "allocations",
            "start",
            "end",
            "frequency",
            "kpis",
        ]


class PeriodSerializer(serializers.Serializer):
    label = serializers.CharField(  # type: ignore[assignment]
        help_text=_("2026-Q1, 2026-H2, 2026-03 or 2026")
    )
    start = serializers.DateField()
    end = serializers.DateField(help_text=_("The period_end to report against."))
    due_date = serializers.DateField(help_text=_("The end plus the grace days."))

    @staticmethod
    def row(period: Period, *, frequency: str, grace_days: int) -> dict[str, Any]:
        return {
            "label": period.label(frequency),
            "start": period.start,
            "end": period.end,
            "due_date": period.due_date(grace_days),
        }


# Reports -----------------------------------------------------------------------------------------

RAW_NUMBER_SCHEMA = {
    "oneOf": [{"type": "number"}, {"type": "string"}],
    "nullable": True,
    "description": _('A number, or a numeric string ("1,200.5"); null or "" clears.'),
}


@extend_schema_field(RAW_NUMBER_SCHEMA)
class RawNumberField(serializers.Field):
    """Passed through as sent: reporting/validation.py decides what is a number."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(OpenApiTypes.DATE)
class RawDateField(serializers.Field):
    """Passed through as sent: reporting/validation.py decides what is a date (a number such as
    20261231 is not one)."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": RAW_NUMBER_SCHEMA,
        "description": _("KPI code -> value for this period, as the KPI's kind says."),
        "example": {"NACC-GPU": 1200},
    }
)
class RawValuesField(serializers.Field):
    """An object of KPI code -> raw value; only the shape is checked here."""

    default_error_messages = {
        "not_object": _("must be an object mapping KPI codes to numbers"),
    }

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            self.fail("not_object")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


SHORTFALL_EXAMPLE = {"NACC-GPU": {"reason": "GPU delivery slipped", "remedy": "second supplier"}}
SHORTFALL_SCHEMA = {
    "type": "object",
    "properties": {
        "reason": {"type": "string", "description": _("Why the KPI fell short.")},
        "remedy": {"type": "string", "description": _("What will be done.")},
    },
    "required": ["reason", "remedy"],
    "additionalProperties": False,
}


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {**SHORTFALL_SCHEMA, "nullable": True},
        "description": _(
            "KPI code -> why the KPI fell short of its expected value at the period end and "
            "what will be done (both required, at most 2000 characters each); null, or an empty "
            "reason and remedy, clears it. Asked for when a KPI falls short; a year-end report "
            "(period ending 31 December) cannot be submitted without one for each such KPI."
        ),
        "example": SHORTFALL_EXAMPLE,
    }
)
class RawShortfallsField(serializers.Field):
    """An object of KPI code -> {reason, remedy}; only the outer shape is checked here."""

    default_error_messages = {
        # DRF formats the message with str.format: the braces are doubled.
        "not_object": _(
            'must be an object mapping KPI codes to {{"reason": text, "remedy": text}}'
        ),
    }

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            self.fail("not_object")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class ReportSerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.code", read_only=True)
    ministry = serializers.CharField(source="program.ministry.code", read_only=True)
    period_label = serializers.SerializerMethodField()
    values = serializers.SerializerMethodField()
    shortfalls = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    submitted_by = serializers.CharField(
        source="submitted_by.username", read_only=True, allow_null=True, default=None
    )
    reviewed_by = serializers.CharField(
        source="reviewed_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "program",
            "ministry",
            "period_start",
            "period_end",
            "period_label",
            "revision",
            "status",
            "is_current",
            "version",
            "values",
            "shortfalls",
            "executed_won",
            "over_execution_confirmed",
            "narrative",
            "review_comment",
            "created_by",
            "created_at",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "approved_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_period_label(self, obj: ProgressReport) -> str:
        return Period(obj.period_start, obj.period_end).label(obj.program.frequency)

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": _("KPI code -> value (a decimal as a string)."),
            "example": {"NACC-GPU": "1200"},
        }
    )
    def get_values(self, obj: ProgressReport) -> dict[str, str | None]:
        return {v.kpi.code: plain_number(v.value) for v in obj.values.all()}

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": SHORTFALL_SCHEMA,
            "description": _(
                "KPI code -> the shortfall reason and remedy given (KPIs without one left out)."
            ),
            "example": SHORTFALL_EXAMPLE,
        }
    )
    def get_shortfalls(self, obj: ProgressReport) -> dict[str, dict[str, str]]:
        return {
            v.kpi.code: {"reason": v.shortfall_reason, "remedy": v.shortfall_remedy}
            for v in obj.values.all()
            if v.has_shortfall
        }


class ReportCreateSerializer(serializers.Serializer):
    program = serializers.CharField(help_text=_("The programme's code (its budget node code)."))
    period_end = RawDateField(
        help_text=_("YYYY-MM-DD, the last day of one of the programme's reporting periods.")
    )
    values = RawValuesField(required=False)
    executed_won = RawNumberField(
        required=False, help_text=_("Budget executed in the period, whole won.")
    )
    narrative = serializers.CharField(required=False, allow_blank=True, default="")
    confirm_over_execution = serializers.BooleanField(required=False, default=False)
    shortfalls = RawShortfallsField(required=False)


class ReportUpdateSerializer(serializers.Serializer):
    values = RawValuesField(
        required=False, help_text=_("Merged: codes given are set (null clears), others kept.")
    )
    executed_won = RawNumberField(required=False)
    narrative = serializers.CharField(required=False, allow_blank=True)
    confirm_over_execution = serializers.BooleanField(required=False, default=False)
    shortfalls = RawShortfallsField(
        required=False, help_text=_("Merged: codes given are set (null clears), others kept.")
    )
    version = serializers.IntegerField(
        required=False,
        help_text=_("The version you read, when you do not send If-Match (a mismatch is a 409)."),
    )


class ReportActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        help_text=_("The version you read, when you do not send If-Match (a mismatch is a 409)."),
    )


class ReportReturnSerializer(ReportActionSerializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("What the officers must change (required)."),
    )
