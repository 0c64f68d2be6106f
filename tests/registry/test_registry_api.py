import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.audit import SYSTEM
from governance.choices import Role
from governance.models import AuditEvent
from governance.registry.models import Snapshot
from tests.factories import AIModelFactory, SnapshotFactory

pytestmark = pytest.mark.django_db

SNAPSHOT = {
    "name": "fx-1",
    "stage": "post_trained",
    "created_on": "2026-05-01",
    "training_compute_flop": 3e25,
    "external_ids": ["acme/fx-1"],
}


def post(client, name, data):
    return client.post(reverse(name), data, content_type="application/json")


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_registry_and_frameworks(client_for, frameworks, role):
    client = client_for(role)
    SnapshotFactory()
    for name in ("api:aimodel-list", "api:snapshot-list", "api:framework-list"):
        assert client.get(reverse(name)).status_code == 200, name


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.SAFETY_STAFF, 201),
        (Role.RSO, 403),
        (Role.CEO, 403),
        (Role.INTERNAL_REVIEWER, 403),
        (Role.BOARD_DIRECTOR, 403),
        (Role.TRUSTEE, 403),
        (Role.AUDITOR, 403),
    ],
)
def test_only_safety_staff_write_models_and_snapshots(client_for, role, status):
    client = client_for(role)
    model = post(client, "api:aimodel-list", {"name": "Frontier Z", "developer": "Acme AI"})
    assert model.status_code == status
    existing = AIModelFactory()
    snapshot = post(client, "api:snapshot-list", {**SNAPSHOT, "model": existing.pk})
    assert snapshot.status_code == status
    assert Snapshot.objects.exists() is (status == 201)


def test_anonymous_cannot_read_the_registry(client):
    assert client.get(reverse("api:aimodel-list")).status_code in (401, 403)


def test_create_snapshot_returns_it_with_identifiers_and_audits(client_for):
    model = AIModelFactory()
    response = post(
        client_for(Role.SAFETY_STAFF), "api:snapshot-list", {**SNAPSHOT, "model": model.pk}
    )
    body = response.json()
    assert response.status_code == 201
    assert body["external_ids"] == ["acme/fx-1"]
    assert body["model_name"] == model.name
    assert body["training_compute_flop"] == 3e25
    assert AuditEvent.objects.get().action == "snapshot.created"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"training_compute_flop": -1}, "training_compute_flop", "greater than or equal to 0"),
        ({"training_compute_flop": "lots"}, "training_compute_flop", "valid number"),
        ({"effective_compute_flop": "1e25x"}, "effective_compute_flop", "valid number"),
        ({"stage": "half-baked"}, "stage", "not a valid choice"),
        ({"model": 99999}, "model", "Invalid pk"),
        ({"created_on": "yesterday"}, "created_on", "Date has wrong format"),
        ({"external_ids": "acme/fx-1"}, "external_ids", "Expected a list"),
        ({"external_ids": ["has space"]}, "external_ids", "not an identifier"),
    ],
)
def test_bad_snapshot_input_is_400_with_field_errors(client_for, change, field, message):
    model = AIModelFactory()
    response = post(
        client_for(Role.SAFETY_STAFF),
        "api:snapshot-list",
        {**SNAPSHOT, "model": model.pk, **change},
    )
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert Snapshot.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_duplicate_external_identifier_is_400(client_for):
    SnapshotFactory(external_ids=["acme/fx-1"])
    response = post(
        client_for(Role.SAFETY_STAFF),
        "api:snapshot-list",
        {**SNAPSHOT, "model": AIModelFactory().pk},
    )
    assert response.status_code == 400
    assert "already names snapshot" in response.json()["external_ids"][0]
    assert Snapshot.objects.count() == 1


