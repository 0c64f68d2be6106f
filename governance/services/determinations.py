"""ASL determinations: one function per step, each checking the state and who may take it.

draft -> in_review -> reviewed (or back to draft) -> decided (the RSO and the CEO, two people,
neither an author) -> final (every board director and trustee has acknowledged). Nothing is
edited after the decision; a new determination supersedes the last final one.
"""

import hashlib
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .. import evidence as evidence_registry
from ..audit import SYSTEM as SYSTEM_ACTOR
from ..audit import Actor, AuditActor, audit_record
from ..choices import DeterminationState, FindingOutcome, Role, ThresholdOutcome
from ..errors import TransitionNotAllowed
from ..models import (
    Acknowledgement,
    AIModel,
    Attachment,
    CapabilityThreshold,
    Determination,
    Finding,
    SafeguardStandard,
    SafetyLevel,
    Snapshot,
)
from ..permissions import has_role, require_person
from ..selectors import framework_version_in_force
from ..sitting import members_sitting
from .notifications import notify, users_with_roles

TEXT_FIELDS = ("title", "summary", "elicitation_statement", "forecast_note", "dissent_notes")
FLAG_FIELDS = ("helpful_only_tested", "precautionary", "provisional")
CONTRADICTED = (ThresholdOutcome.CROSSED, ThresholdOutcome.INCONCLUSIVE)


def _locked(determination: Determination) -> Determination:
    return (
        Determination.objects.select_for_update().select_related("model").get(pk=determination.pk)
    )


def _require_state(determination: Determination, *states: str, doing: str) -> None:
    if determination.state not in states:
        raise TransitionNotAllowed(
            f"A determination that is {determination.get_state_display().lower()} "
            f"cannot be {doing}."
        )


def _is_author(determination: Determination, actor) -> bool:
    return determination.authors.filter(pk=getattr(actor, "pk", None)).exists()


def _require_author(determination: Determination, actor, doing: str) -> None:
    if not _is_author(determination, actor):
        raise PermissionDenied(f"Only the report's authors may {doing}.")


@transaction.atomic
def determination_create(
    *,
    actor: Actor,
    model: AIModel,
    title: str,
    summary: str,
    snapshots: Iterable[Snapshot] = (),
    authors: Iterable = (),
) -> Determination:
    require_person(actor, (Role.SAFETY_STAFF,), "write a capability report")
    version = framework_version_in_force()
    if version is None:
        raise ValidationError("No framework version is in force; a determination needs one.")
    snapshots = list(snapshots) or list(model.snapshots.all())
    if any(snapshot.model_id != model.pk for snapshot in snapshots):
        raise ValidationError({"snapshots": "Every snapshot must be of this model."})
    if not title.strip() or not summary.strip():
        raise ValidationError({"title": "Give a title and the report's summary."})
    determination = Determination.objects.create(
        model=model, framework_version=version, title=title.strip(), summary=summary.strip()
    )
    determination.snapshots.set(snapshots)
    determination.authors.set({actor, *authors})
    audit_record(
        actor=actor,
        action="determination.created",
        target=determination,
        after={
            "model": model.name,
            "framework_version": str(version),
            "snapshots": [s.name for s in snapshots],
        },
    )
    return determination


