import pytest
from django.urls import reverse

from governance.choices import Role
from governance.models import Notification
from governance.oversight.models import Escalation, Restriction
from tests.evals.conftest import CROSSING_JSON, WARNING_EVAL, post_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def crossed(machine, snapshot, autonomy_suite, officers, run_on_commit):
    run_on_commit(post_log, machine, CROSSING_JSON)
    return Escalation.objects.get()


def test_queue_filters_by_severity_state_model_and_overdue(client_for, crossed, machine, snapshot):
    from tests.factories import SnapshotFactory

    other = SnapshotFactory(external_ids=["acme/other"])
    post_log(machine, WARNING_EVAL, snapshot=str(other.pk))
    client = client_for(Role.TRUSTEE)

    def titles(**params):
        page = client.get(reverse("escalation-list"), params)
        assert page.status_code == 200
        return [e.pk for e in page.context["escalations"]]

    assert titles(severity="high") == [crossed.pk]
    assert len(titles(state="open")) == 2
    assert titles(model=other.model_id) != [crossed.pk]
    assert titles(overdue="true") == []
    assert (
        "Select a valid choice"
        in client.get(reverse("escalation-list"), {"severity": "dire"}).content.decode()
    )


def test_detail_shows_actions_only_to_those_who_may_act(client_for, crossed):
    url = crossed.get_absolute_url()
    rso_page = client_for(Role.RSO).get(url).content.decode()
    assert "Acknowledge" in rso_page and "Dismiss" in rso_page and "Sign to activate" in rso_page
    trustee_page = client_for(Role.TRUSTEE).get(url).content.decode()
    assert "Acknowledge" not in trustee_page and "Sign to activate" not in trustee_page
    assert "6 of 10 tasks passed" in trustee_page  # the timeline and the evidence


def test_acting_through_the_page(client, officers, crossed):
    client.force_login(officers["rso"])
    client.post(reverse("escalation-action", args=[crossed.pk, "acknowledge"]))
    crossed.refresh_from_db()
    assert crossed.state == "acknowledged"
    response = client.post(
        reverse("escalation-action", args=[crossed.pk, "resolve"]), {"note": " "}, follow=True
    )
    assert "Say how it was resolved" in response.content.decode()
    client.force_login(officers["safety"])
    response = client.post(
        reverse("escalation-action", args=[crossed.pk, "dismiss"]), {"note": "x"}, follow=True
    )
    assert (
        "Only Responsible Scaling Officer may dismiss" in response.content.decode()
        or response.status_code == 403
    )


def test_signing_from_the_model_page(client, officers, crossed, snapshot):
    restriction = Restriction.objects.get(kind="pause_training")
    model_url = snapshot.model.get_absolute_url()
    client.force_login(officers["rso"])
    assert "Pause training: Proposed" in client.get(model_url).content.decode()
    client.post(reverse("restriction-sign", args=[restriction.pk, "activate"]), {"next": model_url})
    client.force_login(officers["ceo"])
    client.post(reverse("restriction-sign", args=[restriction.pk, "activate"]), {"next": model_url})
    assert "Pause training: Active" in client.get(model_url).content.decode()


def test_inbox_shows_unread_count_and_marks_read(client, officers, crossed):
    client.force_login(officers["rso"])
    home = client.get(reverse("home")).content.decode()
    unread = Notification.objects.filter(user=officers["rso"], read_at=None).count()
    assert unread >= 2 and f'aria-label="{unread} unread"' in home
    page = client.get(reverse("inbox")).content.decode()
    assert crossed.title in page
    client.post(reverse("inbox"))
    assert Notification.objects.filter(user=officers["rso"], read_at=None).count() == 0


def test_auditors_may_mark_their_own_inbox_read(client, officers):
    client.force_login(officers["auditor"])
    assert client.post(reverse("inbox")).status_code == 302


def test_escalation_api_lists_and_acts(client_for, crossed, officers, client):
    listing = client_for(Role.AUDITOR).get("/api/v1/escalations/", {"severity": "high"}).json()
    assert (
        listing["count"] == 1 and listing["results"][0]["threshold_code"] == "Autonomy checkpoint"
    )
    client.force_login(officers["ceo"])
    response = client.post(f"/api/v1/escalations/{crossed.pk}/acknowledge/")
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"
    again = client.post(f"/api/v1/escalations/{crossed.pk}/acknowledge/")
    assert again.status_code == 400 and "cannot be acknowledged" in again.json()["detail"]
    no_note = client.post(
        f"/api/v1/escalations/{crossed.pk}/resolve/", {}, content_type="application/json"
    )
    assert no_note.status_code == 400 and "note" in no_note.json()
    client.force_login(officers["trustee"])
    assert (
        client.post(f"/api/v1/escalations/{crossed.pk}/dismiss/", {"note": "x"}).status_code == 403
    )


def test_restriction_api_signatures(client, officers, crossed):
    restriction = Restriction.objects.get(kind="hold_deployment")
    client.force_login(officers["rso"])
    first = client.post(f"/api/v1/restrictions/{restriction.pk}/sign-activation/")
    assert first.status_code == 200 and first.json()["state"] == "proposed"
    twice = client.post(f"/api/v1/restrictions/{restriction.pk}/sign-activation/")
    assert twice.status_code == 400
    client.force_login(officers["ceo"])
    done = client.post(f"/api/v1/restrictions/{restriction.pk}/sign-activation/")
    assert done.json()["state"] == "active"


def test_notifications_api_is_each_persons_own(client, officers, crossed):
    client.force_login(officers["safety"])
    mine = client.get("/api/v1/notifications/").json()
    assert mine["count"] >= 1
    marked = client.post(
        "/api/v1/notifications/mark-read/", {"ids": "all"}, content_type="application/json"
    )
    assert marked.status_code == 400
    assert (
        client.post("/api/v1/notifications/mark-read/", {}, content_type="application/json").json()[
            "marked"
        ]
        == mine["count"]
    )
    client.force_login(officers["director"])
    assert client.get("/api/v1/notifications/").json()["count"] == 0


@pytest.mark.parametrize("url", ["/api/v1/escalations/", "/escalations/", "/api/v1/restrictions/"])
def test_escalation_lists_query_count_does_not_grow(client_for, crossed, machine, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import SnapshotFactory

    client = client_for(Role.AUDITOR)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    for n in range(3):
        other = SnapshotFactory(external_ids=[f"acme/m{n}"])
        post_log(machine, CROSSING_JSON if n == 0 else WARNING_EVAL, snapshot=str(other.pk))
    assert count() == few


def test_api_actions_refuse_odd_bodies(client, officers, crossed):
    client.force_login(officers["rso"])
    url = f"/api/v1/escalations/{crossed.pk}/dismiss/"
    assert client.post(url, [1, 2], content_type="application/json").status_code == 400
    assert client.post(url, {"note": None}, content_type="application/json").status_code == 400
    assert (
        client.post(
            "/api/v1/notifications/mark-read/", [1], content_type="application/json"
        ).status_code
        == 400
    )
    crossed.refresh_from_db()
    assert crossed.state == "open"


def test_machine_tokens_have_no_inbox(machine):
    assert machine.get("/api/v1/notifications/").status_code == 403


def test_signing_does_not_redirect_off_site(client, officers, crossed, snapshot):
    restriction = Restriction.objects.get(kind="pause_training")
    client.force_login(officers["rso"])
    response = client.post(
        reverse("restriction-sign", args=[restriction.pk, "activate"]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == snapshot.model.get_absolute_url()
