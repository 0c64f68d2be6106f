import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evals.models import EvalRun, EvalSuite, EvalSystem, Ingestion
from evals.services import token_hash
from governance.choices import Role

from .conftest import BELOW_JSON, CROSSING_EVAL, CROSSING_JSON, post_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def runs(machine, snapshot, autonomy_suite):
    post_log(machine, CROSSING_JSON)
    post_log(machine, BELOW_JSON)
    return EvalRun.objects.order_by("pk")


def test_run_list_filters_by_outcome(client_for, runs):
    client = client_for(Role.BOARD_DIRECTOR)
    page = client.get(reverse("evals:run-list"), {"outcome": "crossed"})
    assert [run.pk for run in page.context["runs"]] == [runs[0].pk]
    assert "Crossed" in page.content.decode()
    bad = client.get(reverse("evals:run-list"), {"outcome": "dunno"})
    assert "Select a valid choice" in bad.content.decode()


def test_run_detail_shows_tasks_reason_and_elicitation(client_for, runs):
    page = client_for(Role.INTERNAL_REVIEWER).get(reverse("evals:run-detail", args=[runs[0].pk]))
    content = page.content.decode()
    assert "6 of 10 tasks passed" in content
    assert "download the raw log" in content
    assert content.count("outcome-crossed") >= 6  # six tasks marked pass, and the outcome
    assert "maybe_fail" in content  # the solver plan


def test_raw_log_is_the_posted_bytes_for_safety_staff_and_audited(client_for, runs):
    from governance.models import AuditEvent

    url = reverse("evals:raw-log", args=[runs[0].ingestion_id])
    response = client_for(Role.SAFETY_STAFF).get(url)
    assert b"".join(response.streaming_content) == CROSSING_JSON.read_bytes()
    assert AuditEvent.objects.filter(action="ingestion.raw_downloaded").count() == 1


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.TRUSTEE, Role.BOARD_DIRECTOR, Role.CEO])
def test_raw_logs_may_hold_hazards_so_other_roles_cannot_download(client_for, runs, role):
    url = reverse("evals:raw-log", args=[runs[0].ingestion_id])
    assert client_for(role).get(url).status_code == 403


def test_model_page_shows_the_standing(client_for, runs):
    page = client_for(Role.TRUSTEE).get(runs[0].snapshot.model.get_absolute_url())
    content = page.content.decode()
    assert "Standing against every threshold" in content
    assert "outcome-crossed" in content


def test_upload_page_stores_and_shows_the_ingestion(client_for, snapshot, autonomy_suite):
    client = client_for(Role.SAFETY_STAFF)
    upload = SimpleUploadedFile("log.eval", CROSSING_EVAL.read_bytes())
    response = client.post(reverse("evals:upload"), {"file": upload})
    ingestion = Ingestion.objects.get()
    assert response["Location"] == ingestion.get_absolute_url()
    detail = client.get(response["Location"]).content.decode()
    assert "Done" in detail and "run " in detail


def test_upload_page_names_the_problem(client_for, snapshot):
    client = client_for(Role.SAFETY_STAFF)
    response = client.post(reverse("evals:upload"), {"file": SimpleUploadedFile("x.json", b"{}")})
    assert response.status_code == 200
    assert "unknown format" in response.content.decode()
    assert Ingestion.objects.count() == 0


def test_failed_ingestion_page_shows_the_error(client_for, snapshot, autonomy_suite, monkeypatch):
    import evals.services

    monkeypatch.setattr(evals.services, "_evaluate", lambda *a, **k: 1 / 0)
    client = client_for(Role.SAFETY_STAFF)
    client.post(
        reverse("evals:upload"), {"file": SimpleUploadedFile("l.json", CROSSING_JSON.read_bytes())}
    )
    page = client.get(reverse("evals:ingestion-list")).content.decode()
    assert "Internal error while storing the log" in page


def test_eval_system_page_shows_the_token_once(client_for, make_user):
    client = client_for(Role.SAFETY_STAFF)
    response = client.post(reverse("evals:system-create"), {"name": "nightly", "all_models": "on"})
    token = response.context["token"]
    assert token in response.content.decode()
    system = EvalSystem.objects.get(name="nightly")
    assert system.token_hash == token_hash(token)
    assert token not in client.get(system.get_absolute_url()).content.decode()
    rotated = client.post(reverse("evals:system-token", args=[system.pk, "rotate"]))
    assert rotated.context["token"] != token
    client.post(reverse("evals:system-token", args=[system.pk, "revoke"]))
    system.refresh_from_db()
    assert system.revoked_at is not None


@pytest.mark.parametrize("role", [Role.RSO, Role.TRUSTEE])
def test_eval_system_pages_are_for_safety_staff(client_for, eval_system, role):
    client = client_for(role)
    assert client.get(reverse("evals:system-list")).status_code == 403
    assert (
        client.post(reverse("evals:system-token", args=[eval_system.pk, "revoke"])).status_code
        == 403
    )


def test_suite_form_refuses_bad_override_json(client_for, frameworks):
    client = client_for(Role.SAFETY_STAFF)
    data = {
        "name": "Cyber",
        "task_names": "cyber_probe",
        "success_score": "1",
        "scoring_override": "{oops",
    }
    response = client.post(reverse("evals:suite-create"), data)
    assert "Not valid JSON" in response.content.decode()
    data["scoring_override"] = '{"aggregate": "mean_score", "crossing_level": 3}'
    response = client.post(reverse("evals:suite-create"), data)
    assert "greater than the maximum" in response.content.decode()
    assert EvalSuite.objects.count() == 0
    data["scoring_override"] = '{"aggregate": "mean_score", "crossing_level": 0.6}'
    assert client.post(reverse("evals:suite-create"), data).status_code == 302
    assert EvalSuite.objects.get().scoring_override["crossing_level"] == 0.6
