"""One log, several suites: safety staff score a stored log against another suite (another
scorer, other thresholds) without posting it again. Each scoring is a run of its own, with its
own evaluations and escalations, audited, from the run page and the API."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from evals.models import EvalRun, Ingestion
from evals.services import eval_run_score_against, eval_suite_create
from governance.audit import SYSTEM
from governance.choices import Role
from governance.errors import TransitionNotAllowed
from governance.models import AuditEvent, CapabilityThreshold
from tests.evals.conftest import CROSSING_JSON, autonomy_suite_named, post_log
from tests.evals.test_score_names import rescored, run_of, two_scorers

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_suite(frameworks):
    """A second suite over the same thresholds that reads the log's real scorer."""
    return autonomy_suite_named(
        "Autonomy tasks, strict scorer", ["autonomy_tasks_strict"], score_name="strict"
    )


@pytest.fixture
def lenient_run(machine, snapshot, autonomy_suite, tmp_path) -> EvalRun:
    """The log is matched to the autonomy suite, which reads its headline (lenient) scorer:
    every task passes."""
    run = run_of(machine, post_log(machine, rescored(tmp_path, two_scorers)))
    assert (run.suite, run.score_name) == (autonomy_suite, "lenient")
    assert run.evaluations.get().tasks_passed == 10
    return run


def test_a_log_is_scored_against_another_suite_as_a_new_run(lenient_run, strict_suite, make_user):
    staff = make_user(Role.SAFETY_STAFF)
    strict = eval_run_score_against(actor=staff, run=lenient_run, suite=strict_suite)
    assert strict.pk != lenient_run.pk
    assert (strict.ingestion_id, strict.suite, strict.score_name) == (
        lenient_run.ingestion_id,
        strict_suite,
        "strict",
    )
    assert strict.evaluations.get().tasks_passed == 6
    assert strict.task_results.count() == 10
    assert f"from the log of run {lenient_run.pk}" in strict.scoring_note
    # The first run is untouched, and the log was posted once.
    assert lenient_run.evaluations.get().tasks_passed == 10
    assert Ingestion.objects.count() == 1
    ingestion = Ingestion.objects.get()
    assert ingestion.run == lenient_run
    assert [run.pk for run in ingestion.runs.order_by("pk")] == [lenient_run.pk, strict.pk]
    event = AuditEvent.objects.get(action="eval_run.scored_against")
    assert event.actor_user == staff
    assert event.after["from_run"] == lenient_run.pk
    assert event.after["outcomes"] == {"Autonomy checkpoint": "crossed"}


def test_a_log_is_scored_once_per_suite(lenient_run, strict_suite, autonomy_suite, make_user):
    staff = make_user(Role.SAFETY_STAFF)
    with pytest.raises(TransitionNotAllowed, match=f"as run {lenient_run.pk}"):
        eval_run_score_against(actor=staff, run=lenient_run, suite=autonomy_suite)
    strict = eval_run_score_against(actor=staff, run=lenient_run, suite=strict_suite)
    with pytest.raises(TransitionNotAllowed, match=f"as run {strict.pk}"):
        eval_run_score_against(actor=staff, run=strict, suite=strict_suite)
    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        EvalRun.objects.create(
            ingestion=strict.ingestion,
            snapshot=strict.snapshot,
            suite=strict_suite,
            source_format=strict.source_format,
            log_status=strict.log_status,
            model_name=strict.model_name,
        )


@pytest.mark.parametrize("role", [Role.RSO, Role.AUDITOR, Role.BOARD_DIRECTOR])
def test_only_safety_staff_score_a_log_again(lenient_run, strict_suite, make_user, role):
    with pytest.raises(PermissionDenied):
        eval_run_score_against(actor=make_user(role), run=lenient_run, suite=strict_suite)


def test_scoring_an_unmapped_run_against_a_suite_maps_it(
    machine, snapshot, frameworks, strict_suite, make_user
):
    post_log(machine, CROSSING_JSON)
    unmapped = EvalRun.objects.get(unmapped=True)
    suite = eval_suite_create(
        actor=SYSTEM,
        name="Agentic",
        task_names=["agentic"],
        thresholds=CapabilityThreshold.objects.filter(code="Autonomy checkpoint"),
    )
    mapped = eval_run_score_against(actor=make_user(Role.SAFETY_STAFF), run=unmapped, suite=suite)
    assert mapped.pk == unmapped.pk
    assert (mapped.suite, mapped.unmapped) == (suite, False)
    assert EvalRun.objects.count() == 1


