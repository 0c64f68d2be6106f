import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.choices import Role
from governance.models import AuditEvent, FrameworkAdoption
from governance.registry.models import AIModel, Snapshot
from tests.factories import AIModelFactory, SnapshotFactory

pytestmark = pytest.mark.django_db

SNAPSHOT_FORM = {
    "name": "fx-9",
    "stage": "post_trained",
    "created_on": "2026-06-01",
    "deployment_status": "not_deployed",
    "training_compute_flop": "2e25",
    "external_ids": "acme/fx-9\nacme/fx-9-alias",
}


def test_model_list_searches_and_filters(client_for):
    SnapshotFactory(model=AIModelFactory(name="Frontier X"), external_ids=["acme/fx"])
    AIModelFactory(name="Helper S")
    client = client_for(Role.BOARD_DIRECTOR)
    page = client.get(reverse("model-list"), {"q": "acme/fx"})
    assert [m.name for m in page.context["models"]] == ["Frontier X"]
    bad = client.get(reverse("model-list"), {"asl": "ASL-42"})
    assert "Unknown level" in bad.content.decode()
    assert list(bad.context["models"]) == []


def test_model_list_query_count_does_not_grow(client_for, frameworks):
    client = client_for(Role.AUDITOR)
    levels = list(frameworks["2.2"].levels.all())
    SnapshotFactory(model__current_level=levels[0])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("model-list")).status_code == 200
        return len(captured)

    few = count()
    for n in range(10):
        SnapshotFactory(model__current_level=levels[n % 4])
    assert count() == few


def test_model_detail_shows_snapshots_multiples_and_policy_in_force(client_for, frameworks):
    model = AIModelFactory(name="Frontier X")
    SnapshotFactory(
        model=model,
        name="base",
        training_compute_flop=1e25,
        comprehensively_assessed_on=dt.date(2026, 3, 1),
    )
    SnapshotFactory(
        model=model, name="next", training_compute_flop=4.5e25, external_ids=["acme/next"]
    )
    page = client_for(Role.SAFETY_STAFF).get(reverse("model-detail", args=[model.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "4.5×" in content and "baseline" in content
    assert "4.5 × 10²⁵ FLOP" in content
    assert "acme/next" in content
    assert "Anthropic Responsible Scaling Policy v2.2" in content
    assert "CBRN-3" in content and "ASL-3 Deployment Standard" in content
    assert "Unassessed" in content


def test_model_detail_history_is_for_audit_readers(client_for, make_user):
    from governance.registry.services import ai_model_create

    model = ai_model_create(actor=make_user(Role.SAFETY_STAFF), name="Logged", developer="Acme AI")
    url = reverse("model-detail", args=[model.pk])
    assert "ai_model.created" in client_for(Role.AUDITOR).get(url).content.decode()
    assert "ai_model.created" not in client_for(Role.TRUSTEE).get(url).content.decode()


def test_register_model_and_snapshot_through_the_pages(client_for):
    client = client_for(Role.SAFETY_STAFF)
    response = client.post(reverse("model-create"), {"name": "Frontier Q", "developer": "Acme AI"})
    model = AIModel.objects.get(name="Frontier Q")
    assert response["Location"] == reverse("model-detail", args=[model.pk])
    response = client.post(reverse("snapshot-create", args=[model.pk]), SNAPSHOT_FORM)
    assert response.status_code == 302
    snapshot = Snapshot.objects.get(name="fx-9")
    assert snapshot.training_compute_flop == 2e25
    assert sorted(snapshot.identifiers.values_list("identifier", flat=True)) == [
        "acme/fx-9",
        "acme/fx-9-alias",
    ]
    assert [e.action for e in AuditEvent.objects.order_by("sequence")] == [
        "ai_model.created",
        "snapshot.created",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"training_compute_flop": "-1"}, "greater than or equal to 0"),
        ({"training_compute_flop": "a lot"}, "Enter a number."),
        ({"created_on": ""}, "This field is required."),
        ({"external_ids": "taken/id"}, "already names snapshot"),
        ({"external_ids": "has space"}, "not an identifier"),
    ],
)
def test_snapshot_form_bad_input_shows_a_message_and_saves_nothing(client_for, change, message):
    SnapshotFactory(name="other", external_ids=["taken/id"])
    model = AIModelFactory()
    client = client_for(Role.SAFETY_STAFF)
    response = client.post(reverse("snapshot-create", args=[model.pk]), {**SNAPSHOT_FORM, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Snapshot.objects.filter(model=model).exists()
    assert AuditEvent.objects.count() == 0


def test_edit_snapshot_page_prefills_identifiers(client_for):
    snapshot = SnapshotFactory(external_ids=["a/one", "a/two"])
    client = client_for(Role.SAFETY_STAFF)
    page = client.get(reverse("snapshot-edit", args=[snapshot.pk]))
    assert "a/one\na/two" in page.content.decode()
    response = client.post(
        reverse("snapshot-edit", args=[snapshot.pk]),
        {**SNAPSHOT_FORM, "name": snapshot.name, "external_ids": "a/two"},
    )
    assert response.status_code == 302
    assert list(snapshot.identifiers.values_list("identifier", flat=True)) == ["a/two"]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.RSO, Role.TRUSTEE])
def test_form_pages_are_for_writers_only(client_for, role):
    model = AIModelFactory()
    client = client_for(role)
    for url in (
        reverse("model-create"),
        reverse("model-edit", args=[model.pk]),
        reverse("snapshot-create", args=[model.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("model-create"), {"name": "x", "developer": "y"}).status_code == 403
    assert AIModel.objects.count() == 1


def test_edit_page_for_missing_model_is_404_after_the_role_check(client_for, client):
    assert client_for(Role.SAFETY_STAFF).get(reverse("model-edit", args=[999])).status_code == 404


def test_framework_pages_show_rules_and_policy_history(client_for, frameworks):
    client = client_for(Role.TRUSTEE)
    listing = client.get(reverse("framework-list")).content.decode()
    assert "in force" in listing
    assert "OpenAI · Preparedness Framework" in listing
    detail = client.get(reverse("framework-version-detail", args=[frameworks["1.0"].pk]))
    content = detail.content.decode()
    assert "A task passes with at least 1 success in 10 attempts" in content
    assert "OUR default, not the policy&#x27;s" in content
    assert "every 4×" in content and "every 3 months" in content
    assert "CEO, Responsible Scaling Officer" in content


def test_rso_puts_a_version_in_force_through_the_page(client_for, frameworks, time_machine):
    from governance.models import FrameworkVersion

    time_machine.move_to(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False)

    gdm = FrameworkVersion.objects.get(framework__slug="google-deepmind-fsf")
    client = client_for(Role.RSO)
    bad = client.post(
        reverse("framework-adopt"), {"version": gdm.pk, "effective_from": "2020-01-01"}
    )
    assert "not in the past" in bad.content.decode()
    good = client.post(
        reverse("framework-adopt"), {"version": gdm.pk, "effective_from": "2027-01-01"}
    )
    assert good.status_code == 302
    assert FrameworkAdoption.objects.filter(version=gdm).count() == 1
    assert client_for(Role.CEO).get(reverse("framework-adopt")).status_code == 403