@transaction.atomic
def determination_update(
    *,
    actor: Actor,
    determination: Determination,
    findings: list[dict[str, Any]] | None = None,
    required_level: SafetyLevel | None = None,
    required_safeguards: Iterable[SafeguardStandard] | None = None,
    **fields: Any,
) -> Determination:
    """Edit a draft: its texts and flags, its findings, the resulting level and safeguards."""
    determination = _locked(determination)
    _require_author(determination, actor, "edit the report")
    _require_state(determination, DeterminationState.DRAFT, doing="edited")
    unknown = set(fields) - set(TEXT_FIELDS) - set(FLAG_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(determination, name, value.strip() if name in TEXT_FIELDS else bool(value))
    version = determination.framework_version
    if required_level is not None:
        if required_level.version_id != version.pk:
            raise ValidationError({"required_level": f"Not a level of {version}."})
        determination.required_level = required_level
    determination.save()
    if required_safeguards is not None:
        standards = list(required_safeguards)
        if any(s.version_id != version.pk for s in standards):
            raise ValidationError({"required_safeguards": f"Not safeguards of {version}."})
        determination.required_safeguards.set(standards)
    if findings is not None:
        _set_findings(determination, findings)
    audit_record(
        actor=actor,
        action="determination.updated",
        target=determination,
        after={
            "fields": sorted(fields),
            "findings": len(findings) if findings is not None else None,
        },
    )
    return determination


def _set_findings(determination: Determination, findings: list[dict[str, Any]]) -> None:
    seen = set()
    determination.findings.all().delete()
    for index, item in enumerate(findings):
        threshold: CapabilityThreshold = item["threshold"]
        if threshold.version_id != determination.framework_version_id:
            raise ValidationError(
                {"findings": f"[{index}] {threshold} is not of {determination.framework_version}."}
            )
        if threshold.pk in seen:
            raise ValidationError({"findings": f"[{index}] {threshold.code} appears twice."})
        seen.add(threshold.pk)
        outcome = item.get("outcome")
        if outcome not in FindingOutcome.values:
            raise ValidationError(
                {
                    "findings": f"[{index}] outcome must be one of "
                    f"{', '.join(FindingOutcome.values)}."
                }
            )
        references = item.get("evidence") or []
        for reference in references:
            try:
                evidence_registry.describe(reference, determination.model)
            except (ValueError, KeyError, TypeError) as error:
                raise ValidationError(
                    {"findings": f"[{index}] evidence {reference!r}: {error}"}
                ) from None
        Finding.objects.create(
            determination=determination,
            threshold=threshold,
            outcome=outcome,
            rationale=str(item.get("rationale", "")).strip(),
            evidence=references,
            **_elicitation_fields(index, item),
        )
    _recheck_findings(determination)


def _elicitation_fields(index: int, item: dict[str, Any]) -> dict[str, Any]:
    attempts = item.get("attempts_per_task")
    if attempts in ("", None):
        attempts = None
    elif isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ValidationError(
            {"findings": f"[{index}] attempts_per_task is a whole number of at least 1."}
        )
    helpful_only = item.get("helpful_only_tested")
    if helpful_only not in (None, True, False):
        raise ValidationError({"findings": f"[{index}] helpful_only_tested is true or false."})
    return {
        "attempts_per_task": attempts,
        "scaffolding": str(item.get("scaffolding") or "").strip(),
        "helpful_only_tested": helpful_only,
    }


def _elicitation_flags(finding: Finding) -> list[str]:
    """What the runs a "below" cites say against the elicitation it states. "Our evaluations
    failed to elicit it" must never read as "the model cannot"."""
    if finding.outcome != FindingOutcome.BELOW:
        return []
    cited = [evidence_registry.elicitation(reference) for reference in finding.evidence]
    cited = [run for run in cited if run is not None]
    flags = []
    if not cited:
        flags.append("It cites no evaluation run, so nothing shows how hard the lab tried.")
    rule = finding.threshold.scoring_rule
    needed = rule.attempts if rule is not None else None
    made = [run["attempts"] for run in cited if run["attempts"] is not None]
    if needed and len(made) < len(cited):
        flags.append("A cited run does not say how many attempts per task it made.")
    if needed and made and min(made) < needed:
        flags.append(f"A cited run made {min(made)} attempts per task; the rule needs {needed}.")
    stated = finding.attempts_per_task
    if needed and stated is not None and stated < needed:
        flags.append(f"It states {stated} attempts per task; the rule needs {needed}.")
    if stated is not None and made and stated > max(made):
        flags.append(
            f"It states {stated} attempts per task; the cited runs made at most {max(made)}."
        )
    if finding.helpful_only_tested is True and cited and not any(r["helpful_only"] for r in cited):
        flags.append("It says a helpful-only snapshot was tested; no cited run is of one.")
    if finding.helpful_only_tested is False:
        flags.append("No helpful-only snapshot was tested.")
    return flags


def _require_elicitation_stated(determination: Determination) -> None:
    """A report states its elicitation, and every "below" states how hard the lab tried."""
    errors = {}
    if len(determination.elicitation_statement.strip()) < 20:
        errors["elicitation_statement"] = (
            "State the elicitation behind the report (fine-tuning, scaffolding, tools, "
            "best-of-N, budget, helpful-only snapshots) before submitting it."
        )
    unstated = [
        f.threshold.code
        for f in determination.findings.select_related("threshold")
        if f.outcome == FindingOutcome.BELOW
        and (f.attempts_per_task is None or not f.scaffolding or f.helpful_only_tested is None)
    ]
    if unstated:
        errors["findings"] = (
            f'A "below" states how hard the lab tried (attempts_per_task, scaffolding, '
            f"helpful_only_tested): {', '.join(unstated)}."
        )
    if errors:
        raise ValidationError(errors)


def _recheck_findings(determination: Determination) -> list[Finding]:
    """Check every finding against the evidence, flag it, and return the findings a decider
    must justify. Run again at submit and at signing: evidence keeps arriving.

    - A "below" that an evaluation contradicts (crossed, or inconclusive). The policy counts a
      threshold met at any stage of training, so the evidence is the model's standing over all
      its snapshots, not only those the determination covers: a later snapshot that reads
      "below" does not undo an earlier one that crossed.
    - A "below" whose stated elicitation the runs it cites do not bear out.
    """
    flagged = []
    for finding in determination.findings.select_related("threshold"):
        worst = evidence_registry.worst_outcome(determination.model, finding.threshold)
        contradicts = finding.outcome == FindingOutcome.BELOW and worst in CONTRADICTED
        flags = _elicitation_flags(finding)
        if (contradicts, flags) != (finding.contradicts_evidence, finding.elicitation_flags):
            finding.contradicts_evidence, finding.elicitation_flags = contradicts, flags
            finding.save(update_fields=["contradicts_evidence", "elicitation_flags"])
        if contradicts or flags:
            flagged.append(finding)
    return flagged


def _check_requirements(determination: Determination) -> None:
    """The resulting level and safeguards may not fall short of what the findings require."""
    serious = [
        f
        for f in determination.findings.select_related("threshold__required_level")
        if f.outcome in (FindingOutcome.CROSSED, FindingOutcome.CANNOT_RULE_OUT)
    ]
    needed = set()
    for finding in serious:
        needed |= set(finding.threshold.required_safeguards.values_list("pk", flat=True))
        level = finding.threshold.required_level
        chosen = determination.required_level
        if level is not None and (chosen is None or chosen.rank < level.rank):
            raise ValidationError(
                {"required_level": f"{finding.threshold.code} requires at least {level.name}."}
            )
    missing = needed - set(determination.required_safeguards.values_list("pk", flat=True))
    if missing:
        names = ", ".join(
            SafeguardStandard.objects.filter(pk__in=missing).values_list("name", flat=True)
        )
        raise ValidationError({"required_safeguards": f"The findings require: {names}."})


def _notify(determination: Determination, event: str, title: str, users) -> None:
    notify(
        event_type=f"determination.{event}",
        users=users,
        title=title,
        body=determination.title,
        link=determination.get_absolute_url(),
        payload={
            "determination": determination.pk,
            "model": determination.model.name,
            "state": determination.state,
        },
    )


@transaction.atomic
def determination_submit(*, actor: Actor, determination: Determination) -> Determination:
    determination = _locked(determination)
    _require_author(determination, actor, "submit the report")
    _require_state(determination, DeterminationState.DRAFT, doing="submitted")
    if not determination.findings.exists() or determination.required_level_id is None:
        raise ValidationError(
            "Give a finding per threshold assessed and the resulting level first."
        )
    _check_requirements(determination)
    _require_elicitation_stated(determination)
    _recheck_findings(determination)
    determination.state = DeterminationState.IN_REVIEW
    determination.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, action="determination.submitted", target=determination)
    _notify(
        determination,
        "submitted",
        f"Capability report to review: {determination}",
        users_with_roles(Role.INTERNAL_REVIEWER),
    )
    return determination


