import pytest
from django.urls import reverse

from governance.audit import SYSTEM, audit_record
from governance.choices import Role
from governance.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_with_good_credentials_signs_in_and_audits(client, make_user, settings):
    settings.TRUST_REQUEST_ID_HEADER = True
    user = make_user(Role.RSO, username="robin")
    response = client.post(
        reverse("login"), {"username": "robin", "password": PASSWORD}, HTTP_X_REQUEST_ID="abc-1"
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    event = AuditEvent.objects.get(action="user.logged_in")
    assert (event.actor_user, event.target_id, event.request_id) == (user, str(user.pk), "abc-1")
    assert response["X-Request-ID"] == "abc-1"


def test_login_with_bad_password_shows_error_and_saves_nothing(client, make_user):
    make_user(Role.RSO, username="robin")
    response = client.post(reverse("login"), {"username": "robin", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session
    [event] = AuditEvent.objects.all()  # only the failed attempt, never the password
    assert event.action == "user.login_failed" and "wrong" not in str(event.after)


def test_login_with_empty_form_names_the_missing_fields(client):
    response = client.post(reverse("login"), {})
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("This field is required.") == 2


def test_logout_is_a_post_and_is_audited(client, make_user):
    user = make_user(Role.CEO)
    client.force_login(user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="user.logged_out", actor_user=user).count() == 1
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize(
    ("role", "expected", "audit_link"),
    [
        (Role.SAFETY_STAFF, "Register models and snapshots", False),
        (Role.INTERNAL_REVIEWER, "Critique capability reports", False),
        (Role.RSO, "Decide ASL determinations with the CEO", True),
        (Role.CEO, "Decide ASL determinations with the RSO", True),
        (Role.BOARD_DIRECTOR, "Approve policy changes", False),
        (Role.TRUSTEE, "Advise on policy changes", False),
        (Role.AUDITOR, "Read every record", True),
    ],
)
def test_home_page_is_role_aware(client_for, role, expected, audit_link):
    response = client_for(role).get(reverse("home"))
    content = response.content.decode()
    assert response.status_code == 200
    assert expected in content
    assert Role(role).label in content  # shown in the user menu
    assert (f'href="{reverse("audit-list")}"' in content) is audit_link


def test_home_page_tells_a_user_without_role_to_ask_for_one(client_for):
    content = client_for().get(reverse("home")).content.decode()
    assert "has no role yet" in content


def test_audit_list_shows_events_newest_first(client_for):
    for n in range(3):
        audit_record(actor=SYSTEM, action=f"demo.step{n}")
    response = client_for(Role.AUDITOR).get(reverse("audit-list"))
    events = list(response.context["events"])
    assert [event.action for event in events] == ["demo.step2", "demo.step1", "demo.step0"]


def test_audit_list_filters_by_actor_action_object_and_date(client_for, make_user):
    target = make_user(username="target")
    audit_record(actor=SYSTEM, action="user.roles_changed", target=target)
    audit_record(actor=SYSTEM, action="other.thing")
    client = client_for(Role.RSO, username="officer")
    audit_record(actor=target, action="user.logged_in", target=target)

    def actions(**params):
        response = client.get(reverse("audit-list"), params)
        assert response.status_code == 200
        return sorted(event.action for event in response.context["events"])

    assert actions(action="user.") == ["user.logged_in", "user.roles_changed"]
    assert actions(actor="target") == ["user.logged_in"]
    assert actions(target_type="auth.user", target_id=str(target.pk)) == [
        "user.logged_in",
        "user.roles_changed",
    ]
    today = AuditEvent.objects.first().created_at.date().isoformat()
    assert len(actions(date_from=today, date_to=today)) == 3
    assert actions(date_from="2001-01-01", date_to="2001-01-02") == []


def test_audit_list_with_bad_dates_explains_and_shows_nothing(client_for):
    audit_record(actor=SYSTEM, action="x.y")
    client = client_for(Role.AUDITOR)
    response = client.get(reverse("audit-list"), {"date_from": "yesterday"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert list(response.context["events"]) == []

    response = client.get(
        reverse("audit-list"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert "The end date is before the start date." in response.content.decode()


def test_audit_list_paginates_with_filters_kept(client_for):
    for _ in range(55):
        audit_record(actor=SYSTEM, action="bulk.step")
    client = client_for(Role.AUDITOR)
    first = client.get(reverse("audit-list"), {"action": "bulk"})
    assert len(first.context["events"]) == 50
    assert "action=bulk&amp;page=2" in first.content.decode()
    second = client.get(reverse("audit-list"), {"action": "bulk", "page": 2})
    assert len(second.context["events"]) == 5


def test_audit_list_query_count_does_not_grow_with_events(client_for, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(Role.AUDITOR)
    actor = make_user(Role.RSO)

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("audit-list")).status_code == 200
        return len(captured)

    audit_record(actor=actor, action="load.test")
    few = queries_for_page()
    for _ in range(40):
        audit_record(actor=actor, action="load.test")
    assert queries_for_page() == few


def test_audit_detail_shows_changed_fields(client_for):
    event = audit_record(
        actor=SYSTEM, action="thing.changed", before={"state": "draft"}, after={"state": "final"}
    )
    response = client_for(Role.CEO).get(reverse("audit-detail", args=[event.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert event.hash in content and "draft" in content and "final" in content
    assert response.context["changes"] == [
        {"field": "state", "before": "draft", "after": "final", "changed": True}
    ]


def test_audit_pages_refuse_roles_without_audit_access(client_for):
    event = audit_record(actor=SYSTEM, action="x.y")
    client = client_for(Role.SAFETY_STAFF)
    assert client.get(reverse("audit-list")).status_code == 403
    assert client.get(reverse("audit-detail", args=[event.pk])).status_code == 403


def test_pages_load_no_external_assets(client_for):
    content = client_for(Role.RSO).get(reverse("home")).content.decode()
    assert "http://" not in content.replace("http://testserver", "")
    assert "https://" not in content


def test_request_id_header_is_ignored_unless_trusted(client, make_user):
    make_user(Role.RSO, username="robin")
    response = client.post(
        reverse("login"), {"username": "robin", "password": PASSWORD}, HTTP_X_REQUEST_ID="forged"
    )
    event = AuditEvent.objects.get(action="user.logged_in")
    assert event.request_id != "forged"
    assert event.request_id == response["X-Request-ID"]
    assert len(event.request_id) == 32


def test_long_names_still_sign_in(client, make_user):
    make_user(Role.RSO, username="u" * 150, first_name="F" * 150, last_name="L" * 150)
    response = client.post(reverse("login"), {"username": "u" * 150, "password": PASSWORD})
    assert response.status_code == 302
    assert len(AuditEvent.objects.get().actor_label) == 200


def test_auditor_post_to_a_page_gets_the_styled_403(client_for):
    response = client_for(Role.AUDITOR).post(reverse("home"))
    assert response.status_code == 403
    assert "read-only" in response.content.decode()
    assert "<nav" in response.content.decode()


def test_home_page_names_the_policy_in_force(client_for, frameworks):
    content = client_for(Role.TRUSTEE).get(reverse("home")).content.decode()
    assert "Anthropic Responsible Scaling Policy v2.2" in content
