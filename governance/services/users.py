"""Users: roles, access changes and sessions. Every change is audited."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction

from ..audit import Actor, AuditActor, audit_record
from ..choices import ActorType, Role

User = get_user_model()


def user_snapshot(user) -> dict[str, Any]:
    """What the audit log keeps of a user's access: roles and flags, never the password."""
    return {
        "username": user.get_username(),
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "roles": sorted(user.groups.filter(name__in=list(Role)).values_list("name", flat=True)),
    }


def roles_ensure_groups() -> None:
    """Create the auth group of every role (idempotent; migrations and seed_demo call it)."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def _require_administrator(actor: Actor) -> None:
    if isinstance(actor, AuditActor):
        return
    if not (getattr(actor, "is_authenticated", False) and actor.is_staff):
        raise PermissionDenied("Only an administrator changes people's roles.")


@transaction.atomic
def user_set_roles(*, actor: Actor, user, roles: Iterable[str]) -> None:
    """Replace the user's roles with exactly `roles`, and audit the change. Administrators
    (and the system, for seed data) only."""
    _require_administrator(actor)
    wanted = set(roles)
    unknown = wanted - set(Role)
    if unknown:
        raise ValueError(f"Unknown role(s): {', '.join(sorted(unknown))}")
    User.objects.select_for_update().filter(pk=user.pk).first()  # one role change at a time
    before = user_snapshot(user)
    if set(before["roles"]) == wanted:
        return
    roles_ensure_groups()
    other_groups = user.groups.exclude(name__in=list(Role))
    user.groups.set([*other_groups, *Group.objects.filter(name__in=wanted)])
    user.__dict__.pop("_governance_roles", None)
    audit_record(
        actor=actor,
        action="user.roles_changed",
        target=user,
        before=before,
        after=user_snapshot(user),
    )


@transaction.atomic
def user_record_access_change(*, actor: Actor, user, before: dict[str, Any] | None) -> None:
    """Audit a user's creation or a change of access (roles, flags), if anything changed."""
    after = user_snapshot(user)
    if before == after:
        return
    action = "user.created" if before is None else "user.access_changed"
    audit_record(actor=actor, action=action, target=user, before=before, after=after)


@transaction.atomic
def user_record_password_change(*, actor: Actor, user) -> None:
    """Audit that someone set a user's password (never the password itself)."""
    audit_record(actor=actor, action="user.password_changed", target=user)


def user_log_in(*, request, user) -> None:
    with transaction.atomic():
        login(request, user)
        audit_record(actor=user, action="user.logged_in", target=user)


def user_log_out(*, request) -> None:
    user = request.user
    with transaction.atomic():
        if user.is_authenticated:
            audit_record(actor=user, action="user.logged_out", target=user)
        logout(request)


# Sign-in guessing: failures and lockouts on the record, and an administrator's unlock.


def _address(request) -> str:
    return str(getattr(request, "axes_ip_address", "") or request.META.get("REMOTE_ADDR", ""))


def _sign_in_actor(request) -> AuditActor:
    return AuditActor(type=ActorType.ANONYMOUS, label="a sign-in attempt", ref=_address(request))


def user_record_login_failure(*, request, username: str) -> None:
    """A wrong password (or a locked account) on /login/ or /admin/login/."""
    if request is None:
        return
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    audit_record(
        actor=_sign_in_actor(request),
        action="user.login_failed",
        target=user,
        after={"username": username[:150], "address": _address(request), "path": request.path},
    )


def user_record_lockout(*, request, username: str) -> None:
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    audit_record(
        actor=_sign_in_actor(request),
        action="user.locked_out",
        target=user,
        after={"username": (username or "")[:150], "address": _address(request)},
    )


@transaction.atomic
def user_unlock_sign_in(*, actor: Actor, user) -> int:
    """Lift a sign-in lockout before it expires. Administrators only; audited."""
    from axes.utils import reset

    _require_administrator(actor)
    cleared = reset(username=user.get_username())
    audit_record(
        actor=actor, action="user.sign_in_unlocked", target=user, after={"cleared": cleared}
    )
    return cleared
