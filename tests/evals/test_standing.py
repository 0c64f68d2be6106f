"""Where a model stands on every threshold of the policy in force, where it is heading, and the
forecast escalation: read through the pages and the API as people and eval systems read them."""

import datetime as dt
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evals.services import forecast_review
from evals.standing import NOT_EVALUATED, model_standing
from evals.trajectory import buffer_breach, model_trajectories
from governance.audit import SYSTEM
from governance.choices import (
    DeterminationState,
    EscalationKind,
    EscalationState,
    FindingOutcome,
    Role,
    SnapshotStage,
)
from governance.determinations.models import Determination, Finding
from governance.models import CapabilityThreshold
from governance.oversight.models import Escalation
from governance.oversight.services.escalations import escalation_dismiss
from tests.conftest import FIXED_NOW
from tests.factories import AIModelFactory, SnapshotFactory, stored_evaluation

from .conftest import CROSSING_JSON, post_log

pytestmark = pytest.mark.django_db

AUTONOMY = (
    "Autonomy checkpoint"  # RSP 2.2's threshold with a numeric rule (warning 30%, crossed 50%)
)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(FIXED_NOW, tick=False)


def evaluate(snapshot, value, outcome=None, *, code=AUTONOMY, version="2.2", at=None, **fields):
    """A threshold evaluation of `snapshot`; the outcome follows the value against the 30% /
    50% levels unless given."""
    if outcome is None:
        outcome = "crossed" if value >= 0.5 else "warning" if value >= 0.3 else "below"
    threshold = CapabilityThreshold.objects.get(version__version=version, code=code)
    started_at = at or FIXED_NOW - dt.timedelta(days=10)
    return stored_evaluation(
        snapshot, threshold, outcome, value=value, started_at=started_at, **fields
    )


def sigmoid(log10_compute: float, midpoint: float, slope: float = 2.0) -> float:
    return 1 / (1 + math.exp(-slope * (log10_compute - midpoint)))


def model_with_series(name, exponents, midpoint, *, slope=2.0, created=None):
    """A model with a snapshot per exponent (10^e FLOP of effective compute), each evaluated
    once on the clean curve."""
    model = AIModelFactory(name=name)
    for i, exponent in enumerate(exponents):
        snapshot = SnapshotFactory(
            model=model,
            name=f"{name}-{i}",
            effective_compute_flop=10**exponent,
            created_on=(created or dt.date(2026, 1, 1)) + dt.timedelta(days=i),
        )
        evaluate(snapshot, sigmoid(exponent, midpoint, slope))
    return model


def decide(model, code, outcome, *, version, decided_at=FIXED_NOW - dt.timedelta(days=3)):
    determination = Determination.objects.create(
        model=model,
        framework_version=version,
        state=DeterminationState.FINAL,
        title=f"{model} determination",
        summary="Capability report.",
        decided_at=decided_at,
    )
    Finding.objects.create(
        determination=determination,
        threshold=CapabilityThreshold.objects.get(version=version, code=code),
        outcome=outcome,
        rationale="Judged from the red-team evidence.",
    )
    return determination


# Standing on every threshold


def test_every_threshold_in_force_has_a_standing_and_missing_evidence_is_not_below(frameworks):
    model = AIModelFactory(name="Atlas")
    evaluate(SnapshotFactory(model=model, effective_compute_flop=1e25), 0.2)
    standing = model_standing(model)
    by_code = {item.threshold.code: item for item in standing.thresholds}
    assert set(by_code) == set(
        CapabilityThreshold.objects.filter(version=frameworks["2.2"]).values_list("code", flat=True)
    )
    assert len(by_code) == 6
    assert by_code[AUTONOMY].status == "below" and by_code[AUTONOMY].numeric
    for code in ("CBRN-3", "CBRN-4", "Cyber"):
        item = by_code[code]
        assert item.status == NOT_EVALUATED and item.label == "Not evaluated"
        assert not item.numeric  # judged from the evidence
        assert item.freshness.stale and "no evidence on record" in item.freshness.reasons
    assert standing.worst == "below"


