"""My work and the notifications of what awaits people: read from the workflow declarations'
waits, for every workflow. A policy change's whole chain tells each person what is asked of
them, once; the sweep tells what begins with time; the queue and /api/v1/me/work/ list it."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from governance.audit import SYSTEM
from governance.board.models import PolicyChange
from governance.board.services.board import director_seat, motion_close, vote_cast
from governance.board.services.meetings import meeting_schedule
from governance.board.services.policy_changes import (
    policy_change_create,
    policy_change_sign,
    policy_change_vote_open,
)
from governance.choices import Role, SeatType
from governance.models import AwaitedNotice, FrameworkVersion, Notification, WebhookSubscription
from governance.models.notifications import WebhookDelivery
from governance.my_work import (
    WorkItem,
    by_urgency,
    time_left_words,
    work_awaiting,
    work_waiting_on_others,
)
from governance.oversight.services.noncompliance import noncompliance_report_file
from governance.services.awaited import awaited_sweep, awaited_tell
from tests.conftest import FIXED_NOW
from trust.services import (
    consultation_close,
    consultation_open,
    trust_advice_record,
    trustee_term_record,
)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]

TODAY = timezone.localdate(FIXED_NOW)


@pytest.fixture
def people(make_user):
    directors = [make_user(Role.BOARD_DIRECTOR, username=f"director{i}") for i in range(3)]
    for director in directors:
        director_seat(
            actor=SYSTEM,
            user=director,
            seat_type=SeatType.STOCKHOLDERS,
            term_start=TODAY - dt.timedelta(days=365),
        )
    trustees = [make_user(Role.TRUSTEE, username=f"trustee{i}") for i in range(2)]
    for trustee in trustees:
        trustee_term_record(actor=SYSTEM, user=trustee, starts_on=TODAY)
    return {
        "rso": make_user(Role.RSO, username="rso", first_name="Rosa", last_name="Officer"),
        "ceo": make_user(Role.CEO, username="ceo", first_name="Cai", last_name="Exec"),
        "directors": directors,
        "trustees": trustees,
        "safety": make_user(Role.SAFETY_STAFF, username="safety"),
        "auditor": make_user(Role.AUDITOR, username="auditor"),
    }


@pytest.fixture
def step(django_capture_on_commit_callbacks):
    """Take a step as a request would: its transaction commits, then what it left runs."""

    def take(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return take


def _asked(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, event_type__endswith=".awaiting"))


def _asked_names(users) -> set[str]:
    return {
        n.user.username
        for n in Notification.objects.filter(user__in=users, event_type__endswith=".awaiting")
    }


@pytest.fixture
def draft(people, frameworks, step):
    return step(
        policy_change_create,
        actor=people["rso"],
        version=FrameworkVersion.objects.get(framework__slug="google-deepmind-fsf"),
        title="Adopt the new framework",
        rationale="It covers more risks.",
        changelog_entry="Replaced the policy.",
        effective_from=timezone.now() + dt.timedelta(days=10),
    )


def test_the_policy_change_chain_tells_each_person_what_is_asked_of_them(people, draft, step):
    rso, ceo = people["rso"], people["ceo"]
    # Drafted by the RSO: the CEO is asked to sign; the RSO, who drafted it, is not told.
    [asked] = _asked(ceo)
    assert asked.event_type == "policy_change.awaiting"
    assert "the RSO's and the CEO's signatures" in asked.title
    assert asked.link == draft.get_absolute_url()
    assert "Asked of: " in asked.body and "Cai Exec" in asked.body
    assert _asked(rso) == []

    step(policy_change_sign, actor=rso, change=draft)
    # The CEO was told already of this wait: not again.
    assert len(_asked(ceo)) == 1

    step(policy_change_sign, actor=ceo, change=PolicyChange.objects.get(pk=draft.pk))
    # Proposed: the officers are asked to consult the Trust; the CEO took the step.
    [consult] = _asked(rso)
    assert "consult the Trust" in consult.title
    assert len(_asked(ceo)) == 1

    consultation = step(
        consultation_open,
        actor=rso,
        policy_change=PolicyChange.objects.get(pk=draft.pk),
        question="Should we adopt it?",
        respond_by=TODAY + dt.timedelta(days=14),
    )
    # The trustees are asked for their advice, once each (the change and its consultation both
    # await it), with the deadline.
    for trustee in people["trustees"]:
        [advice] = _asked(trustee)
        assert "advice" in advice.title
        assert "Due " in advice.body

    advice = "Adopt it, with a review in six months."
    trustee = people["trustees"][0]
    step(trust_advice_record, actor=trustee, consultation=consultation, collective_advice=advice)
    # Advised: the officers are asked for the lab's response.
    assert any("response" in n.title for n in _asked(rso))
    step(consultation_close, actor=ceo, consultation=consultation, lab_response="We will.")
    assert _asked_names(people["directors"]) == {"director0", "director1", "director2"}

    director = people["directors"][0]
    motion = step(
        policy_change_vote_open, actor=director, change=PolicyChange.objects.get(pk=draft.pk)
    )
    # The vote is open: the other directors are asked to vote; the one who opened it was told.
    for other in people["directors"][1:]:
        assert any("vote" in n.title for n in _asked(other))
    for voter in people["directors"][:2]:
        step(vote_cast, actor=voter, motion=motion, choice="yes")
    step(motion_close, actor=director, motion=motion)
    # Approved: the RSO is asked to publish it before it takes effect.
    assert any("publish" in n.title for n in _asked(rso))
    # Auditors take no step and are never asked.
    assert _asked(people["auditor"]) == []


def test_each_person_is_told_once_per_wait_and_again_when_the_state_comes_back(people, draft):
    ceo = people["ceo"]
    assert awaited_tell(draft) == 0  # already told when drafted
    AwaitedNotice.objects.all().delete()
    assert awaited_tell(draft) == 2  # the RSO and the CEO, told by the sweep this time
    assert awaited_tell(draft) == 0
    # The state left and entered again: asked again.
    AwaitedNotice.objects.filter(user=ceo).update(state="elsewhere")
    assert awaited_tell(draft) == 1
    assert len(_asked(ceo)) == 3


def test_the_sweep_tells_what_begins_with_time(people, step, time_machine):
    directors = people["directors"]
    meeting = step(
        meeting_schedule,
        actor=directors[0],
        scheduled_for=timezone.now() + dt.timedelta(days=1),
        title="Quarterly review",
    )
    before = {d.username: len(_asked(d)) for d in directors}
    time_machine.shift(dt.timedelta(days=2))
    assert awaited_sweep() >= len(directors)
    for director in directors:
        asked = _asked(director)
        assert len(asked) == before[director.username] + 1
        assert "its record" in asked[0].title
        assert asked[0].link == meeting.get_absolute_url()
    assert awaited_sweep() == 0


def test_a_report_about_the_rso_reaches_no_webhook(people, step):
    WebhookSubscription.objects.create(
        name="all", url="https://hooks.example.org/x", event_types=["*"]
    )
    step(
        noncompliance_report_file,
        actor=people["safety"],
        summary="The RSO skipped a review",
        details="Details.",
        concerns_rso=True,
        anonymous=False,
    )
    # Those it awaits were told by the filing itself; told again by the sweep, as after a lost
    # commit, still no webhook hears of it.
    assert AwaitedNotice.objects.exists()
    AwaitedNotice.objects.all().delete()
    assert awaited_sweep() >= 1
    assert Notification.objects.filter(event_type="noncompliance.awaiting").exists()
    assert not WebhookDelivery.objects.filter(event_type="noncompliance.awaiting").exists()


def test_my_work_lists_what_awaits_me_and_what_i_wait_on(people, draft, step):
    rso, ceo = people["rso"], people["ceo"]
    [mine] = [item for item in work_awaiting(rso) if item.type == "policy_change"]
    assert mine.what == "the RSO's and the CEO's signatures"
    assert ("sign", "Sign the proposal") in mine.actions or any(
        name == "sign" for name, _ in mine.actions
    )
    assert mine.url == draft.get_absolute_url()
    step(policy_change_sign, actor=rso, change=draft)
    assert not [item for item in work_awaiting(rso) if item.type == "policy_change"]
    [waiting] = [item for item in work_waiting_on_others(rso) if item.type == "policy_change"]
    assert waiting.what == "the CEO's signature" and waiting.who == ("Cai Exec",)
    assert [item.type for item in work_awaiting(ceo)].count("policy_change") == 1
    assert work_awaiting(people["auditor"]) == []


def test_most_urgent_first(people, step, time_machine):
    director = people["directors"][0]
    later = step(
        meeting_schedule,
        actor=director,
        scheduled_for=timezone.now() + dt.timedelta(days=9),
        title="Later",
    )
    sooner = step(
        meeting_schedule,
        actor=director,
        scheduled_for=timezone.now() + dt.timedelta(days=2, hours=12),
        title="Sooner",
    )
    items = [item for item in work_awaiting(people["directors"][1]) if item.type == "meeting"]
    assert [item.id for item in items] == [sooner.pk, later.pk]
    assert items[0].time_left == "2 days left" and not items[0].overdue
    time_machine.shift(dt.timedelta(days=3))
    items = [item for item in work_awaiting(people["directors"][1]) if item.type == "meeting"]
    # The first has taken place and awaits its record, which has no deadline: after the dated.
    assert [(item.id, item.due is None) for item in items] == [(later.pk, False), (sooner.pk, True)]


def test_overdue_comes_first():
    now = FIXED_NOW

    def item(title, due):
        return WorkItem("Thing", title, "/", "open", "a step", (), due)

    items = [
        item("undated", None),
        item("next week", now + dt.timedelta(days=7)),
        item("late", now - dt.timedelta(days=1)),
        item("tomorrow", now + dt.timedelta(days=1)),
    ]
    assert [i.title for i in by_urgency(items)] == ["late", "tomorrow", "next week", "undated"]
    assert by_urgency(items)[0].overdue


def test_time_left_words():
    now = FIXED_NOW
    assert time_left_words(None, now) == "no deadline"
    assert time_left_words(now + dt.timedelta(days=3, hours=2), now) == "3 days left"
    assert time_left_words(now + dt.timedelta(hours=1), now) == "1 hour left"
    assert time_left_words(now - dt.timedelta(days=2), now) == "overdue by 2 days"
    assert time_left_words(now - dt.timedelta(seconds=5), now) == "overdue by less than a minute"
    assert time_left_words(now + dt.timedelta(days=1, hours=4), now) == "1 day 4 hours left"


def test_the_api_answers_my_work(people, draft, api):
    body = api(people["rso"]).get("/api/v1/me/work/").json()
    [item] = [item for item in body["awaiting_me"] if item["type"] == "policy_change"]
    assert item["id"] == str(draft.pk)
    assert item["what"] == "the RSO's and the CEO's signatures"
    assert item["url"] == draft.get_absolute_url()
    assert {"name": "sign"}.items() <= item["actions"][0].items() or any(
        a["name"] == "sign" for a in item["actions"]
    )
    assert body["waiting_on_others"] == []
    assert [panel["key"] for panel in body["overview"]] == [
        "escalations_by_severity",
        "restrictions_pending",
        "safeguards_expiring",
    ]
    # Safety staff have no officers' overview; anonymous callers are refused.
    assert api(people["safety"]).get("/api/v1/me/work/").json()["overview"] == []
    assert Client().get("/api/v1/me/work/").status_code in (401, 403)


def test_the_home_page_is_my_queue(people, draft, client):
    client.force_login(people["ceo"])
    page = client.get("/").content.decode()
    assert "Awaiting you" in page
    assert draft.get_absolute_url() in page
    assert "the RSO&#x27;s and the CEO&#x27;s signatures" in page
    assert "Open escalations by severity" in page
    client.force_login(people["safety"])
    page = client.get("/").content.decode()
    assert "Nothing awaits you now." in page
    assert "Open escalations by severity" not in page
