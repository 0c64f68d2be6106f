"""Reads for "my work": each person's queue across every workflow, read from the declarations'
waits (`Workflow.awaiting`), never worked out page by page.

- `work_awaiting(user)`: what awaits this person (sign, decide, review, acknowledge, vote,
  advise, handle), overdue first, then by due date, then the undated.
- `work_waiting_on_others(user)`: what this person moved (their recent steps, from the audit log)
  that now awaits someone else.
- Area apps add overview panels for the officers (`panels.register_home_panel`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.utils import timezone

from .audit import audit_type
from .models import AuditEvent
from .workflow import REGISTRY, Awaiting, Workflow

logger = logging.getLogger(__name__)

# How far back "what I moved" reaches in the person's own audit events.
RECENT_STEPS = 300


@dataclass(frozen=True)
class WorkItem:
    kind: str
    title: str
    url: str
    state: str
    what: str
    who: tuple[str, ...]
    due: dt.datetime | None
    actions: tuple[tuple[str, str], ...] = field(default=())
    type: str = ""
    id: int | str = ""

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.now()

    @property
    def time_left(self) -> str:
        return time_left_words(self.due)


def time_left_words(due: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "2 days left", "1 day 4 hours left", "3 hours left", "overdue by 2 days": how far `due` is
    from now, in the largest whole units (under two days also in hours, where the 48-hour
    acknowledgement window lives); "no deadline" without one."""
    if due is None:
        return "no deadline"
    seconds = int((due - (now or timezone.now())).total_seconds())
    span = _span_in_words(abs(seconds))
    return f"overdue by {span}" if seconds < 0 else f"{span} left"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _span_in_words(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days >= 2:
        return _plural(days, "day")
    if days == 1:
        return "1 day" + (f" {_plural(hours, 'hour')}" if hours else "")
    if hours:
        return _plural(hours, "hour")
    return _plural(minutes, "minute") if minutes else "less than a minute"


def _person(person) -> str:
    return person.get_full_name() or person.get_username()


def _item(workflow: Workflow, obj, awaiting: Awaiting, user) -> WorkItem:
    actions = workflow.actions(user, obj)
    return WorkItem(
        kind=(workflow.noun or str(obj._meta.verbose_name)).capitalize(),
        title=str(obj),
        url=obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "",
        state=awaiting.state,
        what=awaiting.what,
        who=tuple(_person(person) for person in awaiting.who),
        due=awaiting.due,
        actions=tuple((t.name, t.label) for t in workflow.transitions if t.name in actions),
        type=workflow.name,
        id=obj.pk,
    )


def by_urgency(items: list[WorkItem]) -> list[WorkItem]:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(items, key=lambda item: (item.due is None, item.due or far, item.title))


def _open(workflow: Workflow):
    """Each open object of the workflow with what it awaits (objects awaiting nothing left out);
    an object whose record cannot be read is left out rather than breaking the queue."""
    for obj in workflow.open_objects():
        awaiting = _awaiting(workflow, obj)
        if awaiting is not None:
            yield obj, awaiting


def _awaiting(workflow: Workflow, obj) -> Awaiting | None:
    try:
        return workflow.awaiting(obj)
    except Exception:
        logger.exception("Could not read what %s %s awaits", obj._meta.label, obj.pk)
        return None


def work_awaiting(user) -> list[WorkItem]:
    """What awaits this person now, in every workflow, most urgent first."""
    if not getattr(user, "is_authenticated", False):
        return []
    items = [
        _item(workflow, obj, awaiting, user)
        for workflow in REGISTRY.values()
        for obj, awaiting in _open(workflow)
        if any(person.pk == user.pk for person in awaiting.who)
    ]
    return by_urgency(items)


def work_waiting_on_others(user) -> list[WorkItem]:
    """What this person moved recently that now awaits someone else."""
    if not getattr(user, "is_authenticated", False):
        return []
    by_audit_type = {audit_type(workflow.model): workflow for workflow in REGISTRY.values()}
    touched: dict[str, set[str]] = {}
    recent = (
        AuditEvent.objects.filter(actor_user=user, target_type__in=list(by_audit_type))
        .order_by("-sequence")
        .values_list("target_type", "target_id")[:RECENT_STEPS]
    )
    for target_type, target_id in recent:
        touched.setdefault(target_type, set()).add(target_id)
    items = []
    for target_type, ids in touched.items():
        workflow = by_audit_type[target_type]
        numeric = [pk for pk in ids if pk.isdigit()]
        for obj in workflow.open_objects().filter(pk__in=numeric):
            awaiting = _awaiting(workflow, obj)
            if awaiting is None or not awaiting.who:
                continue
            if any(person.pk == user.pk for person in awaiting.who):
                continue
            items.append(_item(workflow, obj, awaiting, user))
    return by_urgency(items)