def test_worst_over_snapshots_and_the_decided_finding(frameworks):
    model = AIModelFactory(name="Boreas")
    early = SnapshotFactory(model=model, name="early", effective_compute_flop=1e25)
    late = SnapshotFactory(model=model, name="late", effective_compute_flop=2e25)
    crossed = evaluate(early, 0.6)
    evaluate(late, 0.1)  # a later snapshot's "below" does not undo a crossing at any stage
    decide(model, AUTONOMY, FindingOutcome.BELOW, version=frameworks["2.2"])
    decide(model, "CBRN-3", FindingOutcome.CANNOT_RULE_OUT, version=frameworks["2.2"])
    by_code = {item.threshold.code: item for item in model_standing(model).thresholds}
    autonomy = by_code[AUTONOMY]
    assert autonomy.status == "crossed" and autonomy.basis == "evaluations"
    assert autonomy.worst.evaluation_id == crossed.pk and autonomy.worst.snapshot_name == "early"
    assert autonomy.finding.outcome == FindingOutcome.BELOW
    cbrn = by_code["CBRN-3"]
    assert cbrn.status == "inconclusive" and cbrn.basis == "finding"
    assert cbrn.label == "Cannot rule out (judged)"


def test_an_inconclusive_run_stands_until_a_conclusive_one_on_the_same_snapshot(frameworks):
    model = AIModelFactory(name="Cirrus")
    snapshot = SnapshotFactory(model=model, effective_compute_flop=1e25)
    evaluate(snapshot, 0.1, "inconclusive")
    item = model_standing(model).thresholds[-2]  # Autonomy checkpoint is 5th of 6
    assert item.threshold.code == AUTONOMY and item.status == "inconclusive"
    evaluate(snapshot, 0.1)
    by_code = {i.threshold.code: i for i in model_standing(model).thresholds}
    assert by_code[AUTONOMY].status == "below"


def test_evidence_goes_stale_by_the_cadence(frameworks):
    model = AIModelFactory(name="Delta")
    old = SnapshotFactory(model=model, name="old", effective_compute_flop=1e25)
    evaluate(old, 0.1, at=FIXED_NOW - dt.timedelta(days=200))
    SnapshotFactory(model=model, name="bigger", effective_compute_flop=5e25)
    item = {i.threshold.code: i for i in model_standing(model).thresholds}[AUTONOMY]
    assert item.freshness.age_days == 200 and item.freshness.cadence_months == 6
    assert item.freshness.compute_multiple == pytest.approx(5)
    reasons = " ".join(item.freshness.reasons)
    assert "older than the cadence of 6 months" in reasons
    assert "bigger has 5x the compute" in reasons


# Trajectory and forecast


def test_trajectory_points_series_and_what_is_left_out(frameworks):
    model = AIModelFactory(name="Eos")
    effective = SnapshotFactory(model=model, name="eff", effective_compute_flop=1e25)
    training = SnapshotFactory(
        model=model, name="train", training_compute_flop=3e25, effective_compute_flop=None
    )
    unknown = SnapshotFactory(
        model=model, name="unknown", training_compute_flop=None, effective_compute_flop=None
    )
    evaluate(effective, 0.1, at=FIXED_NOW - dt.timedelta(days=9))
    evaluate(effective, 0.35, at=FIXED_NOW - dt.timedelta(days=2))  # elicitation progress
    evaluate(training, 0.2, "inconclusive", at=FIXED_NOW - dt.timedelta(days=5))
    evaluate(unknown, 0.2)
    evaluate(effective, 0.9, aggregate="mean_score")  # another rule: not on this chart
    (trajectory,) = model_trajectories(model)
    assert trajectory["threshold"]["code"] == AUTONOMY
    points = trajectory["points"]
    assert [(p["snapshot"], p["series"], p["compute_kind"]) for p in points] == [
        ("eff", "compute", "effective"),
        ("train", "compute", "training"),
        ("eff", "elicitation", "effective"),
    ]
    assert points[1]["outcome"] == "inconclusive"
    assert trajectory["not_plotted"] == {"no_compute": 1, "other_rule": 1, "no_value": 0}
    assert trajectory["not_fitted"] == {"inconclusive": 1, "training_compute": 0}
    assert trajectory["latest"]["snapshot"] == "train"  # the newest with compute recorded
    assert trajectory["forecast"]["status"] == "too_few_points"


