"""KPIs, milestones and target revisions in the admin.

A KPI's target, target date, baseline and milestones are set when it is created; afterwards they
change only through "Revise target" (kpis.services.kpi_revise_target), which keeps the values before
and after and asks for a reason once data exists. Definition changes (name, unit, kind...) go
through kpis.services.kpi_change_definition, which refuses a change of kind or direction once values
are reported. Target revisions are read-only history.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budget.formatting import format_value, format_won_exact, unit_label
from kpis.models import KPI, Milestone, RevisionReason, TargetRevision
from kpis.services import DEFINITION_FIELDS, kpi_change_definition, kpi_revise_target

TARGET_FIELDS = ("target", "target_date", "baseline")


def _quantity(value: Any) -> str:
    """The exact value, thousands grouped, no trailing zeros: "25", "1,234.5" (not "25.0000")."""
    if value is None or value == "":
        return "-"
    text = f"{Decimal(str(value)).normalize():,f}"
    return "0" if text in {"-0", ""} else text


def kpi_value_html(kpi: KPI, value: Any) -> str:
    """A value of ``kpi`` at reading precision, by the one formatting rule
    (``budget.formatting.format_value``: an amount in won reads as money, anything else at the
    KPI's decimals), the exact figure in its tooltip."""
    if value is None or value == "":
        return "-"
    language = translation.get_language() or "ko"
    if kpi.is_money:
        exact = format_won_exact(int(Decimal(str(value))), language)
    else:
        exact = _quantity(value)
    return format_html(
        '<span title="{}">{}</span>',
        exact,
        format_value(value, language, unit=kpi.unit, decimals=kpi.value_decimals),
    )


def _snapshot_html(snapshot: Any, unit: str) -> str:
    """A revision's before/after values as readable fields, not JSON."""
    if not isinstance(snapshot, dict):
        return "-"
    language = translation.get_language() or "ko"
    rows = [
        (gettext("target"), f"{_quantity(snapshot.get('target'))} {unit_label(unit, language)}"),
        (gettext("target date"), snapshot.get("target_date") or "-"),
        (gettext("baseline"), _quantity(snapshot.get("baseline"))),
    ]
    milestones = snapshot.get("milestones") or []
    rows.append(
        (
            gettext("milestones"),
            ", ".join(f"{m.get('date')}: {_quantity(m.get('value'))}" for m in milestones)
            or gettext("none"),
        )
    )
    return format_html_join(mark_safe("<br>"), "{}: {}", rows)


class _DryRun(Exception):
    """Rolls back a service call made only to validate."""


class KPIAdminForm(forms.ModelForm):
    """Validates a definition change with the service's own rules (run and rolled back) so that
    the admin shows the service's message on the field instead of failing on save."""

    request_user: Any = None

    class Meta:
        model = KPI
        fields = (
            "program",
            "code",
            *DEFINITION_FIELDS,
            *TARGET_FIELDS,
        )

    def definition_changes(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in DEFINITION_FIELDS and name in self.cleaned_data
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is None or self.errors:
            return cleaned
        changes = self.definition_changes()
        if not changes:
            return cleaned
        try:
            with transaction.atomic():
                kpi_change_definition(user=self.request_user, kpi=self.instance, **changes)
                raise _DryRun
        except _DryRun:
            pass
        except PermissionDenied as exc:
            raise ValidationError(str(exc)) from exc
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ("date", "value")
    ordering = ("date",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("date", "value_shown") if obj is not None else ("date", "value")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("date", "value_shown") if obj is not None else ()

    @admin.display(description=_("value"))
    def value_shown(self, obj: Milestone) -> str:
        return kpi_value_html(obj.kpi, obj.value)

    # Milestones are part of the target: set with a new KPI, revised through "Revise target".
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_delete_permission(request, obj)


class _RevisionValues:
    """Before/after of a target revision as readable fields."""

    @admin.display(description=_("previous values"))
    def previous_values(self, obj: TargetRevision) -> str:
        return _snapshot_html(obj.previous, obj.kpi.unit)

    @admin.display(description=_("revised values"))
    def revised_values(self, obj: TargetRevision) -> str:
        return _snapshot_html(obj.revised, obj.kpi.unit)


class TargetRevisionInline(_RevisionValues, admin.TabularInline):
    model = TargetRevision
    extra = 0
    fields = (
        "effective_from",
        "reason",
        "reason_text",
        "previous_values",
        "revised_values",
        "created_by",
    )
    readonly_fields = fields
    can_delete = False
    ordering = ("effective_from", "created_at", "id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TargetRevisionForm(forms.Form):
    effective_from = forms.DateField(
        label=_("effective from"),
        help_text=_("The revised target is in force from this date (YYYY-MM-DD)."),
    )
    target = forms.DecimalField(label=_("target"), max_digits=24, decimal_places=4)
    target_date = forms.DateField(label=_("target date"))
    baseline = forms.DecimalField(label=_("baseline"), max_digits=24, decimal_places=4)
    milestones = forms.CharField(
        label=_("milestones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: a date and a value, e.g. 2027-12-31 5000. Empty: none."),
    )
    reason = forms.ChoiceField(
        label=_("reason"),
        required=False,
        choices=[("", "—"), *RevisionReason.choices],
        help_text=_("Required once values have been submitted or approved for the KPI."),
    )
    reason_text = forms.CharField(
        label=_("explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('Required when the reason is "other".'),
    )

    def clean_milestones(self) -> list[dict[str, str]]:
        items: list[dict[str, str]] = []
        for number, line in enumerate(self.cleaned_data.get("milestones", "").splitlines(), 1):
            parts = line.replace(",", " ").replace(":", " ").split()
            if not parts:
                continue
            if len(parts) != 2:
                raise ValidationError(
                    _("Line %(line)s: write a date and a value, e.g. 2027-12-31 5000."),
                    params={"line": number},
                )
            items.append({"date": parts[0], "value": parts[1]})
        return items


@admin.register(KPI)
class KPIAdmin(admin.ModelAdmin):
    form = KPIAdminForm
    list_display = (
        "code",
        "name",
        "program_code",
        "unit",
        "kind",
        "direction",
        "baseline_display",
        "target_display",
        "target_text",
        "target_date",
    )
    list_filter = (
        "kind",
        "direction",
        "program__ministry",
        "program__allocations__fiscal_year",
        "target_date",
    )
    search_fields = ("code", "name", "name_ko", "target_text", "program__code")
    list_select_related = ("program", "program__ministry")
    autocomplete_fields = ("program",)
    ordering = ("program__code", "position")
    inlines = (MilestoneInline, TargetRevisionInline)
    readonly_fields = ("revise_link",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is not None:
            return (
                "program",
                "code",
                "target_display",
                "target_date",
                "baseline_display",
                "revise_link",
            )
        return ("revise_link",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Once saved, the target fields read as numbers ("25", not "25.0000")."""
        fields = list(super().get_fields(request, obj))
        if obj is not None:
            shown = {"target": "target_display", "baseline": "baseline_display"}
            fields = [shown.get(str(name), name) for name in fields]
            fields = [f for i, f in enumerate(fields) if f not in fields[:i]]
        return fields

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user  # type: ignore[attr-defined]
        return form

    def save_model(self, request: HttpRequest, obj: KPI, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        changes = form.definition_changes()
        if changes:
            kpi_change_definition(
                user=request.user,  # type: ignore[arg-type]
                kpi=KPI.objects.get(pk=obj.pk),
                **changes,
            )
            obj.refresh_from_db()

    @admin.display(description=_("programme"), ordering="program__code")
    def program_code(self, obj: KPI) -> str:
        return obj.program.code

    @admin.display(description=_("baseline"), ordering="baseline")
    def baseline_display(self, obj: KPI) -> str:
        return kpi_value_html(obj, obj.baseline)

    @admin.display(description=_("target"), ordering="target")
    def target_display(self, obj: KPI) -> str:
        return kpi_value_html(obj, obj.target)

    @admin.display(description=_("target revision"))
    def revise_link(self, obj: KPI) -> str:
        if obj.pk is None:
            return gettext("Set the target here; revise it later with “Revise target”.")
        url = reverse("admin:kpis_kpi_revise_target", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, gettext("Revise target"))

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "<int:pk>/revise-target/",
                self.admin_site.admin_view(self.revise_target_view),
                name="kpis_kpi_revise_target",
            )
        ]
        return custom + super().get_urls()

    def revise_target_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        kpi = get_object_or_404(KPI.objects.select_related("program"), pk=pk)
        if not self.has_change_permission(request, kpi):
            raise PermissionDenied
        if request.method == "POST":
            form = TargetRevisionForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    kpi_revise_target(
                        user=request.user,  # type: ignore[arg-type]
                        kpi=kpi,
                        effective_from=data["effective_from"],
                        target=data["target"],
                        target_date=data["target_date"],
                        baseline=data["baseline"],
                        milestones=data["milestones"],
                        reason=data["reason"],
                        reason_text=data["reason_text"],
                    )
                except PermissionDenied as exc:
                    form.add_error(None, str(exc))
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        name = field.split("[")[0]
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    self.message_user(
                        request,
                        gettext("The target of %(code)s was revised.") % {"code": kpi.code},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:kpis_kpi_change", args=[kpi.pk]))
        else:
            lines = "\n".join(
                f"{m.date.isoformat()} {_quantity(m.value).replace(',', '')}"
                for m in kpi.milestones.order_by("date")
            )
            form = TargetRevisionForm(
                initial={
                    "effective_from": timezone.localdate(),
                    "target": kpi.target,
                    "target_date": kpi.target_date,
                    "baseline": kpi.baseline,
                    "milestones": lines,
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": kpi,
            "title": gettext("Revise the target of %(code)s") % {"code": kpi.code},
            "form": form,
        }
        return TemplateResponse(request, "admin/kpis/kpi/revise_target.html", context)


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ("kpi", "date", "value_display")
    list_filter = ("date", "kpi__program__allocations__fiscal_year")
    search_fields = ("kpi__code", "kpi__name", "kpi__name_ko")
    list_select_related = ("kpi",)
    ordering = ("kpi", "date")

    # Milestones change through a target revision (see the KPI's "Revise target").
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("value"), ordering="value")
    def value_display(self, obj: Milestone) -> str:
        return kpi_value_html(obj.kpi, obj.value)


@admin.register(TargetRevision)
class TargetRevisionAdmin(_RevisionValues, admin.ModelAdmin):
    """Read-only history. A revision is added from its KPI ("Revise target"), which checks the
    values and the reason: the list links there instead of an add form of its own."""

    change_list_template = "admin/kpis/targetrevision/change_list.html"
    list_display = (
        "kpi",
        "effective_from",
        "reason",
        "previous_values",
        "revised_values",
        "created_by",
        "created_at",
    )
    fields = (
        "kpi",
        "effective_from",
        "reason",
        "reason_text",
        "previous_values",
        "revised_values",
        "created_by",
        "created_at",
    )
    list_filter = ("reason", "effective_from")
    search_fields = ("kpi__code", "kpi__name", "reason_text", "created_by__username")
    list_select_related = ("kpi", "created_by")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.fields)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {"title": gettext("Target revisions"), **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
