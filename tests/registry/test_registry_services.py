import datetime as dt
import math

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance.audit import SYSTEM
from governance.choices import Role, SnapshotStage
from governance.models import AuditEvent
from governance.registry.models import AIModel, Snapshot, SnapshotIdentifier
from governance.registry.selectors import (
    ai_model_current_level_label,
    last_comprehensively_assessed_snapshot,
    snapshot_by_identifier,
    snapshot_compute_multiple,
    snapshot_compute_multiples,
)
from governance.registry.services import (
    ai_model_create,
    ai_model_delete,
    ai_model_update,
    snapshot_create,
    snapshot_delete,
    snapshot_update,
)
from tests.factories import AIModelFactory, SnapshotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    return make_user(Role.SAFETY_STAFF)


def new_snapshot(actor, model, **fields):
    defaults = {
        "name": "s1",
        "stage": SnapshotStage.POST_TRAINED,
        "created_on": dt.date(2026, 5, 1),
    }
    return snapshot_create(actor=actor, model=model, **{**defaults, **fields})


def test_ai_model_create_is_audited(staff):
    model = ai_model_create(actor=staff, name="Frontier Y", developer="Acme AI")
    event = AuditEvent.objects.get(action="ai_model.created")
    assert event.actor_user == staff
    assert event.after == {
        "name": "Frontier Y",
        "family": "",
        "developer": "Acme AI",
        "description": "",
    }
    assert ai_model_current_level_label(model) == "Unassessed"


def test_ai_model_update_records_only_what_changed(staff):
    model = AIModelFactory(name="Old", developer="Acme AI")
    ai_model_update(actor=staff, model=model, name="New", developer="Acme AI")
    event = AuditEvent.objects.get(action="ai_model.updated")
    assert (event.before, event.after) == ({"name": "Old"}, {"name": "New"})
    ai_model_update(actor=staff, model=model, name="New")
    assert AuditEvent.objects.filter(action="ai_model.updated").count() == 1


def test_ai_model_names_are_unique(staff):
    AIModelFactory(name="Taken")
    with pytest.raises(ValidationError) as refused:
        ai_model_create(actor=staff, name="Taken", developer="Acme AI")
    assert "name" in refused.value.message_dict
    assert AuditEvent.objects.count() == 0


def test_ai_model_with_snapshots_cannot_be_deleted(staff):
    snapshot = SnapshotFactory()
    with pytest.raises(ValidationError, match="has snapshots"):
        ai_model_delete(actor=staff, model=snapshot.model)
    assert AIModel.objects.count() == 1
    assert AuditEvent.objects.count() == 0
    empty = AIModelFactory()
    ai_model_delete(actor=staff, model=empty)
    assert AuditEvent.objects.get().action == "ai_model.deleted"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.SAFETY_STAFF, True),
        (Role.RSO, False),
        (Role.CEO, False),
        (Role.INTERNAL_REVIEWER, False),
        (Role.BOARD_DIRECTOR, False),
        (Role.TRUSTEE, False),
        (Role.AUDITOR, False),
    ],
)
def test_only_safety_staff_write_the_registry(make_user, role, allowed):
    actor = make_user(role)
    model = AIModelFactory()
    calls = [
        lambda: ai_model_create(actor=actor, name="X", developer="Y"),
        lambda: ai_model_update(actor=actor, model=model, description="changed"),
        lambda: new_snapshot(actor, model),
    ]
    for call in calls:
        if allowed:
            call()
        else:
            with pytest.raises(PermissionDenied):
                call()
    assert AuditEvent.objects.exists() is allowed


