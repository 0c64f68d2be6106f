"""The yearly review of conflict-of-interest declarations: the declarer confirms a declaration
is still accurate, or ends it; a beat task reminds them once a review falls due.

Declaring, and recusal on declared conflicts, live in `board`; who may take each step is
declared in `workflows.board.CONFLICT`. A review is due one year after the last one (a
declaration counts as reviewed when it is made); those dates are read in `selectors`. The
reminder is sent once per review cycle: a reminder dated on or before the last review belongs
to an earlier cycle."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from governance.audit import SYSTEM, Actor, audit_record
from governance.board.models import ConflictDeclaration
from governance.board.selectors import (
    conflict_last_reviewed,
    conflict_review_due_on,
    conflict_review_is_due,
)
from governance.board.workflows.board import CONFLICT, DECLARER_ROLES, judge_at
from governance.services.notifications import notify


def _locked(declaration: ConflictDeclaration, today: dt.date) -> ConflictDeclaration:
    declaration = ConflictDeclaration.objects.select_for_update().get(pk=declaration.pk)
    return judge_at(declaration, today=today)


@transaction.atomic
def conflict_review(
    *, actor: Actor, declaration: ConflictDeclaration, today: dt.date | None = None
) -> ConflictDeclaration:
    """The declarer confirms the declaration is still accurate; the next review is due in a
    year."""
    today = today or timezone.localdate()
    declaration = _locked(declaration, today)
    step = CONFLICT.require(actor, declaration, "review")
    before = declaration.reviewed_on
    declaration.reviewed_on = today
    declaration.save(update_fields=["reviewed_on"])
    audit_record(
        actor=actor,
        action=step.audit,
        target=declaration,
        before={"reviewed_on": before.isoformat() if before else None},
        after={"reviewed_on": today.isoformat()},
    )
    return declaration


@transaction.atomic
def conflict_end(
    *,
    actor: Actor,
    declaration: ConflictDeclaration,
    ends_on: dt.date,
    today: dt.date | None = None,
) -> ConflictDeclaration:
    """The declarer says when the interest ended (or ends). Recusals already fixed on open
    motions stand; from the day after, the declaration recuses no one."""
    today = today or timezone.localdate()
    declaration = _locked(declaration, today)
    step = CONFLICT.require(actor, declaration, "end")
    if ends_on < declaration.starts_on:
        raise ValidationError({"ends_on": "A declaration cannot end before it starts."})
    before = declaration.ends_on
    declaration.ends_on = ends_on
    declaration.save(update_fields=["ends_on"])
    audit_record(
        actor=actor,
        action=step.audit,
        target=declaration,
        before={"ends_on": before.isoformat() if before else None},
        after={"ends_on": ends_on.isoformat()},
    )
    return declaration


def conflict_reviews_remind(*, today: dt.date | None = None) -> int:
    """Tell each declarer, once per review cycle, that a declaration of theirs still in force
    is due for its yearly review. Only people who can still review (directors and trustees)
    are reminded. Returns how many reminders were sent."""
    today = today or timezone.localdate()
    # No review falls due sooner than 365 days after the last one, so this narrows the rows
    # read; the exact date is checked below.
    cutoff = today - dt.timedelta(days=365)
    candidates = (
        ConflictDeclaration.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .filter(
            Q(reviewed_on__lte=cutoff) | Q(reviewed_on__isnull=True, created_at__date__lte=cutoff)
        )
        .filter(Q(review_reminded_on__isnull=True) | Q(review_reminded_on__lte=F("reviewed_on")))
        .filter(user__is_active=True, user__groups__name__in=DECLARER_ROLES)
        .distinct()
        .values_list("pk", flat=True)
    )
    step = CONFLICT.transition("remind")
    sent = 0
    for pk in list(candidates):
        with transaction.atomic():
            declaration = (
                ConflictDeclaration.objects.select_for_update().select_related("user").get(pk=pk)
            )
            last_reviewed = conflict_last_reviewed(declaration)
            reminded = declaration.review_reminded_on
            if not conflict_review_is_due(declaration, today) or (
                reminded is not None and reminded > last_reviewed
            ):
                continue  # not yet due (29 February), or reminded meanwhile
            declaration.review_reminded_on = today
            declaration.save(update_fields=["review_reminded_on"])
            due_on = conflict_review_due_on(declaration)
            audit_record(
                actor=SYSTEM,
                action=step.audit,
                target=declaration,
                after={"due_on": due_on.isoformat()},
            )
            notify(
                event_type="conflict.review_due",
                users=step.recipients(declaration),
                title=f"Review your conflict declaration: {declaration.organisation}",
                body=f"It was last confirmed on {last_reviewed:%Y-%m-%d}. Confirm it is still "
                "accurate, or end it, on the conflicts register.",
                link=declaration.get_absolute_url(),
                payload={"declaration": declaration.pk, "due_on": due_on.isoformat()},
            )
            sent += 1
    return sent
