"""Fail closed: a crossing without its safeguards blocks the pipeline from the moment the pause
is proposed, and while its escalation is open; proceeding takes the RSO's and the CEO's written,
expiring interim measures (a waiver), which are audited and shown wherever the pause is."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.audit import SYSTEM
from governance.errors import TransitionNotAllowed
from governance.models import AuditEvent, Notification
from governance.oversight.models import Escalation, Restriction
from governance.oversight.selectors import model_clearance
from governance.oversight.services.escalations import (
    restriction_sign_activation,
    restriction_sign_waiver,
    restriction_waiver_end,
)
from tests.evals.conftest import CROSSING_EVAL, CROSSING_JSON, post_log
from tests.oversight.test_story import approve_security, frameworks_in_force

pytestmark = pytest.mark.django_db

MEASURES = (
    "Weights stay on the air-gapped cluster; two-person access with hardware keys; "
    "red-team of the exfiltration paths every week until ASL-3 Security is approved."
)


def in_days(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


@pytest.fixture
def crossing(machine, snapshot, autonomy_suite, officers):
    """A crossing log on a model whose required safeguards are not in force."""
    post_log(machine, CROSSING_JSON)
    return Escalation.objects.get()


def pause_of(escalation) -> Restriction:
    return Restriction.objects.get(escalation=escalation, kind="pause_training")


def waive(officers, restriction, *, until=None):
    until = until or in_days(30)
    restriction_sign_waiver(
        actor=officers["rso"], restriction=restriction, measures=MEASURES, until=until
    )
    return restriction_sign_waiver(actor=officers["ceo"], restriction=restriction)


def test_a_proposed_pause_blocks_at_once_and_says_whose_decision_it_awaits(crossing, snapshot):
    gate = model_clearance(snapshot.model, "train")
    assert gate["result"] == "blocked"
    assert gate["pending"] == ["Pause training proposed, pending a decision by the RSO and the CEO"]
    assert gate["interim_measures"] == []


def test_an_open_threshold_escalation_blocks_even_with_no_restriction(
    machine, snapshot, autonomy_suite, officers
):
    """Safeguards in force propose no pause; the crossing still waits for a determination."""
    approve_security(officers, snapshot, frameworks_in_force())
    post_log(machine, CROSSING_JSON)
    escalation = Escalation.objects.get()
    assert Restriction.objects.count() == 0
    for action in ("train", "deploy"):
        gate = model_clearance(snapshot.model, action)
        assert gate["result"] == "blocked"
        assert (
            f"Open escalation, not yet resolved by a determination: {escalation.title}"
            in (gate["reasons"][0])
        )


def test_interim_measures_signed_by_both_let_training_proceed_until_they_end(
    crossing, snapshot, officers, time_machine
):
    pause = pause_of(crossing)
    restriction_sign_waiver(
        actor=officers["rso"], restriction=pause, measures=MEASURES, until=in_days(30)
    )
    assert model_clearance(snapshot.model, "train")["result"] == "blocked"  # one key is not two
    waived = restriction_sign_waiver(actor=officers["ceo"], restriction=pause)
    assert waived.state == "waived"
    assert (waived.waiver_rso, waived.waiver_ceo) == (officers["rso"], officers["ceo"])

    gate = model_clearance(snapshot.model, "train")
    assert gate["result"] == "allowed", gate["reasons"]
    assert gate["interim_measures"][0]["measures"] == MEASURES
    # The hold on deployment was not waived: deployment stays blocked.
    assert model_clearance(snapshot.model, "deploy")["result"] == "blocked"

    time_machine.move_to(waived.waiver_until + dt.timedelta(seconds=1))
    gate = model_clearance(snapshot.model, "train")
    assert gate["result"] == "blocked"
    assert "the interim measures ended" in gate["reasons"][0]


def test_interim_measures_are_audited_and_go_to_the_board_and_the_trust(
    crossing, officers, run_on_commit
):
    pause = pause_of(crossing)
    run_on_commit(waive, officers, pause)
    actions = list(
        AuditEvent.objects.filter(target_type="governance.restriction", target_id=str(pause.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["restriction.waiver_signed", "restriction.waived"]
    event = AuditEvent.objects.filter(action="restriction.waived").get()
    assert event.after["measures"] == MEASURES
    told = set(
        Notification.objects.filter(event_type="restriction.waived").values_list(
            "user__username", flat=True
        )
    )
    assert {"director", "trustee", "rso", "ceo"} <= told
    assert crossing.events.filter(message__contains="interim measures until").count() == 2


@pytest.mark.parametrize(
    ("measures", "days", "field"),
    [
        ("", 30, "measures"),
        ("Be careful.", 30, "measures"),
        (MEASURES, None, "until"),
        (MEASURES, -1, "until"),
        (MEASURES, 91, "until"),
    ],
)
def test_interim_measures_must_be_written_and_expire(crossing, officers, measures, days, field):
    pause = pause_of(crossing)
    with pytest.raises(ValidationError) as refused:
        restriction_sign_waiver(
            actor=officers["rso"],
            restriction=pause,
            measures=measures,
            until=None if days is None else in_days(days),
        )
    assert list(refused.value.message_dict) == [field]
    pause.refresh_from_db()
    assert (pause.state, pause.waiver_rso) == ("proposed", None)


def test_who_signs_interim_measures(crossing, officers, make_user):
    pause = pause_of(crossing)
    for who in ("safety", "director", "trustee", "auditor"):
        with pytest.raises(PermissionDenied):
            restriction_sign_waiver(
                actor=officers[who], restriction=pause, measures=MEASURES, until=in_days(10)
            )
    with pytest.raises(PermissionDenied):
        restriction_sign_waiver(actor=SYSTEM, restriction=pause, measures=MEASURES)
    restriction_sign_waiver(
        actor=officers["rso"], restriction=pause, measures=MEASURES, until=in_days(10)
    )
    with pytest.raises(TransitionNotAllowed, match="signed already"):
        restriction_sign_waiver(actor=officers["rso"], restriction=pause)
    second_rso = make_user("rso", username="rso2")
    with pytest.raises(
        TransitionNotAllowed, match="given already; the CEO.s signature is still needed"
    ):
        restriction_sign_waiver(actor=second_rso, restriction=pause)
    with pytest.raises(ValidationError, match="signed different interim measures"):
        restriction_sign_waiver(
            actor=officers["ceo"], restriction=pause, measures=MEASURES + " Also X."
        )
    waived = restriction_sign_waiver(actor=officers["ceo"], restriction=pause, measures=MEASURES)
    assert waived.state == "waived"
    with pytest.raises(TransitionNotAllowed, match="in force until"):
        restriction_sign_waiver(
            actor=officers["rso"], restriction=pause, measures=MEASURES, until=in_days(5)
        )


def test_either_officer_ends_interim_measures_alone(crossing, snapshot, officers):
    pause = pause_of(crossing)
    waive(officers, pause)
    with pytest.raises(ValidationError):
        restriction_waiver_end(actor=officers["ceo"], restriction=pause, reason=" ")
    with pytest.raises(PermissionDenied):
        restriction_waiver_end(actor=officers["safety"], restriction=pause, reason="x")
    restriction_waiver_end(actor=officers["ceo"], restriction=pause, reason="Red team found a gap.")
    assert model_clearance(snapshot.model, "train")["result"] == "blocked"
    with pytest.raises(TransitionNotAllowed, match="No interim measures are in force"):
        restriction_waiver_end(actor=officers["rso"], restriction=pause, reason="again")
    # The officers may decide anew: fresh measures, both signatures again.
    restriction_sign_waiver(
        actor=officers["ceo"], restriction=pause, measures=MEASURES + " Weekly.", until=in_days(7)
    )
    assert model_clearance(snapshot.model, "train")["result"] == "blocked"
    restriction_sign_waiver(actor=officers["rso"], restriction=pause)
    assert model_clearance(snapshot.model, "train")["result"] == "allowed"


def test_an_active_pause_can_be_waived_and_new_evidence_does_not_undo_it(
    crossing, machine, snapshot, officers
):
    pause = pause_of(crossing)
    restriction_sign_activation(actor=officers["rso"], restriction=pause)
    restriction_sign_activation(actor=officers["ceo"], restriction=pause)
    waive(officers, pause)
    post_log(machine, CROSSING_EVAL)  # more evidence on the same escalation
    assert Restriction.objects.filter(kind="pause_training", state="proposed").count() == 0
    assert model_clearance(snapshot.model, "train")["result"] == "allowed"


def test_interim_measures_through_the_api(crossing, officers, api):
    pause = pause_of(crossing)
    url = f"/api/v1/restrictions/{pause.pk}/waive/"
    refused = api(officers["rso"]).post(url, {"measures": "short", "until": "tomorrow"})
    assert refused.status_code == 400
    assert set(refused.json()) == {"until"}
    refused = api(officers["rso"]).post(url, {"measures": "short", "until": in_days(3).isoformat()})
    assert refused.status_code == 400 and "measures" in refused.json()
    assert api(officers["safety"]).post(url, {}).status_code == 403
    first = api(officers["rso"]).post(url, {"measures": MEASURES, "until": in_days(3).isoformat()})
    assert first.status_code == 200, first.json()
    assert (first.json()["state"], first.json()["waiver_in_force"]) == ("proposed", False)
    second = api(officers["ceo"]).post(url, {})
    assert second.status_code == 200
    assert (second.json()["state"], second.json()["waiver_in_force"]) == ("waived", True)
    end = f"/api/v1/restrictions/{pause.pk}/end-waiver/"
    assert api(officers["ceo"]).post(end, {}).status_code == 400
    ended = api(officers["ceo"]).post(end, {"reason": "Gap found."})
    assert ended.status_code == 200 and ended.json()["waiver_in_force"] is False


def test_interim_measures_on_the_model_and_escalation_pages(crossing, snapshot, officers, client):
    pause = pause_of(crossing)
    client.force_login(officers["rso"])
    url = reverse("restriction-sign", args=[pause.pk, "waive"])
    page = client.post(url, {"measures": "too short", "until": ""}, follow=True)
    assert "Interim measures expire" in page.content.decode()
    until = timezone.localtime(in_days(20)).strftime("%Y-%m-%dT%H:%M")
    client.post(url, {"measures": MEASURES, "until": until})
    client.force_login(officers["ceo"])
    page = client.post(url, {"next": crossing.get_absolute_url()}, follow=True).content.decode()
    assert "Pause training is waived under interim measures." in page
    assert MEASURES in page
    model_page = client.get(snapshot.model.get_absolute_url()).content.decode()
    assert "Waived under interim measures" in model_page
    assert "Red-team" not in model_page and "red-team of the exfiltration paths" in model_page
