"""A run stored unmapped (its task named no suite) is scored later: safety staff map it, or
every unmapped run of its task, to a suite, from the run page or the API; audited, escalated."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from evals.models import EvalRun
from evals.services import eval_run_map, eval_suite_create
from governance.audit import SYSTEM
from governance.choices import Role
from governance.errors import TransitionNotAllowed
from governance.models import AuditEvent, CapabilityThreshold
from governance.oversight.models import Escalation
from tests.evals.conftest import BELOW_JSON, CROSSING_JSON, post_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def unmapped(machine, snapshot, frameworks):
    """Two logs of a task no suite lists yet, then a suite that does not name that task."""
    for log in (CROSSING_JSON, BELOW_JSON):
        post_log(machine, log)
    assert EvalRun.objects.filter(unmapped=True).count() == 2
    return eval_suite_create(
        actor=SYSTEM,
        name="Agentic tasks",
        task_names=["agentic_tasks"],
        thresholds=CapabilityThreshold.objects.filter(code="Autonomy checkpoint"),
    )


def crossing_run() -> EvalRun:
    return EvalRun.objects.get(ingestion__file_name=CROSSING_JSON.name)


def test_mapping_a_run_scores_it_escalates_and_is_audited(unmapped, make_user):
    run = eval_run_map(actor=make_user(Role.SAFETY_STAFF), run=crossing_run(), suite=unmapped)
    run.refresh_from_db()
    assert (run.suite, run.unmapped) == (unmapped, False)
    assert run.evaluations.get().outcome == "crossed"
    assert run.task_results.count() == 10
    assert Escalation.objects.filter(kind="threshold", state="open").count() == 1
    event = AuditEvent.objects.get(action="eval_run.mapped")
    assert event.after["outcomes"] == {"Autonomy checkpoint": "crossed"}
    with pytest.raises(TransitionNotAllowed, match="already"):
        eval_run_map(actor=make_user(Role.SAFETY_STAFF), run=run, suite=unmapped)


@pytest.mark.parametrize("role", [Role.RSO, Role.AUDITOR, Role.BOARD_DIRECTOR])
def test_only_safety_staff_map_runs(unmapped, make_user, role):
    with pytest.raises(PermissionDenied):
        eval_run_map(actor=make_user(role), run=crossing_run(), suite=unmapped)


def test_the_api_maps_one_run_or_every_unmapped_run_of_its_task(unmapped, client_for, machine):
    url = f"/api/v1/eval-runs/{crossing_run().pk}/map/"
    assert machine.post(url, {"suite": unmapped.name}, format="json").status_code == 403
    auditor = client_for(Role.AUDITOR)
    assert (
        auditor.post(url, {"suite": unmapped.name}, content_type="application/json").status_code
        == 403
    )
    staff = client_for(Role.SAFETY_STAFF)
    missing = staff.post(url, {"suite": "no such suite"}, content_type="application/json")
    assert missing.status_code == 422 and "no such suite" in missing.json()["detail"]
    mapped = staff.post(
        url, {"suite": unmapped.name, "all_of_task": True}, content_type="application/json"
    )
    assert mapped.status_code == 200, mapped.json()
    assert len(mapped.json()) == 2
    assert EvalRun.objects.filter(unmapped=True).count() == 0
    again = staff.post(url, {"suite": unmapped.name}, content_type="application/json")
    assert again.status_code in (400, 409) and "already" in again.json()["detail"]


def test_the_run_page_offers_the_mapping_to_safety_staff(unmapped, client_for):
    run = crossing_run()
    staff = client_for(Role.SAFETY_STAFF)
    page = staff.get(run.get_absolute_url()).content.decode()
    assert "Map and score" in page
    done = staff.post(reverse("evals:run-map", args=[run.pk]), {"suite": unmapped.pk}, follow=True)
    assert f"Scored against {unmapped}." in done.content.decode()
    assert "Map and score" not in done.content.decode()
    assert (
        client_for(Role.AUDITOR)
        .post(reverse("evals:run-map", args=[run.pk]), {"suite": unmapped.pk})
        .status_code
        == 403
    )