def test_the_api_scores_a_log_against_another_suite(lenient_run, strict_suite, client_for, machine):
    url = f"/api/v1/eval-runs/{lenient_run.pk}/score/"
    assert machine.post(url, {"suite": strict_suite.name}, format="json").status_code == 403
    auditor = client_for(Role.AUDITOR)
    assert (
        auditor.post(url, {"suite": strict_suite.name}, content_type="application/json").status_code
        == 403
    )
    staff = client_for(Role.SAFETY_STAFF)
    assert staff.post(url, {}, content_type="application/json").status_code == 400
    missing = staff.post(url, {"suite": "no such suite"}, content_type="application/json")
    assert missing.status_code == 422 and "no such suite" in missing.json()["detail"]
    created = staff.post(url, {"suite": strict_suite.name}, content_type="application/json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["score_name"] == "strict" and len(body["tasks"]) == 10
    assert body["evaluations"][0]["tasks_passed"] == 6
    again = staff.post(url, {"suite": strict_suite.pk}, content_type="application/json")
    assert again.status_code == 400 and f"as run {body['id']}" in again.json()["detail"]
    # The ingestion the eval system polls lists every scoring of its log.
    status = machine.get(f"/api/v1/ingestions/{lenient_run.ingestion_id}/").json()
    assert status["run"] == lenient_run.pk
    assert [(run["id"], run["suite"]) for run in status["runs"]] == [
        (lenient_run.pk, "Autonomy tasks"),
        (body["id"], strict_suite.name),
    ]
    assert status["runs"][1]["outcomes"] == {"Autonomy checkpoint": "crossed"}


def test_the_run_page_offers_other_suites_and_links_the_scorings(
    lenient_run, strict_suite, client_for
):
    staff = client_for(Role.SAFETY_STAFF)
    page = staff.get(lenient_run.get_absolute_url()).content.decode()
    assert "Also score this log against" in page
    assert f'<option value="{strict_suite.pk}">' in page
    done = staff.post(
        reverse("evals:run-map", args=[lenient_run.pk]), {"suite": strict_suite.pk}, follow=True
    )
    new_run = EvalRun.objects.get(suite=strict_suite)
    assert done.redirect_chain[-1][0] == new_run.get_absolute_url()
    page = done.content.decode()
    assert f"Scored against {strict_suite}." in page
    assert f"run {lenient_run.pk}</a> scores it against Autonomy tasks" in page
    # Every suite now scores the log: nothing more to offer.
    first = staff.get(lenient_run.get_absolute_url()).content.decode()
    assert "Also score this log against" not in first
    assert f"run {new_run.pk}</a> scores it against {strict_suite}" in first
    assert (
        "Also score this log against"
        not in client_for(Role.AUDITOR).get(lenient_run.get_absolute_url()).content.decode()
    )
    ingestion_page = staff.get(lenient_run.ingestion.get_absolute_url()).content.decode()
    assert f"run {new_run.pk}</a> ({strict_suite})" in ingestion_page


def test_a_repeat_naming_another_suite_says_it_was_not_applied(
    machine, lenient_run, strict_suite, tmp_path, make_user
):
    path = tmp_path / "again.json"
    path.write_bytes((tmp_path / "rescored.json").read_bytes())
    again = post_log(machine, path, suite=strict_suite.name)
    assert again.status_code == 200
    assert again.json()["id"] == str(lenient_run.ingestion_id)
    assert f"suite {strict_suite} was not applied" in again.json()["notice"]
    assert "/score/" in again.json()["notice"]
    # Once scored against it, or naming the suite it has, a repeat has nothing to say.
    eval_run_score_against(actor=make_user(Role.SAFETY_STAFF), run=lenient_run, suite=strict_suite)
    for suite in (strict_suite.name, "Autonomy tasks", None):
        data = {"suite": suite} if suite else {}
        assert "notice" not in post_log(machine, path, **data).json()
    unknown = post_log(machine, path, suite="no such suite")
    assert unknown.status_code == 422 and "no such suite" in unknown.json()["detail"]
