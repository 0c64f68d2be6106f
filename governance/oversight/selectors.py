"""Named reads of oversight, shared by the pages, the API and the services."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least
from django.utils import timezone

from governance.audit import audit_type
from governance.choices import (
    ESCALATION_OPEN_STATES,
    RESTRICTION_FOR_ACTION,
    ClearanceAction,
    DeterminationState,
    EscalationKind,
    EscalationLevel,
    EscalationState,
    RestrictionState,
    Role,
    Severity,
)
from governance.determinations.models import Determination
from governance.determinations.selectors import deployment_gaps
from governance.determinations.workflows.determinations import DECISION
from governance.my_work import time_left_words
from governance.oversight.models import (
    RESTRICTION_SIGNERS,
    Escalation,
    NoncomplianceReport,
    Restriction,
)
from governance.oversight.workflows.escalations import (
    ACKNOWLEDGE_WITHIN,
    ESCALATION,
    LIFT,
    WAIVER,
    decision_awaited,
    waiver_pending,
)
from governance.permissions import has_role
from governance.registry.models import AIModel, Snapshot
from governance.selectors import framework_version_in_force

# An escalation's due date when the framework version in force sets no deadline.
DEFAULT_DECISION_DAYS = 30

# Escalations


def escalations_list() -> QuerySet[Escalation]:
    """Escalations with what a list row shows, newest activity first."""
    return Escalation.objects.select_related("model", "threshold", "assignee", "snapshot").order_by(
        "-updated_at"
    )


def escalation_detail() -> QuerySet[Escalation]:
    """Escalations with their timeline and their restrictions (with each one's model and
    signers): what the detail page and the API's detail show."""
    return escalations_list().prefetch_related(
        "events",
        Prefetch(
            "restrictions",
            queryset=Restriction.objects.select_related("model", *RESTRICTION_SIGNERS),
        ),
    )


def escalation_resolving_determinations(escalation: Escalation) -> QuerySet[Determination]:
    """The determinations that may resolve the escalation, latest decision first: the decided
    or final ones on its model, and none unless it is a threshold escalation."""
    if escalation.kind != EscalationKind.THRESHOLD:
        return Determination.objects.none()
    return Determination.objects.filter(
        model_id=escalation.model_id,
        state__in=[DeterminationState.DECIDED, DeterminationState.FINAL],
    ).order_by("-decided_at")


def escalations_open_below_board() -> QuerySet[Escalation]:
    """Open escalations not yet raised to the board: those the deadline check may raise."""
    return Escalation.objects.filter(
        state__in=ESCALATION_OPEN_STATES, level__lt=EscalationLevel.BOARD
    ).select_related("model", "threshold")


def capability_determination_days() -> int:
    """Days the framework version in force gives for a capability determination: how long
    an escalation has before it is due."""
    version = framework_version_in_force()
    if version is not None:
        rule = version.governance_rules.filter(decision="capability_determination").first()
        if rule is not None and rule.deadline_days:
            return rule.deadline_days
    return DEFAULT_DECISION_DAYS


def ai_models_with_snapshots() -> QuerySet[AIModel]:
    """Every model with its snapshots: what the cadence check walks."""
    return AIModel.objects.prefetch_related("snapshots")


def largest_compute_snapshot(model: AIModel) -> Snapshot | None:
    """The model's snapshot with the most training compute on record: a pause's compute cap."""
    return (
        model.snapshots.exclude(training_compute_flop=None)
        .order_by("-training_compute_flop")
        .first()
    )


# Restrictions


def restrictions_list() -> QuerySet[Restriction]:
    """Restrictions with their model and signers, newest first."""
    return Restriction.objects.select_related("model", *RESTRICTION_SIGNERS).order_by(
        "-created_at", "-pk"
    )


def live_restrictions(model: AIModel) -> list[Restriction]:
    """The model's restrictions that are proposed, active or waived, with their signers and
    escalation: what its page shows."""
    return list(
        Restriction.objects.filter(
            model=model,
            state__in=[RestrictionState.PROPOSED, RestrictionState.ACTIVE, RestrictionState.WAIVED],
        ).select_related(*RESTRICTION_SIGNERS, "escalation")
    )


