"""Escalations and restrictions: one function per transition, each locking the row, asking the
workflow declaration (governance/oversight/workflows/escalations.py) whether this actor may take
the step in this state, auditing, and notifying after commit."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.audit import SYSTEM, Actor, AuditActor, audit_record, fields_snapshot
from governance.board.models import QuarterlyReport
from governance.choices import (
    ESCALATION_OPEN_STATES,
    EscalationKind,
    EscalationLevel,
    EscalationState,
    QuarterlyReportState,
    RestrictionKind,
    RestrictionState,
    Role,
    Severity,
    ThresholdOutcome,
)
from governance.dates import add_months, previous_quarter, quarter_of
from governance.determinations.selectors import safeguards_in_force
from governance.errors import TransitionNotAllowed
from governance.models import CapabilityThreshold
from governance.oversight.models import Escalation, EscalationEvent, Restriction
from governance.oversight.selectors import (
    ai_models_with_snapshots,
    capability_determination_days,
    escalations_open_below_board,
    largest_compute_snapshot,
)
from governance.oversight.workflows.escalations import (
    ACKNOWLEDGE_WITHIN,
    ACTIVATION,
    ESCALATION,
    LIFT,
    RESTRICTION,
    WAIVER,
    waiver_pending,
)
from governance.registry.models import AIModel, Snapshot
from governance.selectors import framework_version_in_force
from governance.services.notifications import notify, users_with_roles

ESCALATION_FIELDS = ("state", "severity", "outcome", "level", "assignee", "due_at")


def _label(actor: Actor) -> str:
    if isinstance(actor, AuditActor):
        return actor.label
    if actor is None or not actor.is_authenticated:
        return "system"
    return actor.get_full_name() or actor.get_username()


def _event(escalation: Escalation, actor: Actor, kind: str, message: str) -> None:
    EscalationEvent.objects.create(
        escalation=escalation,
        at=timezone.now(),
        actor_label=_label(actor),
        kind=kind,
        message=message,
    )


def _locked(escalation: Escalation) -> Escalation:
    return Escalation.objects.select_for_update().get(pk=escalation.pk)


def _locked_restriction(restriction: Restriction) -> Restriction:
    # Only the restriction's row: its escalation may be absent (an outer join).
    return (
        Restriction.objects.select_for_update(of=("self",))
        .select_related("model", "escalation")
        .get(pk=restriction.pk)
    )


def _default_assignee():
    rso = users_with_roles(Role.RSO)
    return rso[0] if rso else None


def _notify_escalation(escalation: Escalation, event_type: str, title: str, users) -> None:
    notify(
        event_type=event_type,
        users=users,
        title=title,
        body=escalation.summary,
        link=escalation.get_absolute_url(),
        payload={
            "escalation_id": escalation.pk,
            "kind": escalation.kind,
            "severity": escalation.severity,
            "state": escalation.state,
            "model": escalation.model.name if escalation.model else None,
            "threshold": escalation.threshold.code if escalation.threshold else None,
            "outcome": escalation.outcome,
            "due_at": escalation.due_at.isoformat(),
        },
    )


def scope_key(model: AIModel | None) -> str:
    return f"model:{model.pk}" if model is not None else "organisation"


def escalation_raise(
    *,
    kind: EscalationKind,
    subject: str,
    title: str,
    summary: str,
    severity: Severity,
    model: AIModel | None = None,
    snapshot: Snapshot | None = None,
    threshold: CapabilityThreshold | None = None,
    outcome: str = "",
    trigger_ref: str = "",
    trigger_url: str = "",
    due_in_days: int | None = None,
    once: bool = False,
    refresh_summary: bool = False,
) -> tuple[Escalation, bool]:
    """Open an escalation, or update the open one on the same subject: never a duplicate.
    With `once`, a subject that was ever escalated is not escalated again (quarterly reports).
    With `refresh_summary`, an update also replaces the title and summary (a forecast's latest
    numbers; what they replace stays in the escalation's events)."""
    with transaction.atomic():
        existing = (
            Escalation.objects.select_for_update()
            .filter(subject=subject[:200], scope=scope_key(model))
            .filter(**({"kind": kind} if once else {"state__in": ESCALATION_OPEN_STATES}))
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            if once or not ESCALATION.in_source_state(existing, "update"):
                return existing, False
            if refresh_summary:
                existing.title, existing.summary = title[:300], summary
            _update_open(
                existing, kind, severity, snapshot, outcome, summary, trigger_ref, trigger_url
            )
            return existing, False
        now = timezone.now()
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(
                    kind=kind,
                    subject=subject[:200],
                    scope=scope_key(model),
                    model=model,
                    snapshot=snapshot,
                    threshold=threshold,
                    outcome=outcome,
                    severity=severity,
                    title=title[:300],
                    summary=summary,
                    trigger_ref=trigger_ref,
                    trigger_url=trigger_url,
                    assignee=_default_assignee(),
                    due_at=now + dt.timedelta(days=due_in_days or capability_determination_days()),
                    opened_at=now,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            # A concurrent evaluation opened it first: update that one instead.
            existing = Escalation.objects.select_for_update().get(
                subject=subject[:200], scope=scope_key(model), state__in=ESCALATION_OPEN_STATES
            )
            _update_open(
                existing, kind, severity, snapshot, outcome, summary, trigger_ref, trigger_url
            )
            return existing, False
        _event(escalation, SYSTEM, "created", summary or title)
        audit_record(
            actor=SYSTEM,
            action="escalation.created",
            target=escalation,
            after=fields_snapshot(escalation, ESCALATION_FIELDS),
        )
        people = [escalation.assignee, *users_with_roles(Role.SAFETY_STAFF)]
        _notify_escalation(escalation, "escalation.created", escalation.title, people)
        if kind == EscalationKind.THRESHOLD and model is not None:
            _propose_restrictions(escalation)
        return escalation, True


def _update_open(escalation, kind, severity, snapshot, outcome, summary, trigger_ref, trigger_url):
    """New evidence on the open escalation: it only ever grows more severe. A warning that
    turns into a crossing becomes a threshold escalation, with restrictions proposed."""
    step = ESCALATION.require(SYSTEM, escalation, "update")
    changes = []
    upgraded = kind == EscalationKind.THRESHOLD and escalation.kind == EscalationKind.WARNING
    if upgraded:
        escalation.kind = EscalationKind.THRESHOLD
        changes.append("now a threshold escalation")
    if Severity(severity).rank > Severity(escalation.severity).rank:
        escalation.severity = severity
        changes.append(f"severity raised to {Severity(severity).label}")
    if outcome and (
        not escalation.outcome
        or ThresholdOutcome(outcome).severity > ThresholdOutcome(escalation.outcome).severity
    ):
        escalation.outcome = outcome
        changes.append(f"outcome now {ThresholdOutcome(outcome).label}")
    escalation.snapshot = snapshot or escalation.snapshot
    escalation.trigger_ref = trigger_ref or escalation.trigger_ref
    escalation.trigger_url = trigger_url or escalation.trigger_url
    escalation.updated_at = timezone.now()
    escalation.save()
    _event(
        escalation,
        SYSTEM,
        "evidence",
        "; ".join([summary, *changes]) if summary else "; ".join(changes),
    )
    audit_record(
        actor=SYSTEM,
        action=step.audit,
        target=escalation,
        after={"trigger": trigger_ref, "changes": changes},
    )
    if upgraded:
        _notify_escalation(
            escalation, "escalation.upgraded", escalation.title, step.recipients(escalation)
        )
    if escalation.kind == EscalationKind.THRESHOLD and escalation.model_id:
        _propose_restrictions(escalation)  # again, if the last ones were lifted meanwhile


def _transition(
    *,
    actor: Actor,
    escalation: Escalation,
    name: str,
    note: str = "",
    determination=None,
) -> Escalation:
    with transaction.atomic():
        escalation = _locked(escalation)
        step = ESCALATION.require(actor, escalation, name)
        to = EscalationState(step.target)
        before = fields_snapshot(escalation, ESCALATION_FIELDS)
        now = timezone.now()
        escalation.state = to
        escalation.updated_at = now
        if to == EscalationState.ACKNOWLEDGED:
            escalation.acknowledged_at = now
        elif to in (EscalationState.RESOLVED, EscalationState.DISMISSED):
            escalation.closed_at, escalation.resolution_note = now, note
            escalation.determination = determination
        else:  # reopened: the clock starts again, with the assignee
            escalation.closed_at, escalation.acknowledged_at = None, None
            escalation.opened_at, escalation.raised_at = now, None
            escalation.level = EscalationLevel.ASSIGNEE
            escalation.due_at = now + dt.timedelta(days=capability_determination_days())
            try:
                with transaction.atomic():
                    escalation.save()
            except IntegrityError:
                raise TransitionNotAllowed(
                    "Another escalation on the same subject is open; work on that one."
                ) from None
        escalation.save()
        if to == EscalationState.DISMISSED:
            _withdraw_proposals(escalation, actor)
        _event(escalation, actor, to, note or f"{to.label} by {_label(actor)}")
        audit_record(
            actor=actor,
            action=step.audit,
            target=escalation,
            before=before,
            after={
                **fields_snapshot(escalation, ESCALATION_FIELDS),
                "note": note,
                "determination": escalation.determination_id,
            },
        )
        _notify_escalation(
            escalation,
            f"escalation.{to}",
            f"{escalation.title}: {to.label}",
            step.recipients(escalation),
        )
    return escalation


def _withdraw_proposals(escalation: Escalation, actor: Actor) -> None:
    """A dismissed escalation takes its unsigned proposals with it; active ones stay until
    the RSO and the CEO lift them. The dismisser takes this step, so only its state is asked."""
    step = RESTRICTION.transition("withdraw")
    for restriction in escalation.restrictions.select_for_update().filter(state__in=step.sources):
        restriction.state = step.target
        restriction.save(update_fields=["state"])
        audit_record(actor=actor, action=step.audit, target=restriction)
        _event(escalation, actor, "restriction", f"Withdrawn: {restriction.get_kind_display()}.")


def escalation_acknowledge(*, actor: Actor, escalation: Escalation) -> Escalation:
    """Who may is the declaration's: the deciders for a threshold escalation (acknowledging
    stops the 48-hour raise to the CEO), the handlers for the rest."""
    return _transition(actor=actor, escalation=escalation, name="acknowledge")


def escalation_resolve(
    *, actor: Actor, escalation: Escalation, note: str, determination=None
) -> Escalation:
    """Resolve with a note; a threshold escalation is resolved by a determination on its model
    (decided or final), which is linked to it."""
    if not note.strip():
        raise ValidationError({"note": "Say how it was resolved."})
    if escalation.kind == EscalationKind.THRESHOLD:
        if determination is None:
            raise ValidationError(
                {"determination": "A threshold escalation is resolved by a determination."}
            )
        if determination.model_id != escalation.model_id or determination.state not in (
            "decided",
            "final",
        ):
            raise ValidationError(
                {"determination": "Link a decided determination on the same model."}
            )
    return _transition(
        determination=determination,
        actor=actor,
        escalation=escalation,
        name="resolve",
        note=note.strip(),
    )


def escalation_dismiss(*, actor: Actor, escalation: Escalation, reason: str) -> Escalation:
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for dismissing it."})
    return _transition(actor=actor, escalation=escalation, name="dismiss", note=reason.strip())


def escalation_reopen(*, actor: Actor, escalation: Escalation, reason: str = "") -> Escalation:
    return _transition(actor=actor, escalation=escalation, name="reopen", note=reason.strip())


# Deadlines


def escalations_enforce_deadlines(*, now: dt.datetime | None = None) -> int:
    """Not acknowledged within 48 hours, or not resolved by the due date: raise it to the CEO;
    still not, to the board and the trustees. Notifications at each step."""
    now = now or timezone.now()
    raised = 0
    for escalation in escalations_open_below_board():
        unacknowledged = escalation.state == EscalationState.OPEN
        overdue = now > escalation.due_at
        if escalation.level == EscalationLevel.ASSIGNEE:
            late = unacknowledged and now - escalation.opened_at > ACKNOWLEDGE_WITHIN
            if overdue or late:
                _raise_level(escalation, EscalationLevel.CEO, overdue, now)
                raised += 1
        elif now - (escalation.raised_at or escalation.opened_at) > ACKNOWLEDGE_WITHIN and (
            overdue or unacknowledged
        ):
            # The CEO gets 48 hours of their own before the board and the trustees are told.
            _raise_level(escalation, EscalationLevel.BOARD, overdue, now)
            raised += 1
    return raised


def _raise_level(escalation: Escalation, level: EscalationLevel, overdue: bool, now) -> None:
    why = "past its due date" if overdue else "not acknowledged within 48 hours"
    with transaction.atomic():
        locked = _locked(escalation)
        if locked.level >= level or not ESCALATION.in_source_state(locked, "raise"):
            return
        step = ESCALATION.require(SYSTEM, locked, "raise")
        locked.level, locked.updated_at, locked.raised_at = level, now, now
        locked.save(update_fields=["level", "updated_at", "raised_at"])
        _event(locked, SYSTEM, "raised", f"{EscalationLevel(level).label}: {why}.")
        audit_record(
            actor=SYSTEM,
            action=step.audit,
            target=locked,
            after={"level": level, "why": why},
        )
        _notify_escalation(
            locked,
            "escalation.raised",
            f"Raised to you ({why}): {locked.title}",
            step.recipients(locked),
        )


# Restrictions


def _propose_restrictions(escalation: Escalation) -> list[Restriction]:
    threshold = escalation.threshold
    required = list(threshold.required_safeguards.all()) if threshold else []
    if required and safeguards_in_force(escalation.model, required):
        _event(escalation, SYSTEM, "safeguards", "The required safeguards are in force; no pause.")
        return []
    latest = largest_compute_snapshot(escalation.model)
    cap = latest.compute_for_cadence if latest else None
    missing = ", ".join(standard.name for standard in required) or "the required safeguards"
    proposals = []
    for kind, reason in (
        (
            RestrictionKind.PAUSE_TRAINING,
            f"{escalation.title}. {missing} not approved and in force: "
            "no snapshot beyond the current compute until they are.",
        ),
        (
            RestrictionKind.HOLD_DEPLOYMENT,
            f"{escalation.title}. {missing} not approved and in force: "
            "hold deployment until they are.",
        ),
    ):
        if Restriction.objects.filter(
            model=escalation.model,
            kind=kind,
            state__in=[RestrictionState.PROPOSED, RestrictionState.ACTIVE],
        ).exists():
            continue
        # New evidence on the same escalation does not undo the officers' interim measures;
        # they end when their date passes.
        if any(
            waived.waiver_in_force()
            for waived in Restriction.objects.filter(
                escalation=escalation, kind=kind, state=RestrictionState.WAIVED
            )
        ):
            continue
        restriction = Restriction.objects.create(
            model=escalation.model,
            kind=kind,
            escalation=escalation,
            reason=reason,
            compute_cap_flop=cap if kind == RestrictionKind.PAUSE_TRAINING else None,
        )
        audit_record(
            actor=SYSTEM,
            action="restriction.proposed",
            target=restriction,
            after={
                "kind": kind,
                "model": escalation.model.name,
                "compute_cap_flop": restriction.compute_cap_flop,
            },
        )
        _event(escalation, SYSTEM, "restriction", f"Proposed: {restriction.get_kind_display()}.")
        proposals.append(restriction)
    if proposals:
        notify(
            event_type="restriction.proposed",
            users=users_with_roles(Role.RSO, Role.CEO),
            title=f"Restrictions proposed for {escalation.model}: sign to activate",
            body="; ".join(r.get_kind_display() for r in proposals),
            link=escalation.get_absolute_url(),
            payload={"model": escalation.model.name, "restrictions": [r.kind for r in proposals]},
        )
    return proposals


# Each two-key step: the signatures it fills and, once both are given, the moment it records.
_SIGNING = {"activate": (ACTIVATION, "activated_at"), "lift": (LIFT, "lifted_at")}


def _sign(*, actor: Actor, restriction: Restriction, stage: str) -> Restriction:
    """One of the two signatures (RSO, CEO) to activate or to lift a restriction."""
    key, moment = _SIGNING[stage]
    with transaction.atomic():
        restriction = _locked_restriction(restriction)
        step = RESTRICTION.require(actor, restriction, stage)
        signed = key.sign(restriction, actor)
        fields = key.fields(signed.slot)
        if signed.complete:
            restriction.state = step.target
            setattr(restriction, moment, timezone.now())
            fields += ["state", moment]
        restriction.save(update_fields=fields)
        audit_record(
            actor=actor,
            action=f"restriction.{restriction.state}"
            if signed.complete
            else f"restriction.{stage}_signed",
            target=restriction,
            after=signed.audit_after(state=restriction.state),
        )
        if restriction.escalation_id:
            _event(
                restriction.escalation,
                actor,
                "restriction",
                f"{restriction.get_kind_display()}: {stage} signed by {_label(actor)}"
                + (f"; now {restriction.get_state_display().lower()}." if signed.complete else "."),
            )
        if signed.complete:
            _notify_restriction(
                restriction,
                f"restriction.{restriction.state}",
                f"is {restriction.get_state_display().lower()}",
                restriction.reason,
                step.recipients(restriction),
                state=restriction.state,
            )
    return restriction


def _notify_restriction(restriction, event_type, what, body, users, **payload) -> None:
    notify(
        event_type=event_type,
        users=users,
        title=f"{restriction.get_kind_display()} of {restriction.model} {what}",
        body=body,
        link=restriction.model.get_absolute_url(),
        payload={"model": restriction.model.name, "restriction": restriction.kind, **payload},
    )


def restriction_sign_activation(*, actor: Actor, restriction: Restriction) -> Restriction:
    return _sign(actor=actor, restriction=restriction, stage="activate")


# Interim measures are a decision to proceed, so they take what stopping does not: both
# officers' signatures, written measures, and an end date no further off than this.
INTERIM_MEASURES_LONGEST = dt.timedelta(days=90)
INTERIM_MEASURES_SHORTEST_TEXT = 20


def _check_interim_measures(measures: str, until: dt.datetime | None, now) -> None:
    errors = {}
    if len(measures) < INTERIM_MEASURES_SHORTEST_TEXT:
        errors["measures"] = (
            "Write the interim measures in force instead (what, who, how it gives the same "
            f"assurance), at least {INTERIM_MEASURES_SHORTEST_TEXT} characters."
        )
    if until is None:
        errors["until"] = "Interim measures expire: give the moment they end."
    elif until <= now:
        errors["until"] = "Interim measures end in the future."
    elif until > now + INTERIM_MEASURES_LONGEST:
        errors["until"] = (
            f"Interim measures last at most {INTERIM_MEASURES_LONGEST.days} days; decide again "
            "then."
        )
    if errors:
        raise ValidationError(errors)


def restriction_sign_waiver(
    *,
    actor: Actor,
    restriction: Restriction,
    measures: str = "",
    until: dt.datetime | None = None,
) -> Restriction:
    """One of the two signatures (RSO, CEO) on a written decision to proceed under interim
    measures instead of a proposed or active pause or hold, until a moment. The first signer
    writes the measures and the end; the second signs those words. Until both have signed the
    restriction keeps blocking; once the end passes it blocks again."""
    measures = (measures or "").strip()
    now = timezone.now()
    with transaction.atomic():
        restriction = _locked_restriction(restriction)
        step = RESTRICTION.require(actor, restriction, "waive")
        if waiver_pending(restriction):
            if (measures and measures != restriction.waiver_measures) or (
                until is not None and until != restriction.waiver_until
            ):
                raise ValidationError(
                    {
                        "measures": "The other officer signed different interim measures: sign "
                        "them as written, or leave them unsigned and let the restriction stand."
                    }
                )
        else:
            # The first signature on new measures: the last ones' signatures (if any) lapse.
            _check_interim_measures(measures, until, now)
            restriction.waiver_measures, restriction.waiver_until = measures, until
            WAIVER.clear(restriction)
            restriction.waived_at = None
        signed = WAIVER.sign(restriction, actor)
        if signed.complete:
            restriction.state, restriction.waived_at = step.target, now
        restriction.save(
            update_fields=[
                "state",
                "waiver_measures",
                "waiver_until",
                *WAIVER.fields(),
                "waived_at",
            ]
        )
        audit_record(
            actor=actor,
            action="restriction.waived" if signed.complete else "restriction.waiver_signed",
            target=restriction,
            after=signed.audit_after(
                measures=restriction.waiver_measures,
                until=restriction.waiver_until,
                state=restriction.state,
            ),
        )
        until_text = f"{restriction.waiver_until:%Y-%m-%d %H:%M} UTC"
        if restriction.escalation_id:
            _event(
                restriction.escalation,
                actor,
                "restriction",
                f"{restriction.get_kind_display()}: interim measures until {until_text} signed "
                f"by {_label(actor)}"
                + (
                    "; waived."
                    if signed.complete
                    else "; the other officer's signature is awaited."
                ),
            )
        if signed.complete:
            # The policy sends an interim-measures plan to the board and the Trust as well.
            _notify_restriction(
                restriction,
                "restriction.waived",
                f"waived under interim measures until {until_text}",
                restriction.waiver_measures,
                step.recipients(restriction),
                until=restriction.waiver_until.isoformat(),
            )
    return restriction


def restriction_waiver_end(*, actor: Actor, restriction: Restriction, reason: str) -> Restriction:
    """End interim measures now: stopping needs no second signature, so either officer may."""
    reason = (reason or "").strip()
    now = timezone.now()
    with transaction.atomic():
        restriction = _locked_restriction(restriction)
        step = RESTRICTION.require(actor, restriction, "end_waiver")
        if not reason:
            raise ValidationError({"reason": "Say why the interim measures end."})
        before = restriction.waiver_until
        restriction.waiver_until = now
        restriction.save(update_fields=["waiver_until"])
        audit_record(
            actor=actor,
            action=step.audit,
            target=restriction,
            before={"until": before},
            after={"until": now, "reason": reason},
        )
        if restriction.escalation_id:
            _event(
                restriction.escalation,
                actor,
                "restriction",
                f"{restriction.get_kind_display()}: interim measures ended by {_label(actor)}: "
                f"{reason}",
            )
        _notify_restriction(
            restriction,
            "restriction.waiver_ended",
            "blocks again",
            reason,
            step.recipients(restriction),
        )
    return restriction


def restriction_sign_lift(*, actor: Actor, restriction: Restriction) -> Restriction:
    return _sign(actor=actor, restriction=restriction, stage="lift")


# Scheduled checks


def cadence_check(*, now: dt.datetime | None = None) -> list[Escalation]:
    """An "assessment due" escalation for each model notably more capable than its last
    comprehensive assessment, by the cadence of the framework version in force."""
    from governance.registry.selectors import (
        last_comprehensively_assessed_snapshot,
        snapshot_compute_multiple,
    )

    now = now or timezone.now()
    version = framework_version_in_force(now)
    if version is None:
        return []
    rules = list(version.cadence_rules.all())
    raised = []
    for model in ai_models_with_snapshots():
        snapshots = list(model.snapshots.all())
        if not snapshots:
            continue
        baseline = last_comprehensively_assessed_snapshot(model, snapshots=snapshots)
        reasons = []
        if baseline is None:
            reasons.append("no comprehensive assessment is on record")
        else:
            for rule in rules:
                if rule.compute_multiple:
                    multiples = [
                        (m, s)
                        for s in snapshots
                        if (m := snapshot_compute_multiple(s, baseline)) is not None
                    ]
                    if multiples:
                        biggest, snapshot = max(multiples, key=lambda item: item[0])
                        if biggest >= rule.compute_multiple:
                            reasons.append(
                                f"{snapshot.name} has {biggest:.2g}x the effective compute of "
                                f"{baseline.name} (the cadence is {rule.compute_multiple:g}x)"
                            )
                if rule.months:
                    due = add_months(baseline.comprehensively_assessed_on, rule.months)
                    if now.date() >= due:
                        reasons.append(
                            f"{rule.months} months have passed since {baseline.name} was assessed "
                            f"on {baseline.comprehensively_assessed_on:%Y-%m-%d}"
                        )
        if reasons:
            escalation, created = escalation_raise(
                kind=EscalationKind.ASSESSMENT_DUE,
                subject="comprehensive assessment",
                title=f"Comprehensive assessment due for {model}",
                summary=f"Under {version}: " + "; ".join(reasons) + ".",
                severity=Severity.MEDIUM,
                model=model,
            )
            if created:
                raised.append(escalation)
    return raised


def rso_report_due_check(*, now: dt.datetime | None = None) -> Escalation | None:
    """Once a quarter: the RSO's report on the quarter just ended is due to the board and the
    Trust; not when the RSO has issued it already."""
    now = now or timezone.now()
    year, quarter = quarter_of(now)
    reported_year, reported_quarter = previous_quarter(year, quarter)
    if QuarterlyReport.objects.filter(
        year=reported_year, quarter=reported_quarter, state=QuarterlyReportState.ISSUED
    ).exists():
        return None
    key = f"{year}-Q{quarter}"
    escalation, created = escalation_raise(
        kind=EscalationKind.RSO_REPORT_DUE,
        subject=f"RSO report {key}",
        title=f"RSO quarterly report due ({key})",
        summary="The RSO reports to the board and the Trust, noting deficiencies.",
        severity=Severity.LOW,
        due_in_days=30,
        once=True,
    )
    return escalation if created else None