def test_the_fit_keeps_to_one_compute_axis(frameworks):
    """A snapshot with only training compute is drawn (marked so) but not fitted beside
    effective-compute ones: the crossing is the clean curve's, not bent by it."""
    model = model_with_series("Ferro", [24, 24.5, 25, 25.5, 26], midpoint=26.5)
    odd = SnapshotFactory(
        model=model,
        name="train-only",
        training_compute_flop=1e24,
        effective_compute_flop=None,
        created_on=dt.date(2025, 12, 1),  # older: the latest snapshot stays Ferro-4
    )
    evaluate(odd, sigmoid(25.6, 26.5))  # as capable as 10^25.6 effective compute
    (trajectory,) = model_trajectories(model)
    assert trajectory["not_fitted"] == {"inconclusive": 0, "training_compute": 1}
    assert [p["compute_kind"] for p in trajectory["points"]].count("training") == 1
    crossing = trajectory["forecast"]["levels"][-1]
    assert crossing["multiple"] == pytest.approx(10**0.5, rel=0.01)


def test_a_clean_sigmoid_forecasts_the_crossing_and_escalates_inside_the_cadence_step(
    frameworks,
):
    # Crossing (50%) at 10^26.5: 10^0.5 = 3.2x over the latest snapshot at 10^26, inside the
    # 4x cadence step of RSP 2.2 (which sets no separate safety buffer).
    model = model_with_series("Fjord", [24, 24.5, 25, 25.5, 26], midpoint=26.5)
    (trajectory,) = model_trajectories(model)
    forecast = trajectory["forecast"]
    assert forecast["status"] == "forecast"
    crossing = next(level for level in forecast["levels"] if level["name"] == "crossing")
    assert crossing["multiple"] == pytest.approx(10**0.5, rel=0.05)
    assert crossing["multiple_low"] <= crossing["multiple"] <= crossing["multiple_high"]
    reach, text = buffer_breach(trajectory)
    assert reach == "the next 4x cadence step" and "4x cadence step" in text
    (escalation,) = forecast_review(model)
    assert escalation.kind == EscalationKind.FORECAST
    assert escalation.subject == f"{AUTONOMY} forecast"
    assert (
        escalation.title == f"{AUTONOMY} crossing forecast within the next 4x cadence step: Fjord"
    )
    assert "3.2x" in escalation.summary
    assert escalation.trigger_url.endswith("#forecast-autonomy-checkpoint")
    # Once per model and threshold; the sweep finding nothing new adds nothing.
    events = escalation.events.count()
    assert forecast_review(model) == []
    assert escalation.events.count() == events
    # New evidence updates the open one, its summary kept to the latest numbers.
    bigger = SnapshotFactory(model=model, name="Fjord-5", effective_compute_flop=10**26.2)
    evaluate(bigger, sigmoid(26.2, 26.5))
    (updated,) = forecast_review(model)
    assert updated.pk == escalation.pk and escalation.events.count() == events + 1
    assert "Fjord-5" in updated.summary and "3.2x" not in updated.summary
    assert Escalation.objects.filter(kind=EscalationKind.FORECAST, model=model).count() == 1


def test_no_forecast_escalation_once_the_evaluations_have_crossed(frameworks):
    # The fit puts the crossing before the latest snapshot, and a run crossed it: the
    # threshold escalation is the one to act on, not a forecast.
    model = model_with_series("Gust", [24, 24.5, 25, 25.5, 26], midpoint=25.2)
    (trajectory,) = model_trajectories(model)
    crossing = trajectory["forecast"]["levels"][-1]
    assert crossing["reached"] and crossing["multiple"] < 1
    assert "already reached by the fit's central estimate" in trajectory["forecast"]["message"]
    assert forecast_review(model) == []
    assert not Escalation.objects.filter(kind=EscalationKind.FORECAST).exists()


def test_a_new_snapshot_reviews_the_forecast_once_committed(
    frameworks, django_capture_on_commit_callbacks
):
    from governance.registry.services import snapshot_create, snapshot_update

    model = model_with_series("Halo", [24, 24.5, 25, 25.5, 26], midpoint=28)
    assert forecast_review(model) == []  # 100x away
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = snapshot_create(
            actor=SYSTEM,
            model=model,
            name="Halo-big",
            stage=SnapshotStage.PRETRAINING_CHECKPOINT,
            created_on=dt.date(2026, 6, 1),
            effective_compute_flop=1e27,
        )
    # The latest snapshot now has 10x the compute: the crossing is 10x from it, still out.
    assert not Escalation.objects.filter(kind=EscalationKind.FORECAST).exists()
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_update(actor=SYSTEM, snapshot=snapshot, effective_compute_flop=10**27.5)
    (escalation,) = Escalation.objects.filter(kind=EscalationKind.FORECAST, model=model)
    assert "Halo-big" in escalation.summary


