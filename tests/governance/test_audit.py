import datetime as dt
import math
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.utils import DatabaseError

from governance.audit import (
    GENESIS_HASH,
    SYSTEM,
    AuditActor,
    audit_chain_verify,
    audit_record,
    event_hash,
)
from governance.choices import ActorType
from governance.context import request_id_bound
from governance.models import AuditEvent
from tests.conftest import PROJECT_DIR, need, subprocess_env

pytestmark = pytest.mark.django_db


def _record_many(count: int, actor=SYSTEM) -> list[AuditEvent]:
    return [audit_record(actor=actor, action=f"test.step{n}", after={"n": n}) for n in range(count)]


def _tamper(sql: str, params: list) -> None:
    """Change the table behind the application's back, as an attacker with SQL access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The append-only trigger refuses edits; a superuser can switch triggers off.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def test_audit_record_chains_each_event_to_the_previous_one(make_user):
    user = make_user()
    first = audit_record(actor=user, action="thing.created", target=user, after={"a": 1})
    second = audit_record(actor=SYSTEM, action="thing.changed", before={"a": 1}, after={"a": 2})

    assert (first.sequence, second.sequence) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert first.hash == event_hash(AuditEvent.objects.get(pk=first.pk))
    assert first.actor_type == ActorType.USER and first.actor_user == user
    assert first.target_type == "auth.user" and first.target_id == str(user.pk)
    assert second.actor_label == "system" and second.actor_user is None


def test_audit_record_keeps_machine_actor_label_and_ref():
    machine = AuditActor(type=ActorType.MACHINE, label="eval system: inspect-ci", ref="evals:7")
    event = audit_record(actor=machine, action="ingestion.posted")
    assert (event.actor_type, event.actor_label, event.actor_ref) == (
        "machine",
        "eval system: inspect-ci",
        "evals:7",
    )


def test_audit_record_takes_the_bound_request_id():
    with request_id_bound("req-123"):
        event = audit_record(actor=SYSTEM, action="x.y")
    assert event.request_id == "req-123"


def test_verify_intact_chain_counts_every_event():
    _record_many(5)
    report = audit_chain_verify()
    assert report.ok
    assert report.events_verified == 5
    assert report.last_hash == AuditEvent.objects.get(sequence=5).hash


def test_values_that_change_in_a_database_round_trip_still_verify():
    # jsonb rewrites 1e25 as an integer and JSON has no NaN: the hash must survive both.
    audit_record(
        actor=SYSTEM,
        action="values.odd",
        after={
            "flop": 1e25,
            "fraction": 0.1,
            "tiny": 1.5e-7,
            "nan": math.nan,
            "when": dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC),
            "money": Decimal("12.50"),
            "nested": {"list": [1, 2.0, "three"]},
        },
    )
    report = audit_chain_verify()
    assert report.ok, report.describe()
    stored = AuditEvent.objects.get().after
    assert stored["nan"] is None
    assert stored["flop"] == int(1e25)
    assert stored["nested"]["list"] == [1, 2, "three"]


def test_editing_a_row_with_sql_breaks_the_chain_at_that_row():
    events = _record_many(4)
    _tamper("UPDATE governance_auditevent SET action = %s WHERE id = %s", ["forged", events[2].pk])

    report = audit_chain_verify()
    assert not report.ok
    assert report.broken_event_id == events[2].pk
    assert report.events_verified == 2
    assert "edited" in report.reason


def test_deleting_a_row_breaks_the_chain_at_the_next_row():
    events = _record_many(4)
    _tamper("DELETE FROM governance_auditevent WHERE id = %s", [events[1].pk])

    report = audit_chain_verify()
    assert not report.ok
    assert report.broken_event_id == events[2].pk
    assert "deleted or reordered" in report.reason


def test_swapping_two_rows_sequence_numbers_breaks_the_chain():
    events = _record_many(3)
    a, b = events[0], events[1]
    _tamper("UPDATE governance_auditevent SET sequence = 1000 WHERE id = %s", [a.pk])
    _tamper("UPDATE governance_auditevent SET sequence = 1 WHERE id = %s", [b.pk])
    _tamper("UPDATE governance_auditevent SET sequence = 2 WHERE id = %s", [a.pk])

    report = audit_chain_verify()
    assert not report.ok
    assert report.broken_event_id == b.pk


def test_verify_audit_log_command_exits_0_with_the_count(capsys):
    _record_many(3)
    call_command("verify_audit_log")
    assert "3 events verified" in capsys.readouterr().out


def test_verify_audit_log_command_exits_1_naming_the_edited_row():
    events = _record_many(3)
    _tamper(
        "UPDATE governance_auditevent SET after = %s WHERE id = %s", ['{"n": 99}', events[1].pk]
    )

    with pytest.raises(CommandError) as failure:
        call_command("verify_audit_log")
    assert failure.value.returncode == 1
    assert f"id={events[1].pk}" in str(failure.value)


def test_orm_refuses_to_update_or_delete_events():
    event = audit_record(actor=SYSTEM, action="x.y")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="z")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()


def test_sequence_and_hash_are_unique_in_the_database():
    event = audit_record(actor=SYSTEM, action="x.y")
    duplicate = AuditEvent(
        sequence=event.sequence,
        created_at=event.created_at,
        actor_type=event.actor_type,
        actor_label="forger",
        action="x.y",
        prev_hash=GENESIS_HASH,
        hash="f" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_postgres_trigger_refuses_update_and_delete(postgres):
    event = audit_record(actor=SYSTEM, action="x.y")
    for sql in (
        "UPDATE governance_auditevent SET action = 'z' WHERE id = %s",
        "DELETE FROM governance_auditevent WHERE id = %s",
    ):
        with pytest.raises((InternalError, DatabaseError)) as refused, transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
        assert "append-only" in str(refused.value)
    assert AuditEvent.objects.get(pk=event.pk).action == "x.y"


WRITER = """
import sys, time
from pathlib import Path
import django
django.setup()
from governance.audit import SYSTEM, audit_record
name, count, barrier = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
(barrier / f"ready-{name}").touch()
while not (barrier / "go").exists():  # start together with the other writer
    time.sleep(0.01)
