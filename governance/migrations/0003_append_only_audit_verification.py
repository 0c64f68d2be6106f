"""Make the audit checks append-only on PostgreSQL too: they anchor later checks."""

from django.db import migrations

REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION governance_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
CREATE_TRIGGER = """
CREATE TRIGGER governance_auditverification_append_only
BEFORE UPDATE OR DELETE ON governance_auditverification
FOR EACH ROW EXECUTE FUNCTION governance_refuse_change();
"""
DROP_TRIGGER = """
DROP TRIGGER IF EXISTS governance_auditverification_append_only ON governance_auditverification;
DROP FUNCTION IF EXISTS governance_refuse_change();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE_FUNCTION)
        schema_editor.execute(CREATE_TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("governance", "0002_roles_and_append_only_audit")]

    operations = [migrations.RunPython(add_trigger, drop_trigger)]