def model_clearance(model: AIModel, action: ClearanceAction | str) -> dict:
    """May a pipeline train or deploy this model? The policy fails closed: a pause or hold
    blocks from the moment it is proposed (stopping needs no decision), and so does a threshold
    escalation that no determination has resolved. Only the RSO's and the CEO's written interim
    measures, while they last, let the pipeline proceed past those two."""
    action = ClearanceAction(action)
    kind = RESTRICTION_FOR_ACTION[action]
    now = timezone.now()
    restrictions = list(
        Restriction.objects.filter(
            model=model,
            kind=kind,
            state__in=[
                RestrictionState.ACTIVE,
                RestrictionState.PROPOSED,
                RestrictionState.WAIVED,
            ],
        )
        .select_related("activation_rso", "activation_ceo", "waiver_rso", "waiver_ceo")
        .order_by("created_at")
    )
    waived = [r for r in restrictions if r.waiver_in_force(now)]
    reasons, pending = [], []
    for r in restrictions:
        label = r.get_kind_display()
        if r.state == RestrictionState.ACTIVE:
            reasons.append(
                f"{label} active since {r.activated_at:%Y-%m-%d %H:%M} UTC: {r.reason}"
                + (f" (compute cap {r.compute_cap_flop:.3g} FLOP)" if r.compute_cap_flop else "")
            )
        elif r.state == RestrictionState.PROPOSED:
            reasons.append(
                f"{label} proposed {r.created_at:%Y-%m-%d %H:%M} UTC and in effect until the RSO "
                f"and the CEO decide (confirm it, or waive it under written interim measures): "
                f"{r.reason}"
            )
            # Who it waits for, by role and by who signed what (to activate it or to waive it).
            pending.append(f"{label} proposed, pending a decision by {decision_awaited(r)}")
        elif not r.waiver_in_force(now):
            reasons.append(
                f"{label}: the interim measures ended {r.waiver_until:%Y-%m-%d %H:%M} UTC; it "
                f"blocks again until the RSO and the CEO decide: {r.reason}"
            )
    waived_escalations = {r.escalation_id for r in waived}
    for escalation in Escalation.objects.filter(
        model=model, kind=EscalationKind.THRESHOLD, state__in=ESCALATION_OPEN_STATES
    ).order_by("created_at"):
        if escalation.pk not in waived_escalations:
            reasons.append(
                f"Open escalation, not yet resolved by a determination: {escalation.title} "
                f"(opened {escalation.created_at:%Y-%m-%d %H:%M} UTC)."
            )
    if action == ClearanceAction.DEPLOY:
        reasons += deployment_gaps(model)
    return {
        "model": model.pk,
        "action": action.value,
        "result": "blocked" if reasons else "allowed",
        "reasons": reasons,
        "pending": pending,
        "interim_measures": [
            {
                "restriction": r.pk,
                "kind": r.kind,
                "measures": r.waiver_measures,
                "until": r.waiver_until.isoformat(),
                "signed_by": [str(r.waiver_rso), str(r.waiver_ceo)],
            }
            for r in waived
        ],
    }


# Noncompliance reports


def noncompliance_reports_readable_by(user) -> QuerySet[NoncomplianceReport]:
    """The reports `user` may read: every one for an auditor; otherwise their own named reports
    and those routed to a role they hold (the board's when a report concerns the RSO, the RSO's
    otherwise). The queryset form of `workflows.noncompliance.may_read_report`; a test holds the
    two together."""
    reports = NoncomplianceReport.objects.all()
    if has_role(user, Role.AUDITOR):
        return reports
    # No pk (a machine client) must not match the anonymous reports, whose reporter is NULL.
    readable = Q(reporter_id=user.pk) if getattr(user, "pk", None) is not None else Q(pk__in=[])
    if has_role(user, Role.RSO):
        readable |= Q(concerns_rso=False)
    if has_role(user, Role.BOARD_DIRECTOR) and not has_role(user, Role.RSO):
        readable |= Q(concerns_rso=True)
    return reports.filter(readable)


def noncompliance_reports_list(user) -> QuerySet[NoncomplianceReport]:
    """The reports `user` may read, with reporter and handler, newest filed first."""
    return (
        noncompliance_reports_readable_by(user)
        .select_related("reporter", "handler")
        .order_by("-filed_at", "-id")
    )


def noncompliance_report_detail() -> QuerySet[NoncomplianceReport]:
    """Reports with their reporter and handler, unfiltered: the caller decides who may read
    one (the page refuses with a 403; the API's answer to a step goes to whoever took it)."""
    return NoncomplianceReport.objects.select_related("reporter", "handler")