for n in range(count):
    audit_record(actor=SYSTEM, action=f"writer.{name}", after={"n": n})
"""


@pytest.mark.django_db(transaction=True)
def test_two_processes_appending_at_once_never_fork_the_chain(tmp_path):
    import sys

    from tests import processes

    need(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL=postgres://...)")
    per_writer = 200
    env = subprocess_env(DJANGO_SETTINGS_MODULE="governance.settings")
    writers = [
        processes.start(
            f"writer-{name}",
            [sys.executable, "-c", WRITER, name, str(per_writer), str(tmp_path)],
            env=env,
            cwd=PROJECT_DIR,
            log_dir=tmp_path / "logs",
        )
        for name in ("a", "b")
    ]
    try:
        # A barrier, not a moment on the clock: on a loaded machine either may take long to start.
        processes.wait_for(
            lambda: all((tmp_path / f"ready-{w.name[-1]}").exists() for w in writers),
            timeout=180,
            what="both writers to start",
            diagnostics=lambda: "\n".join(w.log() for w in writers),
        )
        (tmp_path / "go").touch()
        for writer in writers:
            writer.process.wait(timeout=300)
            assert writer.process.returncode == 0, writer.log()
    finally:
        for writer in writers:
            writer.stop()

    report = audit_chain_verify()
    assert report.ok, report.describe()
    assert report.events_verified == 2 * per_writer
    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))
    assert actions.count("writer.a") == actions.count("writer.b") == per_writer
    # The writers really overlapped: their events interleave rather than run in two blocks.
    switches = sum(1 for left, right in zip(actions, actions[1:], strict=False) if left != right)
    assert switches > 1


def test_deleting_the_newest_events_is_caught_by_the_last_check():
    from governance.services import audit_log_check

    events = _record_many(4)
    assert audit_log_check().ok
    _tamper("DELETE FROM governance_auditevent WHERE id = %s", [events[3].pk])

    report = audit_chain_verify()
    assert not report.ok
    assert report.broken_sequence == 4
    assert "deleted from the end" in report.reason
    with pytest.raises(CommandError, match="sequence 4"):
        call_command("verify_audit_log")


def test_emptying_the_table_is_caught_by_the_last_check():
    from governance.services import audit_log_check

    _record_many(2)
    assert audit_log_check().ok
    _tamper("DELETE FROM governance_auditevent", [])
    assert not audit_chain_verify().ok
    assert audit_log_check().ok is False


def test_events_after_the_last_check_still_verify():
    from governance.services import audit_log_check

    _record_many(2)
    audit_log_check()
    _record_many(3)
    report = audit_chain_verify()
    assert report.ok and report.events_verified == 5


def test_external_anchor_catches_a_rewritten_chain(capsys):
    events = _record_many(3)
    call_command("verify_audit_log", anchor=[f"3:{events[2].hash}"])
    assert f"Last event: 3:{events[2].hash}" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--anchor 3"):
        call_command("verify_audit_log", anchor=["3:" + "a" * 64])
    with pytest.raises(CommandError, match="--anchor 4"):
        call_command("verify_audit_log", anchor=["4:" + "a" * 64])  # beyond the end: cut
    with pytest.raises(CommandError, match="expected SEQUENCE:HASH"):
        call_command("verify_audit_log", anchor=["three"])


def test_audit_checks_are_append_only_too():
    from governance.services import audit_log_check

    check = audit_log_check()
    with pytest.raises(TypeError):
        check.save()
    with pytest.raises(TypeError):
        type(check).objects.all().delete()


def test_postgres_trigger_refuses_editing_audit_checks(postgres):
    from governance.services import audit_log_check

    check = audit_log_check()
    with pytest.raises((InternalError, DatabaseError)) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE governance_auditverification SET ok = false WHERE id = %s", [check.pk]
            )
    assert "append-only" in str(refused.value)
