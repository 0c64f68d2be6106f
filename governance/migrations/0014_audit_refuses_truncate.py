"""The audit tables refuse TRUNCATE too (UPDATE and DELETE already are refused): emptying the
log in one statement no longer passes. Statement-level, as TRUNCATE triggers must be."""

import importlib

from django.db import migrations

REFUSE_FUNCTION = importlib.import_module(
    "governance.migrations.0002_roles_and_append_only_audit"
).REFUSE_FUNCTION

AUDIT_TABLES = ("governance_auditevent", "governance_auditverification")


def refuse_truncate(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(REFUSE_FUNCTION)
    for table in AUDIT_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION governance_refuse_change();"
        )


def allow_truncate(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in AUDIT_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")


class Migration(migrations.Migration):
    dependencies = [("governance", "0013_finding_elicitation")]

    operations = [migrations.RunPython(refuse_truncate, allow_truncate)]
