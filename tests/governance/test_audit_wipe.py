"""The audit log resists wiping: TRUNCATE is refused by trigger; the application runs as a
database role that owns no table (so it cannot switch the triggers off) and may not update,
delete or truncate the audit tables; and the chain's last verified end is kept in a file
outside the database, so a shortened or emptied chain fails verification."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from governance.audit import SYSTEM, audit_chain_verify, audit_record
from governance.services import audit_log_check
from tests.conftest import postgres_connect

pytestmark = pytest.mark.django_db
# Committed for real: the other sessions below must see the rows and the role, and PostgreSQL
# refuses TRUNCATE and ALTER TABLE on a table with events still pending in this transaction.
committed = pytest.mark.django_db(transaction=True)
AUDIT_TABLES = ("governance_auditevent", "governance_auditverification")


def record(n: int) -> None:
    for i in range(n):
        audit_record(actor=SYSTEM, action="test.event", after={"n": i})


def wipe_as_superuser() -> None:
    """What an attacker holding the owner's rights could still do: switch the triggers off
    and empty both audit tables."""
    with connection.cursor() as cursor:
        for table in AUDIT_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(f"TRUNCATE {', '.join(AUDIT_TABLES)}")
        for table in AUDIT_TABLES:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


@committed
@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_truncate_is_refused_by_trigger(postgres, table):
    record(2)
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table} CASCADE")


@committed
def test_a_wiped_chain_fails_verification_against_the_head_file(postgres, audit_head_file):
    record(3)
    check = audit_log_check()
    assert check.ok and audit_head_file.read_text().startswith(f"{check.events_verified}:")
    wipe_as_superuser()
    report = audit_chain_verify()
    assert not report.ok
    assert "head file" in report.reason and "is gone" in report.reason
    with pytest.raises(CommandError, match="is gone"):
        call_command("verify_audit_log")


def test_a_shortened_chain_fails_verification_against_the_head_file(audit_head_file):
    record(3)
    call_command("verify_audit_log")  # writes the head file
    head = audit_head_file.read_text().strip()
    sequence = int(head.split(":")[0])
    record(2)
    assert audit_chain_verify().ok  # a longer chain still holds the recorded end
    audit_head_file.write_text(f"{sequence + 10}:{'a' * 64}\n")  # as if events were cut
    assert "is gone" in audit_chain_verify().reason


def test_an_unreadable_head_file_fails_closed(audit_head_file):
    record(1)
    audit_head_file.write_text("not a head")
    report = audit_chain_verify()
    assert not report.ok and "not SEQUENCE:HASH" in report.reason


def test_without_a_head_file_nothing_is_recorded(settings, audit_head_file):
    settings.AUDIT_HEAD_FILE = ""
    record(1)
    assert audit_log_check().ok
    assert not audit_head_file.exists()


@pytest.fixture
def app_role(postgres):
    role = f"rsp_app_test_{postgres.settings_dict['NAME'][-12:]}".lower()
    call_command("grant_app_role", role)
    connection_as_role = postgres_connect(postgres.settings_dict["NAME"])
    try:
        connection_as_role.execute(f"SET ROLE {role}")
        yield connection_as_role
    finally:
        connection_as_role.close()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {role}")
        cursor.execute(f"DROP ROLE {role}")


def refused(session, statement: str) -> str:
    import psycopg

    with pytest.raises(psycopg.Error) as error:
        session.execute(statement)
    return str(error.value)


@committed
def test_the_application_role_writes_rows_but_cannot_touch_the_audit_tables(app_role):
    record(1)
    app_role.execute("SELECT count(*) FROM governance_auditevent").fetchone()
    app_role.execute("UPDATE governance_aimodel SET name = name")  # rows: allowed
    for table in AUDIT_TABLES:
        assert "permission denied" in refused(app_role, f"TRUNCATE {table}")
        assert "permission denied" in refused(app_role, f"DELETE FROM {table}")
        assert "permission denied" in refused(app_role, f"UPDATE {table} SET id = id")
        assert "must be owner" in refused(app_role, f"ALTER TABLE {table} DISABLE TRIGGER USER")


@committed
def test_grant_app_role_refuses_the_owner_itself(postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="the owner"):
        call_command("grant_app_role", owner)
