"""The signing state of two-key decisions, in words for whoever looks (governance/templatetags/
signing.py), and the restriction pages that show it: who signed and when, whose signature is
still needed, no button a person cannot use, and a confirmation that says what is attested."""

import datetime as dt
import html
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from governance.choices import RestrictionKind, RestrictionState, Role
from governance.determinations.models import Determination
from governance.determinations.workflows.determinations import DECISION
from governance.oversight.models import Restriction
from governance.oversight.services.escalations import (
    restriction_sign_activation,
    restriction_sign_lift,
)
from governance.oversight.workflows.escalations import ACTIVATION, LIFT
from governance.templatetags.signing import signed_message, signing_state, still_needed
from tests.factories import AIModelFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def people(make_user):
    return {
        "rso": make_user(Role.RSO, username="rso", first_name="Robin", last_name="Officer"),
        "ceo": make_user(Role.CEO, username="ceo", first_name="Casey", last_name="Chen"),
        "director": make_user(Role.BOARD_DIRECTOR, username="director"),
    }


@pytest.fixture
def hold(db):
    return Restriction.objects.create(
        model=AIModelFactory(name="Frontier X"),
        kind=RestrictionKind.HOLD_DEPLOYMENT,
        reason="CBRN-4 could not be ruled out.",
    )


def on(time_machine, day: int, month: int = 12) -> None:
    time_machine.move_to(dt.datetime(2026, month, day, 10, 0, tzinfo=UTC), tick=False)


def texts(obj, key, people) -> dict[str, str]:
    return {name: signing_state(obj, key, person).text for name, person in people.items()}


def test_nobody_has_signed(hold, people):
    assert set(texts(hold, ACTIVATION, people).values()) == {
        "Awaiting both signatures (RSO and CEO)."
    }
    rso = signing_state(hold, ACTIVATION, people["rso"])
    assert (rso.your_title, rso.officer_title) == ("the RSO", "the RSO")
    assert rso.after_yours == "The CEO's signature is still needed after yours."
    director = signing_state(hold, ACTIVATION, people["director"])
    assert (director.your_title, director.after_yours, director.started) == ("", "", False)


def test_one_signature_as_each_person_sees_it(hold, people, time_machine):
    on(time_machine, 3)
    hold = restriction_sign_activation(actor=people["rso"], restriction=hold)
    on(time_machine, 5)  # the day of the page is not the day of the signature
    assert texts(hold, ACTIVATION, people) == {
        "rso": "You signed as the RSO on 3 Dec 2026 · waiting for the CEO (Casey Chen).",
        "ceo": "The RSO (Robin Officer) signed on 3 Dec 2026 · waiting for you, as the CEO.",
        "director": "The RSO (Robin Officer) signed on 3 Dec 2026 · waiting for the CEO "
        "(Casey Chen).",
    }
    rso = signing_state(hold, ACTIVATION, people["rso"])
    assert (rso.you_signed, rso.your_title, rso.awaited) == (True, "", ("the CEO",))
    ceo = signing_state(hold, ACTIVATION, people["ceo"])
    assert ceo.after_yours == "Yours is the second signature: with it the decision takes effect."


def test_both_signatures_with_their_days(hold, people, time_machine):
    on(time_machine, 3)
    restriction_sign_activation(actor=people["rso"], restriction=hold)
    on(time_machine, 4)
    restriction_sign_activation(actor=people["ceo"], restriction=hold)
    hold.refresh_from_db()
    assert hold.state == RestrictionState.ACTIVE
    states = texts(hold, "activation", people)
    assert states["director"] == (
        "Signed by the RSO (Robin Officer) on 3 Dec 2026 and the CEO (Casey Chen) on 4 Dec 2026."
    )
    assert states["ceo"] == (
        "Signed by the RSO (Robin Officer) on 3 Dec 2026 and the CEO (you) on 4 Dec 2026."
    )
    assert signing_state(hold, ACTIVATION, people["rso"]).complete