def test_snapshot_cannot_move_to_another_model(client_for):
    snapshot = SnapshotFactory()
    response = client_for(Role.SAFETY_STAFF).patch(
        reverse("api:snapshot-detail", args=[snapshot.pk]),
        {"model": AIModelFactory().pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "model" in response.json()


def test_patch_snapshot_updates_identifiers(client_for):
    snapshot = SnapshotFactory(external_ids=["a/one"])
    response = client_for(Role.SAFETY_STAFF).patch(
        reverse("api:snapshot-detail", args=[snapshot.pk]),
        {"external_ids": ["a/two"], "deployment_status": "internal"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["external_ids"] == ["a/two"]
    assert response.json()["deployment_status"] == "internal"


def test_delete_model_with_snapshots_is_400(client_for):
    snapshot = SnapshotFactory()
    response = client_for(Role.SAFETY_STAFF).delete(
        reverse("api:aimodel-detail", args=[snapshot.model.pk])
    )
    assert response.status_code == 400
    assert "has snapshots" in str(response.json())


def test_lookup_by_external_identifier(client_for):
    snapshot = SnapshotFactory(external_ids=["mockllm/model"])
    client = client_for(Role.TRUSTEE)
    url = reverse("api:snapshot-lookup")
    assert client.get(url, {"identifier": "mockllm/model"}).json()["id"] == snapshot.pk
    assert client.get(url, {"identifier": "nobody/none"}).status_code == 404
    assert client.get(url).status_code == 400
    filtered = client.get(reverse("api:snapshot-list"), {"external_id": "mockllm/model"}).json()
    assert [item["id"] for item in filtered["results"]] == [snapshot.pk]


def test_model_filters_search_stage_and_level(client_for, frameworks):
    frontier = AIModelFactory(name="Frontier X", developer="Acme AI")
    SnapshotFactory(model=frontier, stage="helpful_only", external_ids=["acme/fx-ho"])
    helper = AIModelFactory(name="Helper S", developer="Other Lab")
    SnapshotFactory(model=helper, stage="deployed")
    helper.current_level = frameworks["2.2"].levels.get(code="ASL-2")
    helper.save()
    client = client_for(Role.AUDITOR)

    def names(**params):
        response = client.get(reverse("api:aimodel-list"), params)
        assert response.status_code == 200, response.json()
        return [item["name"] for item in response.json()["results"]]

    assert names(q="fx-ho") == ["Frontier X"]
    assert names(q="other lab") == ["Helper S"]
    assert names(stage="helpful_only") == ["Frontier X"]
    assert names(asl="ASL-2") == ["Helper S"]
    assert names(asl="unassessed") == ["Frontier X"]
    assert client.get(reverse("api:aimodel-list"), {"asl": "ASL-9"}).json() == {
        "asl": ["Unknown level 'ASL-9'."]
    }
    assert client.get(reverse("api:aimodel-list"), {"stage": "nope"}).status_code == 400
    # An id past the database's integers once overflowed SQLite (500).
    too_big = client.get(reverse("api:snapshot-list"), {"model": "-3.2945648495231363e106"})
    assert too_big.status_code == 400 and "greater than or equal to 1" in str(too_big.json())
    # A "%" in the value once broke django-filter's message formatting (500).
    assert client.get(reverse("api:aimodel-list"), {"asl": "4%m"}).json() == {
        "asl": ["Unknown level '4%m'."]
    }


def test_frameworks_api_nests_levels_thresholds_safeguards_and_cadence(client_for, frameworks):
    body = (
        client_for(Role.BOARD_DIRECTOR)
        .get(reverse("api:frameworkversion-detail", args=[frameworks["1.0"].pk]))
        .json()
    )
    assert [level["code"] for level in body["levels"]] == ["ASL-1", "ASL-2", "ASL-3", "ASL-4"]
    ara = next(t for t in body["thresholds"] if t["code"] == "ARA")
    assert ara["scoring"]["task_pass_min_successes"] == 1
    assert ara["scoring"]["task_pass_attempts"] == 10
    assert ara["scoring"]["crossing_level"] == 0.5
    assert ara["scoring"]["warning_level"] == 0.3
    assert ara["required_safeguards"] == ["ASL-3"]
    assert body["cadence"] == [
        {
            "name": "Effective compute or elicitation progress",
            "compute_multiple": 4.0,
            "months": 3,
            "note": body["cadence"][0]["note"],
        }
    ]
    assert body["safeguards"][1]["criteria"][0]["code"] == "security"


def test_version_in_force_endpoint(client_for, frameworks):
    client = client_for(Role.TRUSTEE)
    url = reverse("api:frameworkversion-in-force")
    assert client.get(url, {"at": "2024-06-01"}).json()["version"] == "1.0"
    assert client.get(url).json()["version"] == "2.2"
    assert client.get(url, {"at": "2020-01-01"}).status_code == 404
    for bad_moment in ("tomorrowish", "2025-02-30", "2025-13-01T00:00:00", "2025-01-01T25:00:00"):
        bad = client.get(url, {"at": bad_moment})
        assert bad.status_code == 400 and "at" in bad.json(), bad_moment


def test_adoption_api_rso_only_and_unknown_framework_is_400(client_for, frameworks, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False)
    data = {
        "framework": "openai-preparedness",
        "version": "2",
        "effective_from": "2027-01-01T00:00:00Z",
    }
    url = reverse("api:frameworkadoption-list")
    assert client_for(Role.CEO).post(url, data, content_type="application/json").status_code == 403
    rso = client_for(Role.RSO, username="officer")
    unknown = rso.post(url, {**data, "framework": "no-such-lab"}, content_type="application/json")
    assert unknown.status_code == 400 and "framework" in unknown.json()
    no_version = rso.post(url, {**data, "version": "7"}, content_type="application/json")
    assert no_version.status_code == 400 and "version" in no_version.json()
    too_early = rso.post(
        url, {**data, "effective_from": "2020-01-01T00:00:00Z"}, content_type="application/json"
    )
    assert too_early.status_code == 400 and "effective_from" in too_early.json()
    created = rso.post(url, data, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert created.json()["framework"] == "openai-preparedness"


def _query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "name",
    ["api:aimodel-list", "api:snapshot-list", "api:framework-list", "api:frameworkversion-list"],
)
def test_list_endpoints_query_count_does_not_grow_with_rows(client_for, frameworks, tmp_path, name):
    import yaml

    from governance.services import framework_files_load, framework_version_adopt
    from tests.governance.test_framework_files import MINIMAL

    client = client_for(Role.AUDITOR)
    levels = list(frameworks["2.2"].levels.all())
    SnapshotFactory(external_ids=["a/1"], model__current_level=levels[0])
    few = _query_count(client, reverse(name))
    for n in range(6):
        # Every related object a row shows, set and different, so an N+1 would show.
        SnapshotFactory(external_ids=[f"b/{n}", f"c/{n}"], model__current_level=levels[n % 4])
        framework_version_adopt(
            actor=SYSTEM,
            version=frameworks["1.0"],
            effective_from=dt.datetime(2030 + n, 1, 1, tzinfo=dt.UTC),
        )
        path = tmp_path / f"lab-{n}.yaml"
        path.write_text(
            yaml.safe_dump({**MINIMAL, "framework": {**MINIMAL["framework"], "slug": f"lab-{n}"}})
        )
        framework_files_load(actor=SYSTEM, paths=[path])
    assert _query_count(client, reverse(name)) == few


def test_comprehensive_assessment_date_is_not_writable_by_people(client_for):
    snapshot = SnapshotFactory()
    response = client_for(Role.SAFETY_STAFF).patch(
        reverse("api:snapshot-detail", args=[snapshot.pk]),
        {"comprehensively_assessed_on": "2026-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 200
    snapshot.refresh_from_db()
    assert snapshot.comprehensively_assessed_on is None


def test_duplicate_snapshot_name_is_a_name_field_error(client_for):
    existing = SnapshotFactory(name="fx-1")
    response = post(
        client_for(Role.SAFETY_STAFF), "api:snapshot-list", {**SNAPSHOT, "model": existing.model.pk}
    )
    assert response.status_code == 400
    assert "already has a snapshot named" in response.json()["name"][0]


def test_external_identifiers_ignore_case(client_for):
    SnapshotFactory(external_ids=["Acme/X"])
    response = post(
        client_for(Role.SAFETY_STAFF),
        "api:snapshot-list",
        {**SNAPSHOT, "model": AIModelFactory().pk, "external_ids": ["acme/x"]},
    )
    assert response.status_code == 400
    lookup = client_for(Role.AUDITOR).get(reverse("api:snapshot-lookup"), {"identifier": "ACME/x"})
    assert lookup.status_code == 200
