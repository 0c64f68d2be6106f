import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from governance.choices import Role
from governance.permissions import (
    can_read,
    can_view_audit_log,
    can_write,
    has_role,
    is_read_only,
    require_role,
    user_roles,
)

pytestmark = pytest.mark.django_db


def test_user_roles_ignores_groups_that_are_not_roles(make_user):
    from django.contrib.auth.models import Group

    user = make_user(Role.RSO)
    user.groups.add(Group.objects.create(name="book-club"))
    assert user_roles(user) == {"rso"}


def test_anonymous_user_has_no_roles_and_cannot_read():
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert user_roles(anonymous) == frozenset()
    assert not can_read(anonymous)
    assert not can_write(anonymous, [Role.RSO])


@pytest.mark.parametrize(
    ("roles", "readable", "writable_as_rso", "audit"),
    [
        ([Role.SAFETY_STAFF], True, False, False),
        ([Role.RSO], True, True, True),
        ([Role.CEO], True, False, True),
        ([Role.AUDITOR], True, False, True),
        ([Role.AUDITOR, Role.RSO], True, False, True),  # auditors stay read-only
        ([], False, False, False),
    ],
)
def test_role_matrix(make_user, roles, readable, writable_as_rso, audit):
    user = make_user(*roles)
    assert can_read(user) is readable
    assert can_write(user, [Role.RSO]) is writable_as_rso
    assert can_view_audit_log(user) is audit


def test_staff_admin_reads_but_holds_no_workflow_role(make_user):
    admin = make_user(is_staff=True)
    assert can_read(admin) and can_view_audit_log(admin)
    assert not has_role(admin, *Role)


def test_require_role_names_the_missing_role(make_user):
    with pytest.raises(PermissionDenied, match="Responsible Scaling Officer"):
        require_role(make_user(Role.CEO), Role.RSO)
    assert is_read_only(make_user(Role.AUDITOR))


def test_auditor_is_refused_any_post_but_logout(client_for):
    client = client_for(Role.AUDITOR)
    response = client.post(reverse("api:me"))
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert client.post(reverse("logout")).status_code == 302


def test_user_without_role_sees_no_audit_log(client_for):
    client = client_for()
    assert client.get(reverse("audit-list")).status_code == 403
    assert client.get(reverse("api:auditevent-list")).status_code == 403
