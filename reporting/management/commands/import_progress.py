"""``manage.py import_progress PATH --as USER [--approve-as USER]`` (docs/formats.md).

PATH is a JSON list of rows::

    [{"program": "NACC", "period_end": "2026-03-31", "executed_won": 120000000000,
      "values": {"NACC-GPU": 1200}, "narrative": "text",
      "shortfalls": {"NACC-GPU": {"reason": "text", "remedy": "text"}}}]

``shortfalls`` (optional) gives, per KPI code, why the KPI fell short of its expected value and
what will be done; a year-end row (period ending 31 December) needs one for every KPI that falls
short (reporting/shortfalls.py).

Every row is checked by reporting/validation.py and goes through reporting/services.py: created
(or, when a draft or returned report of that programme and period is open, updated) and submitted
as USER, then, with ``--approve-as``, approved by that reviewer (who must be allowed and must not
be USER). All rows or none: every row is tried, every problem is reported as
``PATH: row N: field: reason`` (rows counted from 1; the field as a key path such as
``shortfalls.NACC-GPU.reason``), and if there is any, nothing is saved.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from audit.context import audit_context
from ops.db import analyze
from programs.models import Program
from programs.selectors import program_by_code
from reporting import services
from reporting.models import KPIValue, ProgressReport, ReportStatus
from reporting.validation import ReportInputError, parse_period_end

ROW_FIELDS = ("program", "period_end", "executed_won", "values", "narrative", "shortfalls")


class _RowFailed(Exception):
    def __init__(self, messages: list[tuple[str, str]]):
        self.messages = messages


class Command(BaseCommand):
    help = "Import progress reports from a JSON file (docs/formats.md): all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the JSON file")
        parser.add_argument(
            "--as", dest="as_user", required=True, help="the officer who submits the rows"
        )
        parser.add_argument(
            "--approve-as", dest="approve_as", help="a reviewer who then approves them"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        submitter = self._user(options["as_user"], "--as")
        approver = None
        if options.get("approve_as"):
            approver = self._user(options["approve_as"], "--approve-as")
            if approver.pk == submitter.pk:
                raise CommandError(
                    _("--approve-as: %(user)s cannot approve the reports they submit")
                    % {"user": approver.get_username()}
                )
        rows = self._read(path)
        errors: list[str] = []
        done: list[ProgressReport] = []
        with (
            audit_context(actor=submitter, source="command:import_progress"),
            transaction.atomic(),
        ):
            for index, row in enumerate(rows, start=1):
                try:
                    with transaction.atomic():
                        done.append(self._import_row(row, submitter, approver))
                except _RowFailed as failed:
                    errors.extend(
                        f"{path}: row {index}: {field}: {message}"
                        for field, message in failed.messages
                    )
            if errors:
                transaction.set_rollback(True)
            elif done:
                # Statistics for the rows just written (a bulk import can multiply a table).
                analyze(ProgressReport, KPIValue)
        if errors:
            raise CommandError(
                _("%(path)s: nothing imported, %(count)d problem(s):")
                % {"path": path, "count": len(errors)}
                + "\n"
                + "\n".join(errors)
            )
        if approver is not None:
            message = _(
                "%(path)s: %(count)d report(s) submitted by %(user)s and approved by %(approver)s."
            ) % {
                "path": path,
                "count": len(done),
                "user": submitter.get_username(),
                "approver": approver.get_username(),
            }
        else:
            message = _("%(path)s: %(count)d report(s) submitted by %(user)s.") % {
                "path": path,
                "count": len(done),
                "user": submitter.get_username(),
            }
        self.stdout.write(message)

    def _user(self, username: str, option: str) -> Any:
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(
                _("%(option)s: there is no active user named %(user)s")
                % {"option": option, "user": username}
            )
        return user

    def _read(self, path: str) -> list[Any]:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(_("%(path)s: no such file") % {"path": path}) from None
        except UnicodeDecodeError:
            raise CommandError(_("%(path)s: not UTF-8 text") % {"path": path}) from None
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        try:
            data = json.loads(text, parse_float=str, parse_constant=lambda c: c)
        except json.JSONDecodeError as exc:
            raise CommandError(
                _("%(path)s: not valid JSON: line %(line)d, column %(column)d: %(reason)s")
                % {"path": path, "line": exc.lineno, "column": exc.colno, "reason": exc.msg}
            ) from None
        if not isinstance(data, list):
            raise CommandError(
                _("%(path)s: the file must hold a JSON list of rows") % {"path": path}
            )
        return data

    def _import_row(self, row: Any, submitter: Any, approver: Any) -> ProgressReport:
        if not isinstance(row, dict):
            raise _RowFailed([("row", _("must be an object with program, period_end, values"))])
        problems: list[tuple[str, str]] = []
        for key in row:
            if key not in ROW_FIELDS:
                problems.append(
                    (
                        str(key),
                        _("unknown field (the fields are: %(fields)s)")
                        % {"fields": ", ".join(ROW_FIELDS)},
                    )
                )
        for key in ("program", "period_end"):
            if key not in row:
                problems.append((key, _("required")))
        narrative = row.get("narrative", "")
        if narrative is None:
            narrative = ""
        if not isinstance(narrative, str):
            problems.append(("narrative", _("must be text")))
        code = row.get("program")
        program: Program | None = None
        if "program" in row:
            if not isinstance(code, str) or not code:
                problems.append(("program", _("must be a programme code")))
            else:
                program = program_by_code(code)
                if program is None:
                    problems.append(
                        ("program", _("no programme has the code %(code)s") % {"code": code})
                    )
        if problems or program is None:
            raise _RowFailed(problems)
        try:
            return self._submit(row, program, narrative, submitter, approver)
        except ReportInputError as exc:
            raise _RowFailed([(e.field, e.message) for e in exc.errors]) from None
        except PermissionDenied as exc:
            raise _RowFailed([("program", str(exc))]) from None
        except (services.InvalidTransitionError, services.StaleReportError) as exc:
            raise _RowFailed([("period_end", str(exc))]) from None

    def _submit(
        self, row: dict[str, Any], program: Program, narrative: str, submitter: Any, approver: Any
    ) -> ProgressReport:
        values = row.get("values")
        executed = row.get("executed_won")
        shortfalls = row.get("shortfalls")
        open_report = None
        try:
            day = parse_period_end(row.get("period_end"))
        except ReportInputError:
            day = None
        if day is not None:
            open_report = ProgressReport.objects.filter(
                program=program,
                period_end=day,
                status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED],
            ).first()
        if open_report is not None:
            report = services.report_update(
                user=submitter,
                report=open_report,
                values=values,
                executed_won=executed,
                narrative=narrative,
                shortfalls=shortfalls,
            )
        else:
            report = services.report_create_draft(
                user=submitter,
                program=program,
                period_end=row.get("period_end"),
                values=values,
                executed_won=executed,
                narrative=narrative,
                shortfalls=shortfalls,
            )
        report = services.report_submit(user=submitter, report=report)
        if approver is not None:
            try:
                with audit_context(actor=approver, source="command:import_progress"):
                    report = services.report_approve(user=approver, report=report)
            except PermissionDenied as exc:
                raise _RowFailed([("approve", str(exc))]) from None
        return report