def test_a_distant_crossing_flat_series_or_two_points_raise_nothing(frameworks):
    far = model_with_series("Gale", [24, 24.5, 25, 25.5, 26], midpoint=28)  # 100x away
    flat = AIModelFactory(name="Haze")
    for i, exponent in enumerate([24, 24.5, 25, 25.5, 26]):
        evaluate(
            SnapshotFactory(model=flat, name=f"h{i}", effective_compute_flop=10**exponent),
            0.2 + (0.01 if i % 2 else -0.01),
        )
    two = model_with_series("Isle", [25.8, 26], midpoint=26.2)
    for model in (far, flat, two):
        assert forecast_review(model) == []
    assert model_trajectories(two)[0]["forecast"]["status"] == "too_few_points"
    assert model_trajectories(flat)[0]["forecast"]["status"] in {"no_trend", "poor_fit"}
    assert not Escalation.objects.filter(kind=EscalationKind.FORECAST).exists()


def test_under_rsp_1_0_the_six_times_buffer_counts(frameworks):
    from governance.models import FrameworkAdoption

    FrameworkAdoption.objects.create(
        version=frameworks["1.0"], effective_from=FIXED_NOW - dt.timedelta(days=1)
    )
    # Crossing at 10^26.7 = 5x the latest: outside 4x, inside RSP 1.0's 6x buffer.
    model = AIModelFactory(name="Juno")
    for i, exponent in enumerate([24, 24.5, 25, 25.5, 26]):
        evaluate(
            SnapshotFactory(model=model, name=f"j{i}", effective_compute_flop=10**exponent),
            sigmoid(exponent, 26.7),
            code="ARA",
            version="1.0",
        )
    (trajectory,) = model_trajectories(model)
    assert trajectory["buffer_multiple"] == 6 and trajectory["cadence_multiple"] == 4
    breach = buffer_breach(trajectory)
    assert breach[0] == "the 6x safety buffer"
    assert "inside the 6x safety buffer" in breach[1] and "cadence step" not in breach[1]
    assert len(forecast_review(model)) == 1


def test_a_dismissed_forecast_escalation_is_not_raised_again(frameworks, make_user):
    rso = make_user(Role.RSO)
    model = model_with_series("Kite", [24, 24.5, 25, 25.5, 26], midpoint=26.5)
    (escalation,) = forecast_review(model)
    escalation_dismiss(actor=rso, escalation=escalation, reason="Known; planned for.")
    assert forecast_review(model) == []
    assert Escalation.objects.get(pk=escalation.pk).state == EscalationState.DISMISSED


def test_an_ingested_log_reviews_the_forecast_of_what_it_scored(
    machine, snapshot, autonomy_suite, monkeypatch
):
    import evals.services as services

    reviewed = []
    monkeypatch.setattr(
        services, "forecast_review", lambda model, codes=None: reviewed.append((model, codes))
    )
    status = machine.get(post_log(machine, CROSSING_JSON).json()["status_url"]).json()
    assert status["outcomes"] == {AUTONOMY: "crossed"}
    assert reviewed == [(snapshot.model, {AUTONOMY})]


# Pages and the API


def test_api_standing_for_every_threshold_with_trajectory(frameworks, api, make_user):
    model = model_with_series("Lumen", [24, 24.5, 25, 25.5, 26], midpoint=26.5)
    response = api(make_user(Role.AUDITOR)).get(reverse("api:model-standing", args=[model.pk]))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["model"] == {"id": model.pk, "name": "Lumen"}
    assert body["framework_version"]["name"].endswith("v2.2")
    rows = {row["code"]: row for row in body["thresholds"]}
    assert len(rows) == 6
    assert rows["CBRN-3"]["status"] == "not_evaluated" and rows["CBRN-3"]["judged_from_evidence"]
    assert rows["CBRN-3"]["trajectory"] is None
    autonomy = rows[AUTONOMY]
    assert autonomy["status"] == "below" and autonomy["numeric_rule"]  # 27% at 10^26
    assert autonomy["evaluation"]["snapshot"]["name"] == "Lumen-4"
    assert autonomy["evidence"]["stale"] is False
    assert autonomy["trajectory"]["forecast"]["status"] == "forecast"
    assert len(autonomy["trajectory"]["points"]) == 5


def test_api_standing_refuses_strangers_and_unknown_models(frameworks, client, api, make_user):
    model = AIModelFactory()
    assert client.get(reverse("api:model-standing", args=[model.pk])).status_code in (401, 403)
    response = api(make_user(Role.AUDITOR)).get(reverse("api:model-standing", args=[999999]))
    assert response.status_code == 404