def test_each_key_on_one_record_has_its_own_days(hold, people, time_machine):
    """Activation and lifting are both signed by the same two people on the same restriction:
    each reads its own moment from the log."""
    on(time_machine, 3)
    restriction_sign_activation(actor=people["rso"], restriction=hold)
    restriction_sign_activation(actor=people["ceo"], restriction=hold)
    on(time_machine, 10)
    hold = restriction_sign_lift(actor=people["rso"], restriction=hold)
    assert signing_state(hold, LIFT, people["rso"]).text == (
        "You signed as the RSO on 10 Dec 2026 · waiting for the CEO (Casey Chen)."
    )
    assert "on 3 Dec 2026 and the CEO (Casey Chen) on 3 Dec 2026" in (
        signing_state(hold, ACTIVATION, people["director"]).text
    )


def test_a_timed_key_reads_the_moment_from_the_record(people, settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"  # UTC+14: 2 Dec 20:00 UTC is 3 Dec there
    determination = Determination(
        decision_ceo=people["ceo"],
        decision_ceo_at=dt.datetime(2026, 12, 2, 20, 0, tzinfo=UTC),
    )
    assert signing_state(determination, DECISION, people["ceo"]).text == (
        "You signed as the CEO on 3 Dec 2026 · waiting for the RSO (Robin Officer)."
    )
    assert signing_state(determination, "decision", people["rso"]).text == (
        "The CEO (Casey Chen) signed on 3 Dec 2026 · waiting for you, as the RSO."
    )


def test_a_signature_whose_day_is_not_on_record_reads_without_one(hold, people):
    Restriction.objects.filter(pk=hold.pk).update(activation_rso=people["rso"])
    hold.refresh_from_db()
    assert signing_state(hold, ACTIVATION, people["director"]).text == (
        "The RSO (Robin Officer) signed · waiting for the CEO (Casey Chen)."
    )


def test_many_who_could_sign_are_not_named(hold, people, make_user):
    for number in range(3):
        make_user(Role.CEO, username=f"ceo{number}")
    Restriction.objects.filter(pk=hold.pk).update(activation_rso=people["rso"])
    hold.refresh_from_db()
    state = signing_state(hold, ACTIVATION, people["director"])
    assert state.text == "The RSO (Robin Officer) signed · waiting for the CEO."
    assert len(state.awaited_people) == 4


def test_a_prefix_names_the_key_and_a_wrong_one_is_refused(hold, people):
    assert signing_state(hold, "lift", people["rso"]) == signing_state(hold, LIFT, people["rso"])
    with pytest.raises(ValueError, match="holds no 'decision' signatures"):
        signing_state(hold, "decision", people["rso"])


def test_the_message_after_signing_says_whose_signature_is_still_needed(hold, people):
    restriction_sign_activation(actor=people["rso"], restriction=hold)
    hold.refresh_from_db()
    assert signed_message(hold, ACTIVATION, people["rso"]) == (
        "Signed as the RSO. The CEO's signature is still needed (Casey Chen)."
    )
    assert still_needed(hold, "activation") == "The CEO's signature is still needed (Casey Chen)"
    assert still_needed(hold, LIFT) == "The RSO's and the CEO's signatures are still needed"
    restriction_sign_activation(actor=people["ceo"], restriction=hold)
    hold.refresh_from_db()
    assert signed_message(hold, ACTIVATION, people["ceo"]) == (
        "Signed as the CEO: both signatures are given."
    )
    assert still_needed(hold, ACTIVATION) == ""


def test_the_template_tag_speaks_to_the_signed_in_person(hold, people, time_machine):
    on(time_machine, 3)
    restriction_sign_activation(actor=people["rso"], restriction=hold)
    hold.refresh_from_db()
    template = Template(
        '{% load signing %}{% signing_state obj "activation" as state %}{{ state }}'
        "|{{ state.your_title }}|{{ state.awaited_people|people_names }}"
        '{% signing_state nothing "activation" as none %}{{ none|default:"-" }}'
    )
    request = RequestFactory().get("/")
    request.user = people["ceo"]
    rendered = html.unescape(template.render(Context({"obj": hold, "request": request})))
    assert rendered == (
        "The RSO (Robin Officer) signed on 3 Dec 2026 · waiting for you, as the CEO.|the CEO|"
        "Casey Chen-"
    )


# The pages


def _text(response) -> str:
    """The page as read: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


def _form(restriction, stage) -> str:
    return f'action="{reverse("restriction-sign", args=[restriction.pk, stage])}"'


def test_the_restriction_shows_the_state_and_offers_only_usable_buttons(
    client, hold, people, time_machine
):
    on(time_machine, 3)
    url = hold.model.get_absolute_url()
    client.force_login(people["rso"])
    assert "Signatures to activate: Awaiting both signatures (RSO and CEO)." in _text(
        client.get(url)
    )
    page = html.unescape(client.get(url).content.decode())
    assert _form(hold, "activate") in page
    assert (
        'data-confirm="You sign as the RSO to activate this restriction: deployment of '
        "Frontier X stays held until the RSO and the CEO both sign to lift it. The CEO's "
        'signature is still needed after yours."'
    ) in page

    response = client.post(reverse("restriction-sign", args=[hold.pk, "activate"]), follow=True)
    assert "You signed as the RSO on 3 Dec 2026 · waiting for the CEO (Casey Chen)." in _text(
        response
    )
    assert _form(hold, "activate") not in response.content.decode()  # given: not offered again
    # The message after signing says whose signature is still needed, not only the state.
    assert (
        "The CEO's signature is still needed (Casey Chen); until then hold deployment is proposed."
    ) in _text(response)

    client.force_login(people["ceo"])
    page = _text(client.get(url))
    assert "The RSO (Robin Officer) signed on 3 Dec 2026 · waiting for you, as the CEO." in page
    page = html.unescape(client.get(url).content.decode())
    assert "Yours is the second signature: with it the decision takes effect." in page

    client.force_login(people["director"])
    page = client.get(url).content.decode()
    assert "data-confirm" not in page and _form(hold, "activate") not in page


def test_the_lift_button_gives_way_to_what_is_missing(client, people, crossing_hold, time_machine):
    """With the first signature to lift given, the second is refused until the grounds hold:
    the page says so instead of offering the button."""
    restriction_sign_activation(actor=people["rso"], restriction=crossing_hold)
    restriction_sign_activation(actor=people["ceo"], restriction=crossing_hold)
    url = crossing_hold.model.get_absolute_url()
    client.force_login(people["rso"])
    page = html.unescape(client.get(url).content.decode())
    assert _form(crossing_hold, "lift") in page
    assert "attesting that its grounds are gone" in page
    restriction_sign_lift(actor=people["rso"], restriction=crossing_hold)
    client.force_login(people["ceo"])
    page = _text(client.get(url))
    assert _form(crossing_hold, "lift") not in client.get(url).content.decode()
    assert "Not yet signable:" in page and "the restriction stays" in page


@pytest.fixture
def crossing_hold(frameworks, people):
    """A deployment hold proposed with a threshold escalation, its safeguards not in force."""
    from governance.choices import EscalationKind, Severity
    from governance.models import CapabilityThreshold
    from governance.oversight.services.escalations import escalation_raise

    model = AIModelFactory(name="Frontier Y")
    threshold = (
        CapabilityThreshold.objects.filter(version=frameworks["2.2"])
        .exclude(required_safeguards=None)
        .first()
    )
    escalation, _ = escalation_raise(
        threshold=threshold,
        kind=EscalationKind.THRESHOLD,
        subject="CBRN-4",
        title="CBRN-4 could not be ruled out",
        summary="",
        severity=Severity.HIGH,
        model=model,
    )
    return Restriction.objects.get(escalation=escalation, kind=RestrictionKind.HOLD_DEPLOYMENT)
