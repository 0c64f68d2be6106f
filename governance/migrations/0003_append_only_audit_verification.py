"""Make the audit checks append-only on PostgreSQL too: they anchor later checks."""

import importlib

from django.db import migrations

append_only_trigger = importlib.import_module(
    "governance.migrations.0002_roles_and_append_only_audit"
).append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("governance", "0002_roles_and_append_only_audit")]

    operations = [append_only_trigger("governance_auditverification")]