def test_model_page_shows_every_threshold_a_chart_and_constant_queries(frameworks, client_for):
    small = model_with_series("Mistral", [24, 25, 26], midpoint=26.5)
    big = model_with_series("Nimbus", [24 + i / 10 for i in range(30)], midpoint=27)
    for snapshot in big.snapshots.all()[:10]:
        evaluate(snapshot, 0.05)  # elicitation runs
    client = client_for(Role.SAFETY_STAFF)
    counts = []
    for model in (small, big):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("model-detail", args=[model.pk]))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    page = response.content.decode()
    for code in ("CBRN-3", "CBRN-4", "AI R&amp;D-4", "AI R&amp;D-5", "Cyber", AUTONOMY):
        assert code in page
    assert page.count("Not evaluated") >= 5
    assert f'id="forecast-{AUTONOMY.lower().replace(" ", "-")}"' in page
    assert "<svg" in page


def test_models_list_badges_every_threshold_and_no_unassessed_for_a_crossing(
    frameworks, client_for
):
    model = AIModelFactory(name="Orion")
    evaluate(SnapshotFactory(model=model, effective_compute_flop=1e25), 0.7)
    client = client_for(Role.BOARD_DIRECTOR)
    response = client.get(reverse("model-list"))
    page = response.content.decode()
    assert f"{AUTONOMY}: Crossed" in page
    assert "CBRN-3: Not evaluated" in page and "Cyber: Not evaluated" in page
    assert "No determination yet" in page and "Unassessed" not in page
    detail = client.get(model.get_absolute_url()).content.decode()
    assert "No determination yet" in detail and "Unassessed" not in detail


def test_quarterly_report_keeps_the_trajectories(frameworks):
    from governance.board.services.quarterly_reports import quarterly_report_contents

    model = model_with_series("Pulsar", [24, 24.5, 25, 25.5, 26], midpoint=26.5)
    start = FIXED_NOW - dt.timedelta(days=40)
    contents = quarterly_report_contents(start, FIXED_NOW + dt.timedelta(days=40), now=FIXED_NOW)
    (trajectory,) = contents["trajectories"]
    assert trajectory["model"]["name"] == model.name
    assert trajectory["forecast"]["status"] == "forecast"
    # As of an earlier moment the report holds only the evidence recorded by then.
    earlier = quarterly_report_contents(start, start + dt.timedelta(days=1), now=start)
    assert earlier["trajectories"] == []
    assert SYSTEM  # the contents are the system's reading


def test_an_eval_system_reads_the_standing_of_the_models_it_posts_for(
    frameworks, machine, eval_system
):
    from rest_framework.test import APIClient

    from evals.services import eval_system_create

    model = model_with_series("Quasar", [24, 25, 26], midpoint=26.5)
    url = reverse("api:model-standing", args=[model.pk])
    response = machine.get(url)
    assert response.status_code == 200 and len(response.json()["thresholds"]) == 6
    narrow, token = eval_system_create(actor=SYSTEM, name="narrow", all_suites=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    refused = client.get(url)
    assert refused.status_code == 403
    assert "not scoped to Quasar" in refused.json()["detail"]


def test_a_judged_crossing_is_the_models_list_standing_without_any_evaluation(
    frameworks, client_for
):
    model = AIModelFactory(name="Rhea")
    SnapshotFactory(model=model)
    decide(model, "CBRN-3", FindingOutcome.CROSSED, version=frameworks["2.2"])
    page = client_for(Role.TRUSTEE).get(reverse("model-list")).content.decode()
    assert '<span class="risk-outcome risk-outcome-crossed">Crossed</span>' in page
    assert ">CBRN-3: Crossed (judged)</span>" in page
    assert "risk-outcome-none" not in page


def test_a_stored_outcome_outside_the_choices_breaks_nothing_and_is_never_not_evaluated(
    frameworks, client_for
):
    model = AIModelFactory(name="Styx")
    evaluate(SnapshotFactory(model=model, effective_compute_flop=1e25), 0.2, "bogus")
    client = client_for(Role.AUDITOR)
    page = client.get(reverse("model-list")).content.decode()
    assert "risk-outcome-none" not in page and "risk-outcome-below" not in page
    assert client.get(model.get_absolute_url()).status_code == 200
    item = {i.threshold.code: i for i in model_standing(model).thresholds}[AUTONOMY]
    assert item.status == "bogus" and item.css == "crossed"  # drawn as the worst