@transaction.atomic
def determination_review(
    *, actor: Actor, determination: Determination, critique: str, send_back: bool = False
) -> Determination:
    """The internal review: a reviewer who is not an author records a critique and passes the
    report on for decision, or sends it back to its authors."""
    require_person(actor, (Role.INTERNAL_REVIEWER,), "review a capability report")
    determination = _locked(determination)
    _require_state(determination, DeterminationState.IN_REVIEW, doing="reviewed")
    if _is_author(determination, actor):
        raise PermissionDenied("An author does not review their own report.")
    if not critique.strip():
        raise ValidationError({"critique": "Record the critique."})
    determination.reviewer, determination.review_critique = actor, critique.strip()
    determination.reviewed_at = timezone.now()
    determination.state = DeterminationState.DRAFT if send_back else DeterminationState.REVIEWED
    determination.save()
    audit_record(
        actor=actor,
        action="determination.sent_back" if send_back else "determination.reviewed",
        target=determination,
        after={"critique": determination.review_critique},
    )
    if send_back:
        _notify(
            determination, "sent_back", f"Sent back: {determination}", determination.authors.all()
        )
    else:
        _notify(
            determination,
            "reviewed",
            f"Decide: {determination}",
            users_with_roles(Role.RSO, Role.CEO),
        )
    return determination


