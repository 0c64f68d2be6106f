"""The officers' overview on the home page and in /api/v1/me/work/: open escalations by
severity and restrictions pending a decision (registered in OversightConfig.ready)."""

from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from governance.choices import ESCALATION_OPEN_STATES, RestrictionState, Severity
from governance.my_work import time_left_words
from governance.panels import HomePanel
from governance.rules import is_officer

from .models import Escalation, Restriction
from .workflows.escalations import LIFT, RESTRICTION, WAIVER


def _officers(user) -> bool:
    return bool(is_officer.test(user, None))


def open_escalations_by_severity(user) -> list[dict]:
    """Per severity, most severe first: how many are open, how many unacknowledged or late."""
    now = timezone.now()
    open_ = Escalation.objects.filter(state__in=ESCALATION_OPEN_STATES)
    counts = dict(open_.values_list("severity").annotate(n=Count("pk")))
    late = dict(open_.filter(due_at__lt=now).values_list("severity").annotate(n=Count("pk")))
    rows = []
    for severity in sorted(Severity, key=lambda s: -s.rank):
        count = counts.get(severity.value, 0)
        if not count:
            continue
        query = urlencode({"severity": severity.value})
        overdue = late.get(severity.value, 0)
        rows.append(
            {
                "label": f"{severity.label} severity",
                "count": count,
                "detail": f"{count} open" + (f", {overdue} overdue" if overdue else ""),
                "badge": "overdue" if overdue else "",
                "url": f"{reverse('escalation-list')}?{query}",
            }
        )
    return rows


def restrictions_pending_decision(user) -> list[dict]:
    """Restrictions that block until the RSO and the CEO decide: proposed ones, and those whose
    interim measures ended or whose lift or waiver one of them has signed."""
    pending = (
        Restriction.objects.filter(
            state__in=(RestrictionState.PROPOSED, RestrictionState.ACTIVE, RestrictionState.WAIVED)
        )
        .select_related("model", "escalation")
        .order_by("created_at")
    )
    rows = []
    for restriction in pending:
        awaiting = RESTRICTION.awaiting(restriction)
        if awaiting is None or not awaiting.who:
            continue
        if restriction.state == RestrictionState.ACTIVE and not _decision_started(restriction):
            continue
        rows.append(
            {
                "label": str(restriction),
                "detail": f"Awaits {awaiting.what}",
                "badge": "blocking" if restriction.state != RestrictionState.WAIVED else "",
                "due": awaiting.due.isoformat() if awaiting.due else None,
                "time_left": time_left_words(awaiting.due) if awaiting.due else "",
                "url": restriction.get_absolute_url(),
            }
        )
    return rows


def _decision_started(restriction: Restriction) -> bool:
    return LIFT.is_started(restriction) or WAIVER.is_started(restriction)


OVERSIGHT_PANELS = (
    HomePanel(
        key="escalations_by_severity",
        title="Open escalations by severity",
        rows=open_escalations_by_severity,
        visible_to=_officers,
        empty="No open escalation.",
        order=10,
    ),
    HomePanel(
        key="restrictions_pending",
        title="Restrictions pending a decision",
        rows=restrictions_pending_decision,
        visible_to=_officers,
        empty="No restriction awaits a decision.",
        order=20,
    ),
)
