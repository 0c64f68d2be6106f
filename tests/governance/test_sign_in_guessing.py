"""Logins resist guessing: a username is locked after LOGIN_FAILURE_LIMIT wrong passwords, on
/login/ and /admin/login/, even with the right password; failures and lockouts are audited; an
administrator unlocks. The API throttles anonymous callers, people and eval systems, and slows
token guessing per address."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from governance.choices import Role
from governance.models import AuditEvent
from governance.services import user_unlock_sign_in
from tests.conftest import FIXED_NOW, sign_in_with_password

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]
PASSWORD = "the-right-password-42"


@pytest.fixture
def robin(make_user):
    user = make_user(Role.RSO, username="robin", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def guess(client, path: str, times: int):
    for _ in range(times):
        client.post(path, {"username": "robin", "password": "guess"})


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_the_right_password_after_too_many_wrong_ones_is_refused(client, robin, settings, path):
    guess(client, path, settings.AXES_FAILURE_LIMIT)
    response = client.post(path, {"username": "robin", "password": PASSWORD})
    assert response.status_code == 429
    assert "Sign-in locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_fewer_wrong_passwords_do_not_lock(client, robin, settings):
    guess(client, "/login/", settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in_with_password(client, "robin", PASSWORD)


def test_failures_and_the_lockout_are_audited_without_the_password(client, robin, settings):
    guess(client, "/login/", settings.AXES_FAILURE_LIMIT)
    failed = AuditEvent.objects.filter(action="user.login_failed")
    assert failed.count() == settings.AXES_FAILURE_LIMIT
    assert {event.target_id for event in failed} == {str(robin.pk)}
    assert failed.first().after["username"] == "robin"
    locked = AuditEvent.objects.get(action="user.locked_out")
    assert locked.target_id == str(robin.pk) and locked.actor_type == "anonymous"
    assert "guess" not in str(list(AuditEvent.objects.values("before", "after")))


def test_the_lock_lifts_after_the_cooloff(client, robin, settings, time_machine):
    guess(client, "/login/", settings.AXES_FAILURE_LIMIT)
    assert not sign_in_with_password(client, "robin", PASSWORD)
    time_machine.shift(settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1))
    assert sign_in_with_password(client, "robin", PASSWORD)


def test_an_administrator_unlocks_and_it_is_audited(client, robin, settings, make_user):
    guess(client, "/login/", settings.AXES_FAILURE_LIMIT)
    admin = make_user(username="ada", is_staff=True, is_superuser=True)
    with pytest.raises(PermissionDenied):
        user_unlock_sign_in(actor=make_user(Role.RSO), user=robin)
    client.force_login(admin)
    changelist = reverse("admin:auth_user_changelist")
    response = client.post(
        changelist, {"action": "unlock_sign_in", "_selected_action": [robin.pk]}, follow=True
    )
    assert "Sign-in unlocked for 1 user(s)." in response.content.decode()
    event = AuditEvent.objects.get(action="user.sign_in_unlocked")
    assert (event.actor_user, event.target_id) == (admin, str(robin.pk))
    client.logout()
    assert sign_in_with_password(client, "robin", PASSWORD)


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def test_anonymous_api_callers_are_throttled(client, settings):
    _rates(settings, anonymous="3/minute")
    answers = [client.get("/api/v1/models/").status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    assert "throttled" in client.get("/api/v1/models/").json()["detail"].lower()


def test_people_are_throttled_per_person(client_for, settings):
    _rates(settings, person="2/minute")
    client = client_for(Role.AUDITOR)
    assert [client.get("/api/v1/models/").status_code for _ in range(3)] == [200, 200, 429]


def test_eval_systems_are_throttled_per_system(machine_client, settings):
    _rates(settings, eval_system="2/minute")
    answers = [machine_client.get("/api/v1/ingestions/").status_code for _ in range(3)]
    assert answers == [200, 200, 429]


def test_guessing_tokens_is_slowed_per_address(client, machine_client, settings, time_machine):
    _rates(settings, token_failure="3/hour")
    for n in range(3):
        wrong = client.get("/api/v1/ingestions/", HTTP_AUTHORIZATION=f"Bearer rspg_guess{n}")
        assert wrong.status_code == 401
    # Now every token from this address is refused for a while, even a right one.
    blocked = machine_client.get("/api/v1/ingestions/")
    assert blocked.status_code == 429
    assert "Too many unknown tokens" in blocked.json()["detail"]
    time_machine.shift(dt.timedelta(hours=1, seconds=1))
    assert machine_client.get("/api/v1/ingestions/").status_code == 200
    assert timezone.now() > FIXED_NOW


@pytest.fixture
def machine_client(db):
    from rest_framework.test import APIClient

    from evals.services import eval_system_create
    from governance.audit import SYSTEM

    _, token = eval_system_create(actor=SYSTEM, name="ci", all_models=True, all_suites=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
