"""Forms of the reporting pages. They only collect raw text: every number is checked by
reporting/validation.py through the services, whose errors are put back on the fields here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reporting.validation import MONEY_FIELD, ReportInputError, split_shortfall_field

if TYPE_CHECKING:
    from kpis.models import KPI


def kpi_field_name(kpi: KPI) -> str:
    return f"kpi_{kpi.pk}"


def shortfall_field_names(kpi: KPI) -> tuple[str, str]:
    """The names of the KPI's shortfall reason and remedy fields."""
    return f"reason_{kpi.pk}", f"remedy_{kpi.pk}"


class ReportForm(forms.Form):
    """One report: a text field per KPI with its shortfall reason and remedy, the budget
    executed, the narrative."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    executed_won = forms.CharField(
        label=_("Budget executed this period (won)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    confirm_over_execution = forms.BooleanField(
        label=_("I confirm the execution above the allocation"), required=False
    )
    narrative = forms.CharField(
        label=_("Narrative"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    evidence = forms.FileField(label=_("Evidence file (optional)"), required=False)

    def __init__(self, *args: Any, kpis: list[KPI], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kpis = kpis
        self.kpi_fields: dict[str, str] = {}
        self.shortfall_fields: dict[str, tuple[str, str]] = {}
        for kpi in kpis:
            name = kpi_field_name(kpi)
            self.kpi_fields[kpi.code] = name
            self.fields[name] = forms.CharField(
                label=str(kpi),  # code and name in the active language
                required=False,
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "autocomplete": "off", "class": "num"}
                ),
            )
            reason, remedy = shortfall_field_names(kpi)
            self.shortfall_fields[kpi.code] = (reason, remedy)
            # Lengths and "both or neither" are checked by reporting/validation.py.
            self.fields[reason] = forms.CharField(
                label=_("Why it fell short"),
                required=False,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[remedy] = forms.CharField(
                label=_("What will be done (remedy)"),
                required=False,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def raw_values(self) -> dict[str, object]:
        """KPI code -> the text entered (empty clears)."""
        return {code: self.cleaned_data.get(name, "") for code, name in self.kpi_fields.items()}

    def raw_shortfalls(self) -> dict[str, dict[str, str]]:
        """KPI code -> the reason and remedy entered (both empty clears)."""
        return {
            code: {
                "reason": self.cleaned_data.get(reason, "") or "",
                "remedy": self.cleaned_data.get(remedy, "") or "",
            }
            for code, (reason, remedy) in self.shortfall_fields.items()
        }

    def add_input_errors(self, exc: ReportInputError) -> None:
        """Show each validation error on its field (period and others on the form)."""
        for error in exc.errors:
            target: str | None = None
            shortfall = split_shortfall_field(error.field, self.shortfall_fields)
            if shortfall is not None:
                code, part = shortfall
                reason, remedy = self.shortfall_fields[code]
                target = remedy if part == "remedy" else reason
            elif error.field.startswith("values."):
                target = self.kpi_fields.get(error.field.removeprefix("values."))
            elif error.field == MONEY_FIELD:
                target = "executed_won"
            elif error.field in ("narrative", "evidence"):
                target = error.field
            if target is not None and target in self.fields:
                self.add_error(target, error.message)
            else:
                self.add_error(None, f"{error.field}: {error.message}")


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"))


class ReturnForm(forms.Form):
    # The comment shares a form with the Approve buttons: required on the server for a return,
    # but no HTML "required", which would stop the browser from submitting an approval.
    use_required_attribute = False

    comment = forms.CharField(
        label=_("Comment for the officer"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