def audit_events_without_reports_about_the_rso(user, events):
    """The RSO and the CEO do not see the events of noncompliance reports that concern the RSO:
    the board handles those, and their events name the reporter and the handler. (Registered
    with the core's audit log reads; auditors and administrators are never redacted.)"""
    about_rso = (
        NoncomplianceReport.objects.filter(concerns_rso=True)
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    return events.exclude(target_type=audit_type(NoncomplianceReport), target_id__in=about_rso)


# Lists that carry risk: what a row of the models list and of the escalations list shows, read
# for a whole page at once (a few queries however many rows: a long list must stay cheap).

LIVE_RESTRICTION_STATES = (
    RestrictionState.PROPOSED,
    RestrictionState.ACTIVE,
    RestrictionState.WAIVED,
)


@dataclass(frozen=True)
class RestrictionBadge:
    """A live restriction as a list shows it, in words: 'Pause training · Proposed, blocking',
    and the signatures it awaits ('' when none is awaited)."""

    restriction: Restriction
    label: str
    status: str
    blocking: bool
    awaits: str

    @property
    def text(self) -> str:
        return f"{self.label} · {self.status}"


def restriction_badge(restriction: Restriction, now: dt.datetime) -> RestrictionBadge:
    """The restriction's status and the signatures it awaits. Proposed, it blocks at once (a
    stop needs no decision); waived, it blocks again once the interim measures end."""
    r = restriction
    awaits = ""
    if waiver_pending(r):
        awaits = f"{WAIVER.awaits(r)} on interim measures"
    elif r.state == RestrictionState.PROPOSED:
        awaits = f"a decision by {decision_awaited(r)}"
    elif r.state in (RestrictionState.ACTIVE, RestrictionState.WAIVED) and LIFT.is_started(r):
        awaits = f"{LIFT.awaits(r)} to lift it"
    if r.state == RestrictionState.PROPOSED:
        status, blocking = "Proposed, blocking until decided", True
    elif r.state == RestrictionState.ACTIVE:
        status, blocking = "Active, blocking", True
    elif r.waiver_in_force(now):
        status, blocking = f"Waived until {r.waiver_until:%d %b %Y} (interim measures)", False
    else:
        status, blocking = "Interim measures ended, blocking again", True
        awaits = awaits or "a new decision by the RSO and the CEO"
    return RestrictionBadge(r, r.get_kind_display(), status, blocking, awaits)


def live_restriction_badges_by_model(
    model_ids, *, now: dt.datetime | None = None
) -> dict[int, list[RestrictionBadge]]:
    """For each model, its proposed, active and waived restrictions as badges, in one query."""
    now = now or timezone.now()
    restrictions = (
        Restriction.objects.filter(model_id__in=list(model_ids), state__in=LIVE_RESTRICTION_STATES)
        .select_related(*RESTRICTION_SIGNERS)
        .order_by("kind", "created_at", "pk")
    )
    badges: dict[int, list[RestrictionBadge]] = {}
    for restriction in restrictions:
        badges.setdefault(restriction.model_id, []).append(restriction_badge(restriction, now))
    return badges


@dataclass(frozen=True)
class OpenEscalations:
    """A model's open escalations, counted by severity."""

    by_severity: dict[str, int]

    @property
    def count(self) -> int:
        return sum(self.by_severity.values())

    @property
    def severity_text(self) -> str:
        """'1 high, 2 medium': most severe first."""
        return ", ".join(
            f"{self.by_severity[s]} {s.label.lower()}"
            for s in sorted(Severity, key=lambda s: -s.rank)
            if self.by_severity.get(s)
        )

    @property
    def worst(self) -> str:
        return max(self.by_severity, key=lambda s: Severity(s).rank)


def open_escalations_by_model(model_ids) -> dict[int, OpenEscalations]:
    """For each model with open (or acknowledged) escalations, their count by severity, in one
    query."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Escalation.objects.filter(model_id__in=list(model_ids), state__in=ESCALATION_OPEN_STATES)
        .values_list("model_id", "severity")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for model_id, severity, n in rows:
        counts.setdefault(model_id, {})[severity] = n
    return {model_id: OpenEscalations(by_severity) for model_id, by_severity in counts.items()}


def _acknowledge_by_expression():
    """`acknowledge_by` (workflows.escalations) in SQL, to sort by: 48 hours after opening but
    no later than the due date at the assignee's level; 48 hours after the last raise above it.
    A test holds the two together."""
    window = ACKNOWLEDGE_WITHIN
    return Case(
        When(
            level=EscalationLevel.ASSIGNEE,
            then=Least(F("opened_at") + window, F("due_at"), output_field=DateTimeField()),
        ),
        default=ExpressionWrapper(
            Coalesce("raised_at", "opened_at") + window, output_field=DateTimeField()
        ),
        output_field=DateTimeField(),
    )


def escalations_by_urgency(queryset: QuerySet[Escalation]) -> QuerySet[Escalation]:
    """Open escalations first, the one whose awaited step is due soonest (so the most overdue)
    first: an open one by its acknowledgement deadline, an acknowledged one by its due date;
    then the closed ones, most recently updated first."""
    return queryset.annotate(
        awaited_due=Case(
            When(state=EscalationState.OPEN, then=_acknowledge_by_expression()),
            When(state=EscalationState.ACKNOWLEDGED, then=F("due_at")),
            default=Value(None),
            output_field=DateTimeField(),
        ),
        closed=Case(
            When(state__in=ESCALATION_OPEN_STATES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    ).order_by("closed", F("awaited_due").asc(nulls_last=True), "-updated_at", "-pk")


@dataclass(frozen=True)
class SignatureAwaited:
    """A decision tied to an escalation that awaits the RSO's or the CEO's signature."""

    what: str
    awaits: str
    url: str


@dataclass(frozen=True)
class EscalationRow:
    """An escalation as the list shows it: what it awaits (its workflow's words, naming whose
    step it is), by when and how long is left, and the signatures awaited on its restrictions
    and on the determinations that would resolve it."""

    escalation: Escalation
    awaits: str
    due: dt.datetime | None
    due_label: str
    time_left: str
    overdue: bool
    decision_overdue: bool
    signatures: list[SignatureAwaited]


def _due_label(escalation: Escalation) -> str:
    if escalation.state == EscalationState.OPEN:
        return "Acknowledge by"
    return "Resolve by"


def escalation_rows(escalations, *, now: dt.datetime | None = None) -> list[EscalationRow]:
    """The rows of a page of escalations, in two queries: their live restrictions (with
    signers), and the reviewed determinations on their models awaiting the two signatures."""
    now = now or timezone.now()
    escalations = list(escalations)
    restrictions: dict[int, list[Restriction]] = {}
    for restriction in (
        Restriction.objects.filter(
            escalation_id__in=[e.pk for e in escalations], state__in=LIVE_RESTRICTION_STATES
        )
        .select_related(*RESTRICTION_SIGNERS)
        .order_by("kind", "pk")
    ):
        restrictions.setdefault(restriction.escalation_id, []).append(restriction)
    threshold_models = {
        e.model_id for e in escalations if e.kind == EscalationKind.THRESHOLD and e.is_open
    }
    decisions: dict[int, list[Determination]] = {}
    for determination in Determination.objects.filter(
        model_id__in=threshold_models, state=DeterminationState.REVIEWED
    ).order_by("pk"):
        decisions.setdefault(determination.model_id, []).append(determination)

    rows = []
    for escalation in escalations:
        awaited = ESCALATION.awaiting(escalation, people=False) if escalation.is_open else None
        what, due = (awaited.what, awaited.due) if awaited else ("", None)
        signatures = []
        for restriction in restrictions.get(escalation.pk, []):
            badge = restriction_badge(restriction, now)
            if badge.awaits:
                signatures.append(
                    SignatureAwaited(
                        f"{badge.label} ({restriction.get_state_display().lower()})",
                        badge.awaits,
                        # Its page holds the restrictions' signing steps.
                        escalation.get_absolute_url(),
                    )
                )
        if escalation.kind == EscalationKind.THRESHOLD and escalation.is_open:
            for determination in decisions.get(escalation.model_id, []):
                signatures.append(
                    SignatureAwaited(
                        f"Determination: {determination.title}",
                        DECISION.awaits(determination),
                        determination.get_absolute_url(),
                    )
                )
        rows.append(
            EscalationRow(
                escalation=escalation,
                awaits=what,
                due=due,
                due_label=_due_label(escalation) if due else "",
                time_left=time_left_words(due, now) if due else "",
                overdue=due is not None and due < now,
                decision_overdue=escalation.is_open and escalation.due_at < now,
                signatures=signatures,
            )
        )
    return rows


def escalation_on_subject(model, kind: str, subject: str) -> Escalation | None:
    """The newest escalation of this kind on the subject for the model, open or closed."""
    return (
        Escalation.objects.filter(model=model, kind=kind, subject=subject[:200])
        .order_by("-created_at")
        .first()
    )
