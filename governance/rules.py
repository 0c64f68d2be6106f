"""Named predicates over (person, object): who may take a step, as django-rules composes them.

Workflow declarations (each app's workflows module) build their "who may" from these, and so do the
rules registered for steps that belong to no workflow (creating a record, editing a suite).
Services, pages (`{% test_rule %}`, `{% workflow_actions %}`) and the API all read the same ones.
"""

import rules

from .audit import AuditActor
from .choices import ActorType, Role
from .permissions import has_role, is_read_only


@rules.predicate
def is_person(user) -> bool:
    """A signed-in person: not the system, not an eval system's token, not anonymous."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "pk", None))


@rules.predicate
def is_system(user) -> bool:
    """The system itself (a scheduled task, or a step that follows another record's)."""
    return isinstance(user, AuditActor) and user.type == ActorType.SYSTEM


@rules.predicate
def is_machine(user) -> bool:
    """Not a person: the system or a machine client acting through a service."""
    return isinstance(user, AuditActor)


def holds(*roles: str) -> rules.Predicate:
    """A person holding one of `roles` who may write (auditors never do)."""
    name = "holds_" + "_or_".join(roles)

    def check(user) -> bool:
        return is_person(user) and not is_read_only(user) and has_role(user, *roles)

    return rules.Predicate(check, name=name)


is_rso = holds(Role.RSO)
is_ceo = holds(Role.CEO)
is_officer = holds(Role.RSO, Role.CEO)
is_safety_staff = holds(Role.SAFETY_STAFF)
is_reviewer = holds(Role.INTERNAL_REVIEWER)
is_director = holds(Role.BOARD_DIRECTOR)
is_trustee = holds(Role.TRUSTEE)


def role_labels(*roles: str, joiner: str = " or ") -> str:
    return joiner.join(Role(role).label for role in roles)


# Steps that belong to no object's workflow; read by the pages (`{% test_rule %}`).
# Putting a framework version in force: the RSO.
rules.set_rule("framework.adopt", is_rso)
# Managing webhook subscriptions: the RSO (the pages and the API let no one else write).
rules.set_rule("webhook.edit", is_rso)