def test_snapshot_create_with_identifiers_is_audited(staff):
    model = AIModelFactory()
    snapshot = new_snapshot(
        staff, model, training_compute_flop=3e25, external_ids=["acme/x", " acme/x-2 ", "acme/x"]
    )
    assert sorted(snapshot.identifiers.values_list("identifier", flat=True)) == [
        "acme/x",
        "acme/x-2",
    ]
    event = AuditEvent.objects.get(action="snapshot.created")
    assert event.after["external_ids"] == ["acme/x", "acme/x-2"]
    assert event.after["training_compute_flop"] == 3e25
    assert snapshot_by_identifier("acme/x-2") == snapshot


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"training_compute_flop": -1.0}, "training_compute_flop"),
        ({"effective_compute_flop": -5e24}, "effective_compute_flop"),
        ({"training_compute_flop": math.nan}, "training_compute_flop"),
        ({"training_compute_flop": math.inf}, "training_compute_flop"),
        ({"stage": "fully_baked"}, "stage"),
        ({"external_ids": ["has space"]}, "external_ids"),
        ({"external_ids": [""]}, "external_ids"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_snapshot_bad_input_is_refused_and_nothing_saved(staff, fields, field):
    model = AIModelFactory()
    with pytest.raises(ValidationError) as refused:
        new_snapshot(staff, model, **fields)
    assert field in refused.value.message_dict
    assert Snapshot.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_duplicate_external_identifier_names_the_other_snapshot(staff):
    other = SnapshotFactory(name="first", external_ids=["mockllm/model"])
    with pytest.raises(ValidationError) as refused:
        new_snapshot(staff, AIModelFactory(), external_ids=["mockllm/model"])
    [message] = refused.value.message_dict["external_ids"]
    assert str(other) in message
    assert Snapshot.objects.count() == 1


def test_snapshot_update_changes_identifiers_and_audits_the_difference(staff):
    snapshot = SnapshotFactory(external_ids=["a/one", "a/two"])
    snapshot_update(
        actor=staff,
        snapshot=snapshot,
        external_ids=["a/two", "a/three"],
        training_compute_flop=2e25,
    )
    assert sorted(snapshot.identifiers.values_list("identifier", flat=True)) == ["a/three", "a/two"]
    event = AuditEvent.objects.get(action="snapshot.updated")
    assert event.before == {"training_compute_flop": 1e25, "external_ids": ["a/one", "a/two"]}
    assert event.after == {"training_compute_flop": 2e25, "external_ids": ["a/three", "a/two"]}


def test_snapshot_update_keeps_its_own_identifier(staff):
    snapshot = SnapshotFactory(external_ids=["a/one"])
    snapshot_update(actor=staff, snapshot=snapshot, external_ids=["a/one"])
    assert AuditEvent.objects.count() == 0


def test_snapshot_delete_is_audited(staff):
    snapshot = SnapshotFactory(external_ids=["a/one"])
    snapshot_delete(actor=staff, snapshot=snapshot)
    assert not SnapshotIdentifier.objects.exists()
    assert AuditEvent.objects.get().before["external_ids"] == ["a/one"]


def test_compute_multiple_over_the_last_comprehensively_assessed_snapshot():
    model = AIModelFactory()
    old = SnapshotFactory(
        model=model, training_compute_flop=1e24, comprehensively_assessed_on=dt.date(2025, 1, 1)
    )
    assessed = SnapshotFactory(
        model=model, training_compute_flop=1e25, comprehensively_assessed_on=dt.date(2026, 1, 1)
    )
    bigger = SnapshotFactory(model=model, training_compute_flop=4.5e25)
    effective = SnapshotFactory(
        model=model, training_compute_flop=2e25, effective_compute_flop=6e25
    )
    unknown = SnapshotFactory(model=model, training_compute_flop=None)

    assert last_comprehensively_assessed_snapshot(model) == assessed
    multiples = snapshot_compute_multiples(model, list(model.snapshots.all()))
    assert multiples[bigger.pk] == pytest.approx(4.5)
    assert multiples[effective.pk] == pytest.approx(6.0)  # effective compute wins
    assert multiples[old.pk] == pytest.approx(0.1)
    assert multiples[unknown.pk] is None


def test_compute_multiple_is_none_without_an_assessed_snapshot():
    snapshot = SnapshotFactory()
    assert last_comprehensively_assessed_snapshot(snapshot.model) is None
    assert snapshot_compute_multiple(snapshot, None) is None


def test_system_actor_may_seed_the_registry():
    model = ai_model_create(actor=SYSTEM, name="Seeded", developer="Acme AI")
    assert AuditEvent.objects.get().actor_label == "system"
    assert model.pk


def test_people_cannot_set_the_comprehensive_assessment_date(staff):
    with pytest.raises(ValidationError) as refused:
        new_snapshot(staff, AIModelFactory(), comprehensively_assessed_on=dt.date(2026, 1, 1))
    assert "comprehensively_assessed_on" in refused.value.message_dict
