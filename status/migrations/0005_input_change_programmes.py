"""The input change log names the programmes each write touched (PostgreSQL only).

The statement-level triggers of 0004 become row-aware ones with transition tables: a write to a
report, a value, a KPI, a milestone or a target revision logs the programmes of the rows it touched
(before and after an update); a write to a programme, a budget node or a fiscal year, and any
TRUNCATE, logs NULL: anything may have changed. A full recompute reads the log first and deletes
what it read when it commits (status/services.py), so the log holds the programmes changed since
the last full recompute.
"""

from django.db import migrations

OLD_TABLES = (
    "reporting_progressreport",
    "reporting_kpivalue",
    "kpis_kpi",
    "kpis_milestone",
    "kpis_targetrevision",
    "programs_program",
    "budget_budgetnode",
    "budget_fiscalyear",
)

# table -> how to find the programme of a row r (None: a change anywhere).
BY_KPI = "SELECT k.program_id FROM {rows} r LEFT JOIN kpis_kpi k ON k.id = r.kpi_id"
PROGRAMME_OF = {
    "reporting_progressreport": "SELECT r.program_id FROM {rows} r",
    "reporting_kpivalue": BY_KPI,
    "kpis_kpi": "SELECT r.program_id FROM {rows} r",
    "kpis_milestone": BY_KPI,
    "kpis_targetrevision": BY_KPI,
    "programs_program": None,
    "budget_budgetnode": None,
    "budget_fiscalyear": None,
}


def _function(table, select):
    if select is None:
        body = "INSERT INTO status_input_change (program_id) VALUES (NULL);"
    else:
        new = select.format(rows="new_rows")
        old = select.format(rows="old_rows")
        body = f"""
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO status_input_change (program_id) SELECT DISTINCT p FROM ({new}) AS s(p);
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            INSERT INTO status_input_change (program_id) SELECT DISTINCT p FROM ({old}) AS s(p);
        END IF;"""
    return f"""CREATE FUNCTION status_input_change_{table}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {body}
        RETURN NULL;
    END
    $$"""


def _triggers(table, select):
    name = f"status_input_change_{table}"
    if select is None:
        return [
            f"""CREATE TRIGGER status_input_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
            ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"""
        ]
    return [
        f"""CREATE TRIGGER status_input_change_i AFTER INSERT ON {table}
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
        f"""CREATE TRIGGER status_input_change_u AFTER UPDATE ON {table}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
        f"""CREATE TRIGGER status_input_change_d AFTER DELETE ON {table}
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
        f"""CREATE TRIGGER status_input_change_t AFTER TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION status_input_change()""",
    ]


FORWARD = [
    *(f"DROP TRIGGER IF EXISTS status_input_change ON {table}" for table in OLD_TABLES),
    "ALTER TABLE status_input_change ADD COLUMN program_id bigint NULL",
    # The statement-level function of 0004 stays for TRUNCATE: it logs NULL (program_id).
    *(_function(table, select) for table, select in PROGRAMME_OF.items()),
    *(sql for table, select in PROGRAMME_OF.items() for sql in _triggers(table, select)),
]

BACKWARD = [
    *(
        f"DROP TRIGGER IF EXISTS {name} ON {table}"
        for table in PROGRAMME_OF
        for name in (
            "status_input_change",
            "status_input_change_i",
            "status_input_change_u",
            "status_input_change_d",
            "status_input_change_t",
        )
    ),
    *(f"DROP FUNCTION IF EXISTS status_input_change_{table}()" for table in PROGRAMME_OF),
    "ALTER TABLE status_input_change DROP COLUMN program_id",
    *(
        f"""CREATE TRIGGER status_input_change
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION status_input_change()"""
        for table in OLD_TABLES
    ),
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("status", "0004_full_recompute")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
