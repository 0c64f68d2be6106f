"""Telling people what awaits them, in every workflow, from the declarations' waits.

After each step (a workflow transition, or any audited change to a declared object) commits,
the object's `awaiting` is read again and each person it now awaits is told once: inbox, email
and webhooks, saying what is asked, of whom, by when, with a link. The sweep does the same for
every open object, so a wait that begins with time (a meeting that has taken place) or a step
whose after-commit work was lost (the process died) is told too.

Each person is told once per (object, state, wait): `AwaitedNotice` records it. A person the step
itself already told (the step's own notification links to the same object) or who took the step
is not told again; their notice is recorded all the same.
"""

import datetime as dt
import logging
from functools import partial

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import AwaitedNotice, Notification
from ..my_work import time_left_words
from ..workflow import REGISTRY, Awaiting, workflow_for
from .notifications import notify

logger = logging.getLogger(__name__)


def awaited_tell_after_commit(obj, actor) -> None:
    """Called by `Workflow.require` and `audit_record` inside the step's transaction."""
    if obj is None or obj.pk is None or workflow_for(obj) is None:
        return
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the step has not happened yet; the sweep will tell them.
        return
    actor_pk = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    transaction.on_commit(
        partial(_tell_after_commit, obj._meta.label_lower, obj.pk, actor_pk, timezone.now()),
        robust=True,
    )


def _tell_after_commit(label: str, pk, actor_pk, since: dt.datetime) -> None:
    model = apps.get_model(label)
    obj = model._default_manager.filter(pk=pk).first()
    if obj is not None:
        awaited_tell(obj, actor_pk=actor_pk, since=since)


def _due_words(due: dt.datetime | None, now: dt.datetime) -> str:
    if due is None:
        return "No deadline."
    when = timezone.localtime(due).strftime("%d %b %Y %H:%M %Z")
    return f"Due {when} ({time_left_words(due, now)})."


def _names(people) -> str:
    return ", ".join(person.get_full_name() or person.get_username() for person in people)


@transaction.atomic
def awaited_tell(obj, *, actor_pk=None, since: dt.datetime | None = None) -> int:
    """Tell each person `obj` awaits, who has not been told of this wait, what is asked of them.
    Returns how many were told."""
    workflow = workflow_for(obj)
    content_type = ContentType.objects.get_for_model(obj)
    notices = AwaitedNotice.objects.filter(content_type=content_type, object_id=str(obj.pk))
    awaiting = workflow.awaiting(obj)
    state = awaiting.state if awaiting else str(workflow.state_of(obj))
    # A state left behind: entering it again asks again.
    notices.exclude(state=state).delete()
    if awaiting is None or not awaiting.who:
        return 0
    told = set(notices.filter(state=state, wait=awaiting.wait).values_list("user_id", flat=True))
    people = [p for p in awaiting.who if p.pk not in told and p.is_active]
    if not people:
        return 0
    link = _link(obj)
    # Not the one who took the step, nor anyone the step already told of this object or of
    # another wait it began (a change sent to consultation awaits the Trust's advice twice:
    # the change's and the consultation's): one step, one message each.
    already = {actor_pk} if actor_pk else set()
    if since is not None:
        told_by_step = Notification.objects.filter(user__in=people, created_at__gte=since)
        about = Q(event_type__endswith=".awaiting") | (Q(link=link) if link else Q(pk__in=[]))
        told_by_step = told_by_step.filter(about)
        already |= set(told_by_step.values_list("user_id", flat=True))
    to_tell = [p for p in people if p.pk not in already]
    sent = _send(workflow, obj, awaiting, to_tell, link) if to_tell else []
    notifications = {n.user_id: n for n in sent}
    for person in people:
        try:
            with transaction.atomic():
                AwaitedNotice.objects.create(
                    content_type=content_type,
                    object_id=str(obj.pk),
                    state=state,
                    wait=awaiting.wait,
                    user=person,
                    notification=notifications.get(person.pk),
                )
        except IntegrityError:
            # Told at the same moment by another step or the sweep.
            pass
    return len(to_tell)


def _link(obj) -> str:
    try:
        return obj.get_absolute_url()
    except AttributeError:
        return ""


def _send(workflow, obj, awaiting: Awaiting, people, link: str) -> list[Notification]:
    noun = workflow.noun or obj._meta.verbose_name
    now = timezone.now()
    due = _due_words(awaiting.due, now)
    return notify(
        event_type=f"{workflow.name}.awaiting",
        users=people,
        title=f"Awaiting you: {awaiting.what} ({noun}: {obj})",
        body=(
            f"The {noun} “{obj}” awaits {awaiting.what}.\nAsked of: {_names(awaiting.who)}.\n{due}"
        ),
        link=link,
        payload={
            "object": {"type": obj._meta.label_lower, "id": obj.pk, "state": awaiting.state},
            "what": awaiting.what,
            "who": [person.get_username() for person in awaiting.who],
            "due": awaiting.due.isoformat() if awaiting.due else None,
        },
        webhooks=workflow.webhooks(obj),
    )


def awaited_sweep() -> int:
    """Tell whoever every open object awaits and has not been told; returns how many."""
    told = 0
    for workflow in REGISTRY.values():
        for obj in workflow.open_objects().iterator(chunk_size=200):
            try:
                told += awaited_tell(obj)
            except Exception:
                # One object's broken record must not stop the others being told.
                logger.exception("Could not tell who %s %s awaits", obj._meta.label, obj.pk)
    return told
