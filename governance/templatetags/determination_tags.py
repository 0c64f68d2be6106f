"""Tags for the determination and safeguards pages: each finding beside the model's standing,
where the two signatures stand for the person reading, and what each listed record awaits.

`signing_state` is deliberately small: a shared signing-state tag (governance/templatetags/
signing.py) may replace it; the pages read only `.you_signed`, `.you_signed_at`, `.your_title`,
`.slot_title`, `.waiting_for`, `.still_needed_after_you`, `.complete` and `.text`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import template
from django.utils import timezone

register = template.Library()


@register.simple_tag
def finding_standings(determination, evidence_links=()) -> list[tuple]:
    """`{% finding_standings determination findings as rows %}`: (standing, links) for each
    finding, its standing beside the model's for that threshold over all snapshots
    (governance/determinations/standing.py), and the evidence links the page was given as
    (finding, links) pairs; a finding the page gave none for has its links read here."""
    from governance.determinations.selectors import finding_evidence_links
    from governance.determinations.standing import finding_standings as standings

    given = {finding.pk: links for finding, links in evidence_links or ()}
    return [
        (
            standing,
            given[standing.finding.pk]
            if standing.finding.pk in given
            else finding_evidence_links(standing.finding),
        )
        for standing in standings(determination)
    ]


def _two_key(obj):
    """The TwoKey declared for the record's two signatures, if it has one."""
    from governance.determinations.models import Determination, SafeguardsReport
    from governance.determinations.workflows.determinations import DECISION
    from governance.determinations.workflows.safeguards import APPROVAL

    return {Determination: DECISION, SafeguardsReport: APPROVAL}.get(type(obj))


@dataclass(frozen=True)
class SigningState:
    """Where the RSO's and the CEO's signatures stand, as the person reading sees them."""

    you_signed: bool
    you_signed_at: dt.datetime | None
    # Whose signature the reader gave ("the RSO"), or would give now ("" when none).
    your_title: str
    slot_title: str
    # Whose signatures are still missing: "the CEO", "the RSO and the CEO", "" when complete;
    # and which of them would still be missing once the reader has signed.
    waiting_for: str
    still_needed_after_you: str
    complete: bool
    text: str


def _signed_at(two_key, obj, slot: str) -> dt.datetime | None:
    """When a slot was signed: its own timestamp where the record keeps one, else the audit
    event that recorded the signature."""
    if two_key.timed:
        return getattr(obj, f"{two_key.prefix}_{slot}_at", None)
    from governance.selectors import audit_events_for_target

    event = (
        audit_events_for_target(obj)
        .filter(actor_user_id=two_key.signer_id(obj, slot), after__signature=slot)
        .order_by("-sequence")
        .first()
    )
    return event.created_at if event is not None else None


@register.simple_tag(takes_context=True)
def signing_state(context, obj) -> SigningState | None:
    """`{% signing_state determination as signing %}`: "You signed on ... · waiting for the CEO"
    for a signer, the two-key's own words for everyone else; None for a record without one."""
    from governance.signatures import TITLE_OF_SLOT

    two_key = _two_key(obj)
    if two_key is None:
        return None
    request = context.get("request")
    user = getattr(request, "user", None)
    pk = getattr(user, "pk", None) or 0  # nobody signs as a person without a pk
    mine = [slot for slot in two_key.signed_slots(obj) if two_key.signer_id(obj, slot) == pk]
    missing = [TITLE_OF_SLOT[slot] for slot in two_key.missing_slots(obj)]
    open_slot = two_key.slot_for(user, obj) if user is not None else None
    return SigningState(
        you_signed=bool(mine),
        you_signed_at=_signed_at(two_key, obj, mine[0]) if mine else None,
        your_title=TITLE_OF_SLOT[mine[0]] if mine else "",
        slot_title=TITLE_OF_SLOT[open_slot] if open_slot else "",
        waiting_for=" and ".join(missing),
        still_needed_after_you=" and ".join(
            title for title in missing if title != TITLE_OF_SLOT.get(open_slot or "")
        ),
        complete=two_key.is_complete(obj),
        text=two_key.state_text(obj),
    )


@register.simple_tag
def awaiting_rows(objects) -> list[tuple]:
    """`{% awaiting_rows page_obj.object_list as rows %}`: each record with what it awaits, from
    whom and by when (the workflow declaration's `awaiting`), overdue first, then by due date,
    else in the list's order."""
    from governance.workflow import workflow_for

    now = timezone.now()
    rows = []
    for position, obj in enumerate(objects):
        workflow = workflow_for(obj)
        awaits = workflow.awaiting(obj) if workflow is not None else None
        due = awaits.due if awaits is not None else None
        overdue = due is not None and due <= now
        rows.append(((not overdue, due is None, due or now, position), obj, awaits, overdue))
    rows.sort(key=lambda row: row[0])
    return [(obj, awaits, overdue) for _, obj, awaits, overdue in rows]