@transaction.atomic
def finding_justify(*, actor: Actor, finding: Finding, justification: str) -> Finding:
    """A decider's justification for a "below" that an evaluation contradicts (the policy's
    "evaluations were overly conservative" path). The finding stays flagged."""
    require_person(actor, (Role.RSO, Role.CEO), "justify a finding")
    finding = Finding.objects.select_for_update().select_related("determination").get(pk=finding.pk)
    if finding.justification:
        raise TransitionNotAllowed("This finding is justified already.")
    determination = finding.determination
    _require_state(determination, DeterminationState.REVIEWED, doing="justified now")
    if determination.decision_rso_id or determination.decision_ceo_id:
        raise TransitionNotAllowed("Signing has begun: the justification may no longer change.")
    if _is_author(determination, actor):
        raise PermissionDenied("An author does not justify their own report's findings.")
    if not finding.contradicts_evidence and not finding.elicitation_flags:
        raise ValidationError("This finding agrees with the evaluations; nothing to justify.")
    if not justification.strip():
        raise ValidationError(
            {"justification": "Say why the evaluations were overly conservative."}
        )
    finding.justification, finding.justified_by = justification.strip(), actor
    finding.save(update_fields=["justification", "justified_by"])
    audit_record(
        actor=actor,
        action="finding.justified",
        target=determination,
        after={"threshold": finding.threshold.code, "justification": finding.justification},
    )
    return finding


@transaction.atomic
def determination_sign(*, actor: Actor, determination: Determination) -> Determination:
    """The decision: signed by the RSO and the CEO, two different people, neither an author.
    With both, it is shared with the board and the trustees."""
    require_person(actor, (Role.RSO, Role.CEO), "sign a determination")
    determination = _locked(determination)
    _require_state(determination, DeterminationState.REVIEWED, doing="signed")
    if _is_author(determination, actor):
        raise PermissionDenied("An author does not sign their own report's determination.")
    if actor.pk in (determination.decision_rso_id, determination.decision_ceo_id):
        raise TransitionNotAllowed(
            "You have signed already; the other signature must come from someone else."
        )
    _check_requirements(determination)
    unjustified = [f for f in _recheck_findings(determination) if not f.justification]
    contradicting = [f for f in unjustified if f.contradicts_evidence]
    if contradicting:
        codes = ", ".join(f.threshold.code for f in contradicting)
        raise TransitionNotAllowed(
            f"Justify the findings that contradict the evaluations first: {codes}."
        )
    weak = [f for f in unjustified if f.elicitation_flags]
    if weak:
        codes = ", ".join(f.threshold.code for f in weak)
        raise TransitionNotAllowed(
            f"Justify the findings whose elicitation is flagged first: {codes}."
        )
    # Shared with the board and the Trust as they sit: a director with a current seat, a
    # trustee with a current term (holding the role alone is not enough).
    acknowledgers = members_sitting()
    if not acknowledgers:
        raise TransitionNotAllowed(
            "No board director or trustee is sitting (a current seat or term) to share it "
            "with; it cannot be decided."
        )
    now = timezone.now()
    if has_role(actor, Role.RSO) and determination.decision_rso_id is None:
        determination.decision_rso, determination.decision_rso_at = actor, now
    elif has_role(actor, Role.CEO) and determination.decision_ceo_id is None:
        determination.decision_ceo, determination.decision_ceo_at = actor, now
    else:
        raise TransitionNotAllowed("Your role has signed already; the other role must sign.")
    complete = determination.decision_rso_id and determination.decision_ceo_id
    if complete:
        determination.state, determination.decided_at = DeterminationState.DECIDED, now
    determination.save()
    audit_record(
        actor=actor,
        action="determination.decided" if complete else "determination.signed",
        target=determination,
    )
    if complete:
        determination.acknowledgers.set(acknowledgers)
        _notify(determination, "shared", f"Please acknowledge: {determination}", acknowledgers)
    return determination


