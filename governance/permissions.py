"""Who may do what: the one place roles are checked, for pages, the API and services.

Roles are Django auth groups named after `Role` values. Auditors read everything and write
nothing; that is enforced here and again by ReadOnlyRoleMiddleware for every unsafe request.
Separation of duties between roles is checked by the services that make each transition.
"""

from collections.abc import Iterable

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .choices import Role

READ_ONLY_ROLES = frozenset({Role.AUDITOR})
ALL_ROLES = frozenset(Role)
# Who may read the audit log besides administrators.
AUDIT_READERS = frozenset({Role.AUDITOR, Role.RSO, Role.CEO})
# Who may read the board's and the Trust's records: motions, votes, consultations, conflicts.
BOARD_READERS = frozenset({Role.BOARD_DIRECTOR, Role.TRUSTEE, Role.AUDITOR, Role.RSO, Role.CEO})


def user_roles(user) -> frozenset[str]:
    """The user's roles, read once per request and cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_governance_roles", None)
    if cached is None:
        names = user.groups.values_list("name", flat=True)
        cached = frozenset(name for name in names if name in ALL_ROLES)
        user._governance_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def is_read_only(user) -> bool:
    return bool(user_roles(user) & READ_ONLY_ROLES)


def can_read(user, roles: Iterable[str] = ALL_ROLES) -> bool:
    """Readers are the given roles, auditors always, and administrators."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff or has_role(user, *roles, *READ_ONLY_ROLES)


def can_write(user, roles: Iterable[str]) -> bool:
    if not getattr(user, "is_authenticated", False) or is_read_only(user):
        return False
    return has_role(user, *roles)


def can_view_audit_log(user) -> bool:
    return can_read(user, AUDIT_READERS)


def require_role(user, *roles: str, message: str = "") -> None:
    """For services: refuse the action unless the user holds one of the roles."""
    if not can_write(user, roles):
        labels = ", ".join(Role(role).label for role in roles)
        raise PermissionDenied(message or f"This action needs one of these roles: {labels}.")


def require_person(actor, roles: Iterable[str], what: str) -> None:
    """For services: refuse unless a signed-in person (not the system) holding one of the roles
    takes the step; the message says who may."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(f"Only a person may {what}.")
    roles = tuple(roles)
    if is_read_only(actor) or not has_role(actor, *roles):
        labels = " or ".join(Role(role).label for role in roles)
        raise PermissionDenied(f"Only {labels} may {what}.")


class RoleRequiredMixin(AccessMixin):
    """Class-based views: log in first, then hold a reading role (or a writing one to POST)."""

    read_roles: Iterable[str] = ALL_ROLES
    write_roles: Iterable[str] = ()
    # Form pages: even showing the form needs a writing role.
    writers_only = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.method in SAFE_METHODS and not self.writers_only:
            allowed = can_read(request.user, self.read_roles)
        else:
            allowed = self.may_write(request.user)
        if not allowed:
            raise PermissionDenied("Your role does not give access to this page.")
        return super().dispatch(request, *args, **kwargs)

    def may_write(self, user) -> bool:
        """Override where writers are not only role holders (e.g. administrators too)."""
        return can_write(user, self.write_roles)


class IsReader(BasePermission):
    """API default: any role (or an administrator) may read; nobody may write."""

    read_roles: Iterable[str] = ALL_ROLES
    write_roles: Iterable[str] = ()

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return can_read(request.user, self.read_roles)
        return can_write(request.user, self.write_roles)


def api_roles(*, read: Iterable[str] = ALL_ROLES, write: Iterable[str] = ()) -> type[IsReader]:
    """An API permission class for a viewset: `permission_classes = [api_roles(write=...)]`."""
    return type(
        "RolePermission",
        (IsReader,),
        {"read_roles": frozenset(read), "write_roles": frozenset(write)},
    )


class IsPerson(BasePermission):
    """A signed-in person, not a machine client (their inbox, their own records)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(getattr(user, "is_authenticated", False) and getattr(user, "pk", None))


class MayReadClearance(BasePermission):
    """Pipelines (machine tokens) and anyone who may read the registry."""

    def has_permission(self, request, view) -> bool:
        if getattr(request.user, "eval_system", None) is not None:
            return True
        return can_read(request.user)
