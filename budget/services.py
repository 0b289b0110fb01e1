"""Writes of the budget: loading a budget file and exporting it back (docs/formats.md).

:func:`budget_load` checks the whole file first (:func:`budget.spec.parse_budget`: every error,
with its key path) and saves nothing when anything is wrong. A valid file is applied in one
transaction, matched to what is stored by code:

- ministries by code (never deleted: users and other years refer to them);
- the fiscal year by year;
- nodes by code within the year; their conflicting statements by position;
- programmes by code, whichever year created them (a programme outlives a budget year, and each
  year's node of the same code funds it); KPIs by code within their programme; milestones by KPI
  and date. Only the latest year that funds a programme defines it (name, period, KPIs): an
  earlier year's file updates its own tree and amounts only.

Objects whose values already match are not written at all, so loading the same file again issues
no INSERT, UPDATE or DELETE. Nodes and conflicts of the year that are no longer in the file are
deleted, and so are programmes no year funds any more and KPIs and milestones the defining file no
longer states, except that the loader refuses (again saving nothing) to remove, or redefine the
meaning of, anything that has progress data; a changed target, target date, baseline or milestone of
a KPI with progress data is applied only under the KPI's ``revision`` key, as a target revision. See
:func:`kpis.progress_data.objects_with_progress_data`, the one place that says what "has progress
data" means.

Every write is returned as a :class:`Change` (object, before, after) in :class:`LoadResult`, the
seam through which the audit trail records budget loads.

:func:`budget.exporting.budget_export` gives the stored year back in the same format.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budget.exporting import by_key, exact_number
from budget.models import BudgetConflict, BudgetNode, FiscalYear, Ministry
from budget.schema import BudgetError, BudgetFileError
from budget.spec import BudgetSpec, KPISpec, NodeSpec, parse_budget
from kpis.models import KPI, Milestone, RevisionReason, TargetRevision
from kpis.progress_data import objects_with_progress_data
from kpis.selectors import kpi_target_snapshot, number_text
from kpis.signals import target_revised
from ops.db import analyze
from programs.models import Program

__all__ = [
    "BudgetError",
    "BudgetFileError",
    "Change",
    "ChangeAction",
    "LoadResult",
    "budget_load",
]


class ChangeAction(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True)
class Change:
    """One write of a load. ``before`` / ``after`` hold the compared fields as JSON-ready values
    (``None`` for a created / deleted object); for an update, only the fields that changed.
    Foreign keys appear as ``<field>_id``. ``instance`` is the object (for a deleted one, as it
    was; ``object_pk`` keeps its primary key)."""

    action: ChangeAction
    model: str  # "budget.BudgetNode"
    object_pk: int
    label: str  # "NACC", "NACC-GPU", "NACC-GPU@2026-12-31", "AXSPRINT#0"
    instance: models.Model
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass
class LoadResult:
    fiscal_year: FiscalYear
    source: str
    changes: list[Change] = field(default_factory=list)
    unchanged_by_model: Counter[str] = field(default_factory=Counter)

    def _count(self, action: ChangeAction) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def created(self) -> int:
        return self._count(ChangeAction.CREATED)

    @property
    def updated(self) -> int:
        return self._count(ChangeAction.UPDATED)

    @property
    def deleted(self) -> int:
        return self._count(ChangeAction.DELETED)

    @property
    def unchanged(self) -> int:
        return sum(self.unchanged_by_model.values())

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def counts_by_model(self) -> dict[str, dict[str, int]]:
        """``{"budget.BudgetNode": {"created": 3, "updated": 0, "deleted": 1, "unchanged": 40}}``,
        for every model the load touched or compared."""
        result = {
            label: {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0}
            for label in MODEL_LABELS
        }
        for label, count in self.unchanged_by_model.items():
            result[label]["unchanged"] += count
        for change in self.changes:
            result[change.model][change.action.value] += 1
        return {label: counts for label, counts in result.items() if any(counts.values())}


def _label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


MODEL_LABELS = [
    _label(model)
    for model in (
        Ministry,
        FiscalYear,
        BudgetNode,
        BudgetConflict,
        Program,
        KPI,
        Milestone,
        TargetRevision,
    )
]

# The fields the loader owns, per model (attribute names: foreign keys as ``<field>_id``).
MINISTRY_FIELDS = ("code", "name", "name_ko")
FISCAL_YEAR_FIELDS = ("year", "currency", "title", "title_ko")
NODE_FIELDS = (
    "fiscal_year_id",
    "parent_id",
    "code",
    "name",
    "name_ko",
    "program_id",
    "amount_won",
    "source_text",
    "cofog",
    "ai_component",
    "position",
    "depth",
    "path",
)
CONFLICT_FIELDS = ("node_id", "amount_won", "source_text", "position")
PROGRAM_FIELDS = (
    "code",
    "name",
    "name_ko",
    "ministry_id",
    "owner_assumed",
    "start",
    "end",
    "frequency",
)
KPI_FIELDS = (
    "program_id",
    "code",
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
    "on_track_threshold",
    "at_risk_threshold",
    "source_text",
    "position",
)
MILESTONE_FIELDS = ("kpi_id", "date", "value")
# Changing these of a KPI with progress data changes what its values mean, or its target without
# a revision reason (docs/status-rules.md): the loader refuses.
KPI_DEFINING_FIELDS = ("kind", "direction")
KPI_TARGET_FIELDS = ("baseline", "target", "target_date")


def _jsonable(value: object) -> object:
    if isinstance(value, Decimal):
        return str(exact_number(value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _jsonable(getattr(instance, name)) for name in fields}


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


@transaction.atomic
def budget_load(*, data: Any, source: str) -> LoadResult:
    """Load a budget file's data (as :func:`budget.io.read_budget_file` reads it).

    Raises :class:`BudgetFileError` with every error found, saving nothing, when the file is
    invalid or would remove or redefine something that has progress data. Otherwise creates,
    updates and deletes what differs, and only that; see the module docstring.
    """
    spec = parse_budget(data, source=source)
    result = _BudgetLoader(spec, source).run()
    if result.created or result.updated or result.deleted:
        # Statistics for the tables just written, before the first page reads them.
        analyze(Ministry, FiscalYear, BudgetNode, BudgetConflict, Program, KPI, Milestone)
    return result


class _BudgetLoader:
    """One load: read what is stored, match it to the file, check, then write only the
    differences.

    Programmes outlive a year: they are matched by code whichever year created them. The file
    defines a programme (its name, period, frequency and KPIs) only when its year is the latest that
    funds the programme; an earlier year's file (reloaded later) updates its own tree and amounts
    and leaves the programme as the later year states it."""

    def __init__(self, spec: BudgetSpec, source: str) -> None:
        self.spec = spec
        self.source = source
        self.changes: list[Change] = []
        self.unchanged: Counter[str] = Counter()

    # -- reading and matching ----------------------------------------------------------------

    def read(self) -> None:
        spec = self.spec
        self.ministries = {
            ministry.code: ministry
            for ministry in Ministry.objects.filter(code__in=[m.code for m in spec.ministries])
        }
        self.fiscal_year = (
            FiscalYear.objects.select_for_update().filter(year=spec.fiscal_year).first()
        )
        self.nodes: dict[str, BudgetNode] = {}
        self.conflicts: dict[int, list[BudgetConflict]] = {}
        self.milestones: dict[int, dict[datetime.date, Milestone]] = defaultdict(dict)
        self.stale: dict[str, list[Any]] = defaultdict(list)
        self.kept_revised: set[int] = set()
        self.revised: dict[int, KPISpec] = {}
        year = self.fiscal_year
        if year is not None:
            for node in BudgetNode.objects.filter(fiscal_year=year).order_by("path", "pk"):
                self.nodes[node.code] = node
            conflicts = BudgetConflict.objects.filter(node__fiscal_year=year).order_by(
                "node_id", "position", "pk"
            )
            self.conflicts = dict(by_key(conflicts, "node_id"))
        codes_in_file = [node.code for node in spec.walk() if node.program]
        linked = [node.program_id for node in self.nodes.values() if node.program_id]
        programs = Program.objects.filter(
            models.Q(code__in=codes_in_file) | models.Q(pk__in=linked)
        )
        self.programs: dict[str, Program] = {program.code: program for program in programs}
        ids = [program.pk for program in self.programs.values()]
        # The latest other year that funds each programme: a later one defines it.
        self.other_year: dict[int, int] = dict(
            BudgetNode.objects.filter(program_id__in=ids)
            .exclude(fiscal_year__year=spec.fiscal_year)
            .values("program_id")
            .annotate(latest=models.Max("fiscal_year__year"))
            .values_list("program_id", "latest")
        )
        self.kpis: dict[tuple[int, str], KPI] = {
            (kpi.program_id, kpi.code): kpi
            for kpi in KPI.objects.filter(program_id__in=ids).order_by("pk")
        }
        for milestone in Milestone.objects.filter(kpi__program_id__in=ids):
            self.milestones[milestone.kpi_id][milestone.date] = milestone

    def defines(self, program: Program | None) -> bool:
        """Whether this file states the programme's definition (no later year funds it)."""
        return program is None or self.other_year.get(program.pk, 0) < self.spec.fiscal_year

    def match(self) -> None:
        """Match the stored objects to the file by code; those the file no longer has go to
        ``self.stale``, per model, to be deleted (children before parents)."""
        nodes_in_file = {node.code: node for node in self.spec.walk()}
        program_codes = {code for code, node in nodes_in_file.items() if node.program}
        self.stale[_label(BudgetNode)] += sorted(
            (node for code, node in self.nodes.items() if code not in nodes_in_file),
            key=lambda node: (-node.depth, node.path),
        )
        for node in self.nodes.values():
            spec = nodes_in_file.get(node.code)
            kept = len(spec.conflicts) if spec else 0
            self.stale[_label(BudgetConflict)] += self.conflicts.get(node.pk, [])[kept:]
        # A programme this year no longer funds goes with its KPIs, unless another year funds it.
        for program in self.programs.values():
            if program.code not in program_codes and program.pk not in self.other_year:
                self.stale[_label(Program)].append(program)
                self.stale[_label(KPI)] += [
                    kpi for (pid, _code), kpi in self.kpis.items() if pid == program.pk
                ]
        self.kpis_in_file: dict[tuple[int, str], KPISpec] = {}
        for code in program_codes:
            program_spec = nodes_in_file[code].program
            assert program_spec is not None
            stored = self.programs.get(code)
            if stored is None or not self.defines(stored):
                continue
            in_file = {kpi.code: kpi for kpi in program_spec.kpis}
            for kpi_spec in program_spec.kpis:
                self.kpis_in_file[(stored.pk, kpi_spec.code)] = kpi_spec
            self.stale[_label(KPI)] += [
                kpi
                for (pid, kpi_code), kpi in self.kpis.items()
                if pid == stored.pk and kpi_code not in in_file
            ]
        for key, kpi_spec in self.kpis_in_file.items():
            kpi = self.kpis.get(key)
            if kpi is None:
                continue
            dates = {m.date for m in kpi_spec.milestones}
            self.stale[_label(Milestone)] += [
                milestone
                for day, milestone in self.milestones.get(kpi.pk, {}).items()
                if day not in dates
            ]
        stale_kpis = {kpi.pk for kpi in self.stale[_label(KPI)]}
        self.stale[_label(Milestone)] += [
            milestone
            for kpi_pk in stale_kpis
            for milestone in self.milestones.get(kpi_pk, {}).values()
        ]
        self.nodes_in_file = nodes_in_file

    # -- the progress-data check -------------------------------------------------------------

    def keeps_revised_target(self, kpi: KPI, kpi_spec: KPISpec, fields: list[str]) -> bool:
        """Whether the file states the target the KPI had before its target revisions (the file
        it was loaded from, reloaded after an administrator revised the target): the revised
        target is kept, not refused and not overwritten."""
        if not set(fields) <= {*KPI_TARGET_FIELDS, "milestones"}:
            return False
        first = TargetRevision.objects.filter(kpi=kpi).order_by("created_at", "pk").first()
        if first is None:
            return False
        in_file = _spec_target_snapshot(kpi_spec)
        previous = dict(first.previous)
        previous.setdefault("milestones", [])
        if {k: previous.get(k) for k in in_file} != in_file:
            return False
        self.kept_revised.add(kpi.pk)
        self.stale[_label(Milestone)] = [
            m for m in self.stale[_label(Milestone)] if m.kpi_id != kpi.pk
        ]
        return True

    def check_progress_data(self) -> None:
        """Refuse to remove or redefine what has progress data; a changed target of a KPI with
        data needs the KPI's ``revision`` key."""
        stale_programs = self.stale[_label(Program)]
        stale_kpis = self.stale[_label(KPI)]
        refrequenced: list[tuple[Program, NodeSpec]] = []
        for node_spec in self.nodes_in_file.values():
            program = self.programs.get(node_spec.code)
            if (
                program
                and node_spec.program
                and self.defines(program)
                and program.frequency != node_spec.program.frequency
            ):
                refrequenced.append((program, node_spec))
        redefined: list[tuple[KPI, KPISpec, list[str]]] = []
        for key, kpi_spec in self.kpis_in_file.items():
            kpi = self.kpis.get(key)
            if kpi is None:
                continue
            fields = [
                name
                for name in (*KPI_DEFINING_FIELDS, *KPI_TARGET_FIELDS)
                if getattr(kpi, name) != getattr(kpi_spec, name)
            ]
            stored = {day: m.value for day, m in self.milestones.get(kpi.pk, {}).items()}
            if stored != {m.date: m.value for m in kpi_spec.milestones}:
                fields.append("milestones")
            if fields and self.keeps_revised_target(kpi, kpi_spec, fields):
                continue
            if fields:
                redefined.append((kpi, kpi_spec, fields))

        program_ids = {p.pk for p in stale_programs} | {p.pk for p, _spec in refrequenced}
        kpi_ids = {k.pk for k in stale_kpis} | {k.pk for k, _s, _f in redefined}
        if not program_ids and not kpi_ids:
            return
        with_data_programs, with_data_kpis = objects_with_progress_data(
            program_ids=program_ids, kpi_ids=kpi_ids
        )
        errors: list[BudgetError] = []
        for program in stale_programs:
            if program.pk in with_data_programs:
                errors.append(
                    BudgetError(
                        "",
                        _(
                            "programme %(code)s is no longer in the file, but it has progress "
                            "reports: it cannot be removed"
                        )
                        % {"code": program.code},
                    )
                )
        for program, node_spec in refrequenced:
            if program.pk in with_data_programs:
                assert node_spec.program is not None
                errors.append(
                    BudgetError(
                        f"{node_spec.program.key_path}.frequency",
                        _(
                            "cannot change the reporting frequency of programme %(code)s from "
                            "%(old)s to %(new)s: it has progress reports"
                        )
                        % {
                            "code": node_spec.code,
                            "old": program.frequency,
                            "new": node_spec.program.frequency,
                        },
                    )
                )
        for kpi in stale_kpis:
            if kpi.pk in with_data_kpis:
                errors.append(
                    BudgetError(
                        "",
                        _(
                            "KPI %(code)s is no longer in the file, but it has progress data: it "
                            "cannot be removed"
                        )
                        % {"code": kpi.code},
                    )
                )
        for kpi, kpi_spec, fields in redefined:
            if kpi.pk not in with_data_kpis:
                continue
            for name in fields:
                if name in KPI_DEFINING_FIELDS:
                    errors.append(
                        BudgetError(
                            f"{kpi_spec.key_path}.{name}",
                            _("cannot change the %(field)s of KPI %(code)s: it has progress data")
                            % {"field": name, "code": kpi.code},
                        )
                    )
            fields = [name for name in fields if name not in KPI_DEFINING_FIELDS]
            if not fields:
                continue
            if kpi_spec.revision_reason:
                self.revised[kpi.pk] = kpi_spec
                continue
            errors.append(
                BudgetError(
                    kpi_spec.key_path,
                    _(
                        "KPI %(code)s has progress data and the file changes its %(fields)s: add "
                        "a revision key to the KPI (revision: {reason: ..., note: ...}) with one "
                        "of the reasons %(reasons)s"
                    )
                    % {
                        "code": kpi.code,
                        "fields": ", ".join(fields),
                        "reasons": ", ".join(RevisionReason.values),
                    },
                )
            )
        if errors:
            raise BudgetFileError(errors, source=self.source)

    # -- writing -----------------------------------------------------------------------------

    def upsert(
        self,
        model: type[models.Model],
        instance: models.Model | None,
        desired: dict[str, Any],
        label: str,
    ) -> Any:
        """Create the object, or update the fields that differ, or leave it alone."""
        name = _label(model)
        if instance is None:
            instance = model(**desired)
            instance.save(force_insert=True)
            self.changes.append(
                Change(
                    action=ChangeAction.CREATED,
                    model=name,
                    object_pk=instance.pk,
                    label=label,
                    instance=instance,
                    before=None,
                    after=_snapshot(instance, desired),
                )
            )
            return instance
        changed = [key for key, value in desired.items() if getattr(instance, key) != value]
        if not changed:
            self.unchanged[name] += 1
            return instance
        before = _snapshot(instance, changed)
        for key in changed:
            setattr(instance, key, desired[key])
        instance.save(update_fields=changed)
        self.changes.append(
            Change(
                action=ChangeAction.UPDATED,
                model=name,
                object_pk=instance.pk,
                label=label,
                instance=instance,
                before=before,
                after=_snapshot(instance, changed),
            )
        )
        return instance

    def delete_stale(self, model: type[models.Model], fields: Iterable[str], labels: Any) -> None:
        stale = self.stale.get(_label(model), [])
        if not stale:
            return
        fields = tuple(fields)
        for instance in stale:
            self.changes.append(
                Change(
                    action=ChangeAction.DELETED,
                    model=_label(model),
                    object_pk=instance.pk,
                    label=labels(instance),
                    instance=instance,
                    before=_snapshot(instance, fields),
                    after=None,
                )
            )
        model._default_manager.filter(pk__in=[instance.pk for instance in stale]).delete()

    def run(self) -> LoadResult:
        self.read()
        self.match()
        self.check_progress_data()
        spec = self.spec

        ministries: dict[str, Ministry] = {}
        for m in spec.ministries:
            ministries[m.code] = self.upsert(
                Ministry,
                self.ministries.get(m.code),
                {"code": m.code, "name": m.name, "name_ko": m.name_ko},
                m.code,
            )
        year = self.upsert(
            FiscalYear,
            self.fiscal_year,
            {
                "year": spec.fiscal_year,
                "currency": spec.currency,
                "title": spec.title,
                "title_ko": spec.title_ko,
            },
            str(spec.fiscal_year),
        )

        programs: dict[str, Program] = {}
        for node_spec in spec.walk():
            program_spec = node_spec.program
            if program_spec is None:
                continue
            stored = self.programs.get(node_spec.code)
            if not self.defines(stored):
                assert stored is not None
                programs[node_spec.code] = stored
                self.unchanged[_label(Program)] += 1
                continue
            program = self.upsert(
                Program,
                stored,
                {
                    "code": node_spec.code,
                    "name": node_spec.name,
                    "name_ko": node_spec.name_ko,
                    "ministry_id": ministries[program_spec.ministry].pk,
                    "owner_assumed": program_spec.owner_assumed,
                    "start": program_spec.start,
                    "end": program_spec.end,
                    "frequency": program_spec.frequency,
                },
                node_spec.code,
            )
            programs[node_spec.code] = program
            for kpi_spec in program_spec.kpis:
                self.write_kpi(program, kpi_spec)

        saved_nodes: dict[str, BudgetNode] = {}
        for node_spec in spec.walk():  # parents first
            parent = saved_nodes[node_spec.parent_code] if node_spec.parent_code else None
            program = programs.get(node_spec.code)
            node = self.upsert(
                BudgetNode,
                self.nodes.get(node_spec.code),
                {
                    "fiscal_year_id": year.pk,
                    "parent_id": parent.pk if parent else None,
                    "code": node_spec.code,
                    "name": node_spec.name,
                    "name_ko": node_spec.name_ko,
                    "program_id": program.pk if program else None,
                    "amount_won": node_spec.amount_won,
                    "source_text": node_spec.source_text,
                    "cofog": node_spec.cofog,
                    "ai_component": node_spec.ai_component,
                    "position": node_spec.position,
                    "depth": node_spec.depth,
                    "path": node_spec.path,
                },
                node_spec.code,
            )
            saved_nodes[node_spec.code] = node
            stored_conflicts = self.conflicts.get(node.pk, [])
            for index, conflict_spec in enumerate(node_spec.conflicts):
                self.upsert(
                    BudgetConflict,
                    stored_conflicts[index] if index < len(stored_conflicts) else None,
                    {
                        "node_id": node.pk,
                        "amount_won": conflict_spec.amount_won,
                        "source_text": conflict_spec.source_text,
                        "position": conflict_spec.position,
                    },
                    f"{node.code}#{index}",
                )

        kpi_codes = {kpi.pk: kpi.code for kpi in self.kpis.values()}
        node_codes = {node.pk: node.code for node in self.nodes.values()}
        self.delete_stale(
            Milestone,
            MILESTONE_FIELDS,
            lambda m: f"{kpi_codes.get(m.kpi_id, m.kpi_id)}@{m.date.isoformat()}",
        )
        self.delete_stale(KPI, KPI_FIELDS, lambda kpi: kpi.code)
        self.delete_stale(
            BudgetConflict,
            CONFLICT_FIELDS,
            lambda c: f"{node_codes.get(c.node_id, c.node_id)}#{c.position}",
        )
        self.delete_stale(BudgetNode, NODE_FIELDS, lambda node: node.code)
        self.delete_stale(Program, PROGRAM_FIELDS, lambda p: p.code)
        return LoadResult(
            fiscal_year=year,
            source=self.source,
            changes=self.changes,
            unchanged_by_model=self.unchanged,
        )

    def write_kpi(self, program: Program, kpi_spec: KPISpec) -> None:
        """Create or update one KPI of a programme the file defines, with its milestones; a
        target change under the KPI's ``revision`` key is recorded as a target revision."""
        stored = self.kpis.get((program.pk, kpi_spec.code))
        kept = stored if stored is not None and stored.pk in self.kept_revised else None
        target_from = kept if kept is not None else kpi_spec
        revision = self.revised.get(stored.pk) if stored is not None else None
        previous = (
            kpi_target_snapshot(stored, list(self.milestones.get(stored.pk, {}).values()))
            if revision is not None and stored is not None
            else None
        )
        kpi = self.upsert(
            KPI,
            stored,
            {
                "program_id": program.pk,
                "code": kpi_spec.code,
                "name": kpi_spec.name,
                "name_ko": kpi_spec.name_ko,
                "unit": kpi_spec.unit,
                "kind": kpi_spec.kind,
                "direction": kpi_spec.direction,
                "baseline": target_from.baseline,
                "target": target_from.target,
                "target_text": kpi_spec.target_text,
                "target_date": target_from.target_date,
                "grace_days": kpi_spec.grace_days,
                "on_track_threshold": kpi_spec.on_track_threshold,
                "at_risk_threshold": kpi_spec.at_risk_threshold,
                "source_text": kpi_spec.source_text,
                "position": kpi_spec.position,
            },
            kpi_spec.code,
        )
        stored_milestones = self.milestones.get(kpi.pk, {})
        for milestone_spec in () if kept is not None else kpi_spec.milestones:
            self.upsert(
                Milestone,
                stored_milestones.get(milestone_spec.date),
                {"kpi_id": kpi.pk, "date": milestone_spec.date, "value": milestone_spec.value},
                f"{kpi.code}@{milestone_spec.date.isoformat()}",
            )
        if revision is not None and previous is not None:
            target_revision = TargetRevision.objects.create(
                kpi=kpi,
                effective_from=timezone.localdate(),
                previous=previous,
                revised=_spec_target_snapshot(revision),
                reason=revision.revision_reason,
                reason_text=revision.revision_note,
                created_by=None,
            )
            self.changes.append(
                Change(
                    action=ChangeAction.CREATED,
                    model=_label(TargetRevision),
                    object_pk=target_revision.pk,
                    label=f"{kpi.code}@{target_revision.effective_from.isoformat()}",
                    instance=target_revision,
                    before=None,
                    after={"reason": revision.revision_reason, "note": revision.revision_note},
                )
            )
            target_revised.send(sender=KPI, kpi=kpi)


def _spec_target_snapshot(kpi_spec: KPISpec) -> dict[str, Any]:
    """The target of a KPI as the file states it, in the form target revisions keep."""
    return {
        "target": number_text(kpi_spec.target),
        "target_date": kpi_spec.target_date.isoformat(),
        "baseline": number_text(kpi_spec.baseline),
        "milestones": [
            {"date": m.date.isoformat(), "value": number_text(m.value)} for m in kpi_spec.milestones
        ],
    }