@transaction.atomic
def determination_return(
    *, actor: Actor, determination: Determination, reason: str
) -> Determination:
    """The deciders send a reviewed report back to its authors; any signature given lapses."""
    require_person(actor, (Role.RSO, Role.CEO), "send a report back")
    determination = _locked(determination)
    _require_state(determination, DeterminationState.REVIEWED, doing="sent back now")
    if not reason.strip():
        raise ValidationError({"reason": "Say what the authors should change."})
    determination.state = DeterminationState.DRAFT
    determination.decision_rso = determination.decision_ceo = None
    determination.decision_rso_at = determination.decision_ceo_at = None
    determination.save()
    audit_record(
        actor=actor,
        action="determination.returned",
        target=determination,
        after={"reason": reason.strip()},
    )
    _notify(
        determination,
        "returned",
        f"Sent back by the deciders: {determination}",
        determination.authors.all(),
    )
    return determination


@transaction.atomic
def determination_acknowledge(
    *, actor: Actor, determination: Determination, note: str = ""
) -> Determination:
    if isinstance(actor, AuditActor) or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Only a person may acknowledge a determination.")
    determination = _locked(determination)
    _require_state(determination, DeterminationState.DECIDED, doing="acknowledged")
    if not determination.acknowledgers.filter(pk=actor.pk).exists():
        raise PermissionDenied("You were not among those it was shared with.")
    _, created = Acknowledgement.objects.get_or_create(
        determination=determination,
        user=actor,
        defaults={"at": timezone.now(), "note": note.strip()},
    )
    if not created:
        raise TransitionNotAllowed("You have acknowledged it already.")
    audit_record(actor=actor, action="determination.acknowledged", target=determination)
    waiting = determination.acknowledgers.exclude(
        pk__in=determination.acknowledgements.values("user_id")
    )
    if not waiting.exists():
        _finalize(determination)
    return determination


def _finalize(determination: Determination) -> None:
    newer = Determination.objects.filter(
        model=determination.model,
        state=DeterminationState.FINAL,
        decided_at__gt=determination.decided_at,
    ).exists()
    if newer:
        # Decided before the determination now in force: it arrives already superseded.
        determination.state, determination.finalized_at = (
            DeterminationState.SUPERSEDED,
            timezone.now(),
        )
        determination.save(update_fields=["state", "finalized_at", "updated_at"])
        audit_record(actor=SYSTEM_ACTOR, action="determination.superseded", target=determination)
        return
    previous = Determination.objects.filter(
        model=determination.model, state=DeterminationState.FINAL
    ).exclude(pk=determination.pk)
    for old in list(previous):
        old.state = DeterminationState.SUPERSEDED
        old.save(update_fields=["state", "updated_at"])
        audit_record(
            actor=SYSTEM_ACTOR,
            action="determination.superseded",
            target=old,
            after={"by": determination.pk},
        )
    determination.supersedes = (
        Determination.objects.filter(model=determination.model, state=DeterminationState.SUPERSEDED)
        .order_by("-finalized_at")
        .first()
    )
    determination.state, determination.finalized_at = DeterminationState.FINAL, timezone.now()
    determination.save(update_fields=["state", "finalized_at", "supersedes", "updated_at"])
    model = determination.model
    before = model.current_level.code if model.current_level_id else None
    model.current_level = determination.required_level
    model.save(update_fields=["current_level", "updated_at"])
    audit_record(
        actor=SYSTEM_ACTOR,
        action="determination.final",
        target=determination,
        before={"model_level": before},
        after={
            "model_level": determination.required_level.code
            if determination.required_level
            else None
        },
    )
    _notify(
        determination,
        "final",
        f"Final: {determination}",
        users_with_roles(Role.RSO, Role.CEO, Role.SAFETY_STAFF),
    )


@transaction.atomic
def determination_attach(
    *, actor: Actor, determination: Determination, name: str, chunks: Iterable[bytes]
) -> Attachment:
    determination = _locked(determination)
    _require_author(determination, actor, "attach files")
    _require_state(determination, DeterminationState.DRAFT, doing="given attachments")
    relative = Path("determinations") / str(determination.pk) / uuid.uuid4().hex
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    attachment = Attachment.objects.create(
        determination=determination,
        name=Path(name).name[:300] or "attachment",
        path=str(relative),
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    audit_record(
        actor=actor,
        action="determination.attachment_added",
        target=determination,
        after={"name": attachment.name, "sha256": attachment.sha256},
    )
    return attachment
