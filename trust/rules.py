"""Who may take the Trust's steps: named predicates over (person, consultation or election),
composed with the core's role predicates (governance/rules.py) by the declarations in
trust/workflows.py."""

import rules

from governance.board.services.board import conflicted
from governance.rules import is_trustee

from .selectors import trustees_sitting


def _pk(user):
    return getattr(user, "pk", None)


@rules.predicate
def has_current_term(user) -> bool:
    """A trustee whose term covers today (holding the role alone is not enough)."""
    pk = _pk(user)
    return pk is not None and pk in {person.pk for person in trustees_sitting()}


is_sitting_trustee = is_trustee & has_current_term


@rules.predicate
def is_recused(user, consultation) -> bool:
    """A conflict of interest declared with an organisation the policy change names."""
    return bool(conflicted([user], consultation.policy_change.organisations))


@rules.predicate
def has_advised(user, consultation) -> bool:
    pk = _pk(user)
    return pk is not None and consultation.advice.filter(trustee_id=pk).exists()


@rules.predicate
def is_elector(user, election) -> bool:
    """Among the trustees sitting when the election opened (the candidate excepted)."""
    pk = _pk(user)
    return pk is not None and election.electors.filter(pk=pk).exists()


@rules.predicate
def has_voted(user, election) -> bool:
    pk = _pk(user)
    return pk is not None and election.votes.filter(trustee_id=pk).exists()
