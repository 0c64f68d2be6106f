import pytest

from governance.audit import SYSTEM, audit_chain_verify
from governance.choices import Role
from governance.models import AuditEvent, AuditVerification
from governance.permissions import user_roles
from governance.services import user_set_roles
from governance.tasks import audit_log_verify

pytestmark = pytest.mark.django_db


def test_user_set_roles_replaces_roles_and_audits_before_and_after(make_user):
    admin = make_user(is_staff=True)
    user = make_user(Role.SAFETY_STAFF)
    user_set_roles(actor=admin, user=user, roles=[Role.INTERNAL_REVIEWER])

    assert user_roles(user) == {"internal_reviewer"}
    event = AuditEvent.objects.get(action="user.roles_changed")
    assert event.actor_user == admin
    assert event.before["roles"] == ["safety_staff"]
    assert event.after["roles"] == ["internal_reviewer"]
    assert "password" not in event.after


def test_user_set_roles_without_change_writes_nothing(make_user):
    user = make_user(Role.RSO)
    user_set_roles(actor=SYSTEM, user=user, roles=[Role.RSO])
    assert AuditEvent.objects.count() == 0


def test_user_set_roles_rejects_unknown_role(make_user):
    with pytest.raises(ValueError, match="Unknown role"):
        user_set_roles(actor=SYSTEM, user=make_user(), roles=["overlord"])
    assert AuditEvent.objects.count() == 0


def test_audit_log_verify_task_records_the_outcome(make_user):
    user_set_roles(actor=SYSTEM, user=make_user(), roles=[Role.CEO])
    verification = AuditVerification.objects.get(pk=audit_log_verify.delay().get())
    assert verification.ok is True
    assert verification.events_verified == 1
    assert verification.last_hash == audit_chain_verify().last_hash


def test_admin_user_change_is_audited(client, make_user):
    from django.contrib.auth.models import Group
    from django.urls import reverse

    admin = make_user(is_staff=True, is_superuser=True)
    target = make_user(Role.SAFETY_STAFF, username="target")
    client.force_login(admin)
    rso_group = Group.objects.get(name=Role.RSO)
    response = client.post(
        reverse("admin:auth_user_change", args=[target.pk]),
        {
            "username": "target",
            "first_name": target.first_name,
            "last_name": target.last_name,
            "email": target.email,
            "is_active": "on",
            "groups": [rso_group.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="user.access_changed")
    assert event.actor_user == admin
    assert (event.before["roles"], event.after["roles"]) == (["safety_staff"], ["rso"])


@pytest.mark.parametrize(
    ("actor_roles", "is_staff", "allowed"),
    [
        ([], True, True),
        ([Role.RSO], False, False),
        ([Role.CEO], False, False),
        ([Role.AUDITOR], False, False),
        ([Role.SAFETY_STAFF], False, False),
    ],
)
def test_user_set_roles_is_for_administrators_only(make_user, actor_roles, is_staff, allowed):
    from django.core.exceptions import PermissionDenied

    actor = make_user(*actor_roles, is_staff=is_staff)
    target = make_user()
    if allowed:
        user_set_roles(actor=actor, user=target, roles=[Role.TRUSTEE])
        assert user_roles(target) == {"trustee"}
    else:
        with pytest.raises(PermissionDenied):
            user_set_roles(actor=actor, user=target, roles=[Role.TRUSTEE])
        assert AuditEvent.objects.count() == 0


def test_admin_password_change_is_audited(client, make_user):
    from django.urls import reverse

    admin = make_user(is_staff=True, is_superuser=True)
    target = make_user(username="target")
    client.force_login(admin)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": "a-new-long-passphrase-42", "password2": "a-new-long-passphrase-42"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="user.password_changed")
    assert (event.actor_user, event.target_id) == (admin, str(target.pk))
    assert event.after is None  # the password itself is never recorded


def test_role_groups_cannot_be_edited_in_the_admin(client, make_user):
    from django.urls import NoReverseMatch, reverse

    client.force_login(make_user(is_staff=True, is_superuser=True))
    with pytest.raises(NoReverseMatch):
        reverse("admin:auth_group_changelist")
