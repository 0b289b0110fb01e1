"""The one place where progress-report input is checked (docs/status-rules.md and docs/formats.md).

Every way in (the report form, the spreadsheet upload, the REST API, ``import_progress``) passes its
raw input through :func:`validate_report_input`, which either returns a :class:`CleanReportInput` or
raises :class:`ReportInputError` carrying every problem found, each as an :class:`InputError` with
the field it concerns (``"period_end"``, ``"executed_won"``, ``"values.<KPI code>"``) and a message
that says why. Nothing is saved here.

Rules:

* Numbers: ints, finite floats, Decimals and numeric strings (``"1200"``, ``"1,200.5"``, ``" 3 "``).
  Refused: booleans, text, NaN, Infinity, spreadsheet formulas (strings starting with ``=`` or
  ``@``), more than 4 decimal places, and absurd magnitudes (``abs >= 1e15`` for a KPI value;
  ``executed_won`` must be whole won, ``>= 0`` and ``< 1e16``).
* ``None`` or an empty string means "no value": in ``values`` it clears the KPI's value; for
  ``executed_won``, ``None`` means "not given" (unchanged on update) and ``""`` clears it.
* Negative values: a ``cumulative`` or ``annual`` KPI reports the amount achieved in the period,
  which cannot be negative (a mistake in an earlier period is fixed by a correction revision of that
  period, not by a negative amount). A ``level`` KPI reports the value at the period end; it cannot
  be negative when its direction is ``increase`` and its baseline is ``>= 0`` (counts, capacities,
  percentages achieved). A ``level`` KPI with direction ``decrease`` or a negative baseline may be
  negative (a change measured against a reference, for example).
* KPI codes must belong to the programme.
* ``period_end`` must be the last day of one of the programme's reporting periods
  (programs/periods.py), which run from the period containing the programme start to the one
  containing the later of the programme end and the latest KPI target date.
* ``executed_won`` is the amount executed in the period. When it, added to the other approved
  periods of the same calendar year, exceeds the programme's allocation, the input is refused
  unless ``confirm_over_execution=True``.
* With ``require_complete=True`` (submission) every KPI needs a value and ``executed_won`` is
  required.
* ``shortfalls`` maps KPI codes to ``{"reason": text, "remedy": text}`` (both required, non-empty
  once stripped, at most ``SHORTFALL_MAX_CHARS`` characters each; no other keys), or to ``None``
  (or both texts empty) to clear the KPI's shortfall. A shortfall goes with the KPI's value: one
  given for a KPI without a value is refused. Errors name the key path
  (``shortfalls.<code>.reason``).
* A year-end report (its period ends on 31 December) cannot be submitted while a KPI falls short
  of its expected value (reporting/shortfalls.py) without a reason and a remedy.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from budget import parsing
from budget.selectors import program_allocation
from kpis.models import VALUE_DECIMAL_PLACES, VALUE_MAX
from programs.periods import Period, is_period_end
from reporting.shortfalls import SHORTFALL_MAX_CHARS, is_year_end

if TYPE_CHECKING:
    from kpis.models import KPI
    from programs.models import Program
    from reporting.models import ProgressReport

MAX_VALUE = VALUE_MAX
MAX_MONEY = Decimal("1e16")
MAX_DECIMAL_PLACES = VALUE_DECIMAL_PLACES
MONEY_FIELD = "executed_won"


@dataclass(frozen=True)
class InputError:
    """One problem with the input: the field it concerns and why."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ReportInputError(Exception):
    """Bad report input. ``errors`` lists every problem found."""

    def __init__(self, errors: list[InputError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    def as_dict(self) -> dict[str, list[str]]:
        """Messages grouped by field, in the order found."""
        out: dict[str, list[str]] = {}
        for error in self.errors:
            out.setdefault(error.field, []).append(error.message)
        return out


class DuplicateReportError(ReportInputError):
    """A report for this programme and period is already open, or already approved."""

    def __init__(self, errors: list[InputError], existing: ProgressReport):
        super().__init__(errors)
        self.existing = existing


@dataclass
class CleanReportInput:
    """Checked input. ``values`` maps KPI codes to a value, or to ``None`` to clear it.
    ``executed_won`` is ``NOT_GIVEN`` when the input did not mention it."""

    program: Program
    period: Period
    values: dict[str, Decimal | None]
    kpis: dict[str, KPI]
    executed_won: int | object | None
    # KPI code -> (reason, remedy), or None to clear the KPI's shortfall.
    shortfalls: dict[str, tuple[str, str] | None] = field(default_factory=dict)
    over_execution: bool = False
    over_execution_confirmed: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def period_end(self) -> date:
        return self.period.end


NOT_GIVEN: Any = object()


def _show(raw: object, limit: int = 40) -> str:
    text = str(raw)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_value(raw: object, *, field: str, money: bool | None = None, unit: str = "") -> Decimal:
    """Parse one number typed, pasted, uploaded or sent by a person (budget/parsing.py reads
    the forms people type: separators, 조/억/만, a unit after the number, a percentage).

    Raises :class:`ReportInputError` with one :class:`InputError` for ``field`` when ``raw`` is not
    an acceptable number. ``money`` (default: ``field == "executed_won"``) asks for whole won below
    1e16; other values must be below 1e15 in magnitude with at most 4 decimal places. ``unit`` is
    the KPI's unit. Signs are not checked here (see :func:`validate_report_input`).
    """
    if money is None:
        money = field == MONEY_FIELD

    def fail(message: str) -> ReportInputError:
        return ReportInputError([InputError(field, message)])

    try:
        number = parsing.read_money(raw) if money else parsing.read_number(raw, unit=unit)
    except parsing.ParseError as exc:
        raise fail(exc.message) from None
    if not number.is_finite():
        raise fail(_('"%(value)s" is not a number') % {"value": _show(raw)})
    limit = MAX_MONEY if money else MAX_VALUE
    if abs(number) >= limit:
        raise fail(
            _("%(value)s is implausibly large (the limit is %(limit)s)")
            % {"value": _show(raw), "limit": f"{limit:,.0f}"}
        )
    exponent = parsing.exponent_of(number)
    if money:
        if exponent < 0:
            raise fail(_("%(value)s is not a whole number of won") % {"value": _show(raw)})
        return Decimal(int(number))
    if exponent < -MAX_DECIMAL_PLACES:
        raise fail(
            _("%(value)s has more than %(places)d decimal places")
            % {"value": _show(raw), "places": MAX_DECIMAL_PLACES}
        )
    # Normalise "1.2E+3" to 1200 without losing trailing precision semantics.
    if exponent > 0:
        number = number.quantize(Decimal(1))
    return number


def parse_period_end(raw: object, *, field: str = "period_end") -> date:
    """A date, or a date as text (``2026-03-31``, ``2026.03.31``, ``2026. 3. 31.``); a number is
    refused, not read as a date."""
    try:
        return parsing.read_date(raw)
    except parsing.ParseError as exc:
        raise ReportInputError([InputError(field, exc.message)]) from None


def period_has_ended(day: date, *, today: date | None = None) -> bool:
    """Whether a period ending on ``day`` has ended: it ends on or before today (local time)."""
    return day <= (today or timezone.localdate())


def refuse_unended_period(program: Program, day: date, *, approving: bool = False) -> None:
    """A report for a period that has not ended may be a draft, but cannot be submitted or
    (``approving``) approved."""
    if not period_has_ended(day):
        raise ReportInputError(
            [InputError("period_end", unended_message(program, day, approving=approving))]
        )


def unended_message(program: Program, day: date, *, approving: bool = False) -> str:
    """Why a report for a period that has not ended cannot be submitted (or approved)."""
    values = {
        "program": program.code,
        "date": day.isoformat(),
        "today": timezone.localdate().isoformat(),
    }
    if approving:
        return (
            _(
                "%(program)s: the period ending %(date)s has not ended (today is %(today)s); "
                "its report cannot be approved before then."
            )
            % values
        )
    return (
        _(
            "%(program)s: the period ending %(date)s has not ended (today is %(today)s); save "
            "the report as a draft and submit it after the period ends."
        )
        % values
    )


def kpi_may_be_negative(kpi: KPI) -> bool:
    """Whether a reported value of this KPI may be negative (see the module docstring)."""
    from kpis.kinds import kind_of
    from kpis.models import Direction

    if kind_of(kpi.kind).period_amounts:
        return False
    return not (kpi.direction == Direction.INCREASE and kpi.baseline >= 0)


def _program_kpis(program: Program) -> dict[str, KPI]:
    """The programme's KPIs by code (uses ``prefetch_related("kpis")`` when present)."""
    return {k.code: k for k in program.kpis.all()}


def _find_period(program: Program, kpis: dict[str, KPI], day: date) -> Period | str:
    """The programme's period ending on ``day``, or a message saying why there is none."""
    from programs.selectors import program_reporting_periods

    frequency = program.frequency
    if not is_period_end(day, frequency):
        return _(
            "%(date)s is not the last day of a %(frequency)s reporting period "
            "(for example %(example)s)"
        ) % {
            "date": day.isoformat(),
            "frequency": program.get_frequency_display().lower(),
            "example": _example_end(day, frequency),
        }
    periods = program_reporting_periods(
        program, latest_target_date=max((k.target_date for k in kpis.values()), default=None)
    )
    for period in periods:
        if period.end == day:
            return period
    return _(
        "%(date)s is outside the programme's reporting periods "
        "(the first ends %(first)s, the last %(last)s)"
    ) % {"date": day.isoformat(), "first": periods[0].end, "last": periods[-1].end}


def _example_end(day: date, frequency: str) -> str:
    from programs.periods import period_containing

    return period_containing(day, frequency).end.isoformat()


def _approved_executed_elsewhere(program: Program, period: Period) -> int:
    from reporting.models import ProgressReport

    total = (
        ProgressReport.objects.filter(
            program=program, is_current=True, period_end__year=period.end.year
        )
        .exclude(period_end=period.end)
        .aggregate(total=Sum("executed_won"))["total"]
    )
    return int(total or 0)


def validate_report_input(
    *,
    program: Program,
    period_end: object,
    values: object,
    executed_won: object,
    existing_report: ProgressReport | None = None,
    confirm_over_execution: bool = False,
    require_complete: bool = False,
    shortfalls: object = None,
) -> CleanReportInput:
    """Check one report's input for ``program``; raise :class:`ReportInputError` listing every
    problem, or return the clean input. ``values`` maps KPI codes to raw values (``None`` clears).
    With ``existing_report`` the stored values count for completeness (values not mentioned keep
    their stored value) and the period cannot change."""
    errors: list[InputError] = []
    kpis = _program_kpis(program)

    # period_end
    period: Period | None = None
    try:
        day = parse_period_end(period_end)
    except ReportInputError as exc:
        errors.extend(exc.errors)
    else:
        if existing_report is not None and existing_report.period_end != day:
            errors.append(
                InputError(
                    "period_end",
                    _("the period of an existing report cannot change (it is %(date)s)")
                    % {"date": existing_report.period_end.isoformat()},
                )
            )
        found = _find_period(program, kpis, day)
        if isinstance(found, Period):
            period = found
            if require_complete and not period_has_ended(day):
                errors.append(InputError("period_end", unended_message(program, day)))
        else:
            errors.append(InputError("period_end", found))

    # values
    clean_values: dict[str, Decimal | None] = {}
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        errors.append(InputError("values", _("must be an object mapping KPI codes to numbers")))
        values = {}
    for raw_code, raw in values.items():
        code = str(raw_code)
        key = f"values.{code}"
        kpi = kpis.get(code)
        if kpi is None:
            errors.append(
                InputError(
                    key,
                    _("%(code)s is not a KPI of programme %(program)s (its KPIs: %(codes)s)")
                    % {
                        "code": code,
                        "program": program.code,
                        "codes": ", ".join(kpis) or "-",
                    },
                )
            )
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            clean_values[code] = None
            continue
        try:
            number = parse_value(raw, field=key, money=False, unit=kpi.unit)
        except ReportInputError as exc:
            errors.extend(exc.errors)
            continue
        if number < 0 and not kpi_may_be_negative(kpi):
            errors.append(InputError(key, _negative_message(kpi, raw)))
            continue
        clean_values[code] = number

    # executed_won
    clean_executed: int | object | None = NOT_GIVEN
    if executed_won is None:
        clean_executed = NOT_GIVEN
    elif isinstance(executed_won, str) and not executed_won.strip():
        clean_executed = None
    else:
        try:
            money = parse_value(executed_won, field=MONEY_FIELD, money=True)
        except ReportInputError as exc:
            errors.extend(exc.errors)
        else:
            if money < 0:
                errors.append(
                    InputError(
                        MONEY_FIELD,
                        _("%(value)s: the budget executed cannot be negative")
                        % {"value": _show(executed_won)},
                    )
                )
            else:
                clean_executed = int(money)

    # shortfalls
    clean_shortfalls = _clean_shortfalls(shortfalls, program, kpis, errors)

    stored_rows = list(existing_report.values.all()) if existing_report is not None else []
    stored = {v.kpi_id: v.value for v in stored_rows}
    final_values: dict[int, Decimal | None] = {
        kpi.pk: clean_values[code] if code in clean_values else stored.get(kpi.pk)
        for code, kpi in kpis.items()
    }
    for code in clean_shortfalls:
        if (
            clean_shortfalls[code] is not None
            and final_values[kpis[code].pk] is None
            and not any(e.field == f"values.{code}" for e in errors)
        ):
            errors.append(
                InputError(
                    f"shortfalls.{code}",
                    _("a shortfall goes with the KPI's value: give the value of %(code)s too")
                    % {"code": code},
                )
            )

    # completeness (submission)
    if require_complete:
        stored_executed: int | None = None
        if existing_report is not None:
            stored_executed = existing_report.executed_won
        for code, kpi in kpis.items():
            value = clean_values[code] if code in clean_values else stored.get(kpi.pk)
            if value is None and not any(e.field == f"values.{code}" for e in errors):
                errors.append(InputError(f"values.{code}", _("a value is required to submit")))
        final_executed = stored_executed if clean_executed is NOT_GIVEN else clean_executed
        if final_executed is None and not any(e.field == MONEY_FIELD for e in errors):
            errors.append(InputError(MONEY_FIELD, _("the budget executed is required to submit")))
        if period is not None and is_year_end(period.end) and period_has_ended(period.end):
            given = {v.kpi_id: v.has_shortfall for v in stored_rows}
            for code, entry in clean_shortfalls.items():
                given[kpis[code].pk] = entry is not None
            errors.extend(_missing_shortfalls(program, period, kpis, final_values, given, errors))

    # over-execution
    over = False
    if period is not None:
        executed_now: int | None
        if clean_executed is NOT_GIVEN:
            executed_now = existing_report.executed_won if existing_report is not None else None
        else:
            executed_now = clean_executed  # type: ignore[assignment]
        if executed_now:
            allocated = program_allocation(program, period.end.year)
            elsewhere = _approved_executed_elsewhere(program, period)
            # A year that does not fund the programme has no allocation to compare with.
            if allocated is not None and executed_now + elsewhere > allocated:
                over = True
                if not confirm_over_execution:
                    errors.append(
                        InputError(
                            MONEY_FIELD,
                            _(
                                "%(executed)s won executed (with %(elsewhere)s won approved for "
                                "other periods of %(year)s) is above the programme's allocation "
                                "of %(allocated)s won; confirm the over-execution to save it"
                            )
                            % {
                                "executed": f"{executed_now:,}",
                                "elsewhere": f"{elsewhere:,}",
                                "year": period.end.year,
                                "allocated": f"{allocated:,}",
                            },
                        )
                    )

    if errors:
        raise ReportInputError(errors)
    assert period is not None
    return CleanReportInput(
        program=program,
        period=period,
        values=clean_values,
        kpis=kpis,
        executed_won=clean_executed,
        shortfalls=clean_shortfalls,
        over_execution=over,
        over_execution_confirmed=over and confirm_over_execution,
    )


def _negative_message(kpi: KPI, raw: object) -> str:
    from kpis.kinds import kind_of

    if kind_of(kpi.kind).period_amounts:
        return _(
            "%(value)s: the amount achieved in a period cannot be negative; correct an earlier "
            "period with a correction of that period's report"
        ) % {"value": _show(raw)}
    return _("%(value)s: %(code)s cannot be negative") % {"value": _show(raw), "code": kpi.code}


SHORTFALL_KEYS = ("reason", "remedy")


def split_shortfall_field(field: str, codes: Collection[str]) -> tuple[str, str] | None:
    """(KPI code, "reason" | "remedy" | "") of an error's field ``shortfalls.<code>[.<part>]``,
    for a code among ``codes`` (a code may hold a dot); None for any other field."""
    if not field.startswith("shortfalls."):
        return None
    rest = field.removeprefix("shortfalls.")
    if rest in codes:
        return rest, ""
    code, _dot, part = rest.rpartition(".")
    if code in codes:
        return code, part
    return None


def _clean_shortfalls(
    raw: object, program: Program, kpis: dict[str, KPI], errors: list[InputError]
) -> dict[str, tuple[str, str] | None]:
    """KPI code -> (reason, remedy) or None (clear), from the raw ``shortfalls`` object; the
    problems found are added to ``errors``."""
    out: dict[str, tuple[str, str] | None] = {}
    if raw is None:
        return out
    if not isinstance(raw, Mapping):
        errors.append(
            InputError(
                "shortfalls",
                _('must be an object mapping KPI codes to {"reason": text, "remedy": text}'),
            )
        )
        return out
    for raw_code, entry in raw.items():
        code = str(raw_code)
        key = f"shortfalls.{code}"
        if code not in kpis:
            errors.append(
                InputError(
                    key,
                    _("%(code)s is not a KPI of programme %(program)s (its KPIs: %(codes)s)")
                    % {"code": code, "program": program.code, "codes": ", ".join(kpis) or "-"},
                )
            )
            continue
        if entry is None or (isinstance(entry, str) and not entry.strip()):
            out[code] = None
            continue
        if not isinstance(entry, Mapping):
            errors.append(InputError(key, _('must be an object {"reason": text, "remedy": text}')))
            continue
        problems = len(errors)
        for extra in entry:
            if extra not in SHORTFALL_KEYS:
                errors.append(
                    InputError(
                        f"{key}.{extra}",
                        _("unknown field (the fields are: %(fields)s)")
                        % {"fields": ", ".join(SHORTFALL_KEYS)},
                    )
                )
        texts: dict[str, str] = {}
        for part in SHORTFALL_KEYS:
            if part not in entry:
                errors.append(InputError(f"{key}.{part}", _("required")))
                continue
            text = entry[part]
            if text is None:
                text = ""
            if not isinstance(text, str):
                errors.append(InputError(f"{key}.{part}", _("must be text")))
                continue
            text = text.strip()
            if len(text) > SHORTFALL_MAX_CHARS:
                errors.append(
                    InputError(
                        f"{key}.{part}",
                        _("%(count)d characters: at most %(max)d")
                        % {"count": len(text), "max": SHORTFALL_MAX_CHARS},
                    )
                )
                continue
            texts[part] = text
        if len(errors) > problems:
            continue
        reason, remedy = texts["reason"], texts["remedy"]
        if not reason and not remedy:
            out[code] = None
            continue
        for part, text in texts.items():
            if not text:
                errors.append(
                    InputError(
                        f"{key}.{part}",
                        _("a shortfall needs both a reason and a remedy: this one is empty"),
                    )
                )
        if reason and remedy:
            out[code] = (reason, remedy)
    return out


def _missing_shortfalls(
    program: Program,
    period: Period,
    kpis: dict[str, KPI],
    values: Mapping[int, Decimal | None],
    given: Mapping[int, bool],
    errors: list[InputError],
) -> list[InputError]:
    """An error for each KPI that falls short at the end of a year-end period without a reason
    and a remedy (reporting/shortfalls.py)."""
    from reporting.shortfalls import report_standings

    out = []
    standings = report_standings(program, period.end, values)
    for code, kpi in kpis.items():
        standing = standings.get(kpi.pk)
        if standing is None or not standing.falls_short or given.get(kpi.pk):
            continue
        if any(e.field.startswith(f"shortfalls.{code}") for e in errors):
            continue
        out.append(
            InputError(
                f"shortfalls.{code}",
                _(
                    "%(code)s falls short at the year end (%(actual)s against %(expected)s "
                    "expected by %(date)s): a year-end report needs the reason for the "
                    "shortfall and the remedy"
                )
                % {
                    "code": code,
                    "actual": _plain(standing.actual),
                    "expected": _plain(standing.expected),
                    "date": period.end.isoformat(),
                },
            )
        )
    return out


def _plain(number: Decimal | None) -> str:
    if number is None:
        return "-"
    return f"{number.normalize():,f}"
