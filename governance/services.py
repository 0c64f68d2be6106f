"""Writes of the core app: users' roles and sessions. Every change is audited."""

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .audit import Actor, audit_chain_verify, audit_record
from .choices import Role
from .models import AuditVerification

logger = logging.getLogger(__name__)

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


@transaction.atomic
def user_set_roles(*, actor: Actor, user, roles: Iterable[str]) -> None:
    """Replace the user's roles with exactly `roles`, and audit the change."""
    wanted = set(roles)
    unknown = wanted - set(Role)
    if unknown:
        raise ValueError(f"Unknown role(s): {', '.join(sorted(unknown))}")
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


def audit_log_check() -> AuditVerification:
    """Verify the whole audit chain and keep the outcome for the auditors' home page."""
    report = audit_chain_verify()
    verification = AuditVerification.objects.create(
        checked_at=timezone.now(),
        ok=report.ok,
        events_verified=report.events_verified,
        last_hash=report.last_hash,
        first_broken_sequence=report.broken_sequence,
        detail=report.describe(),
    )
    if not report.ok:
        logger.error("audit chain broken: %s", report.describe())
    return verification
