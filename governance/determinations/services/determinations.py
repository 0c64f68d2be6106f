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
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance import evidence as evidence_registry
from governance.audit import SYSTEM as SYSTEM_ACTOR
from governance.audit import Actor, audit_record
from governance.choices import DeterminationState, FindingOutcome, Role, ThresholdOutcome
from governance.determinations.models import Acknowledgement, Attachment, Determination, Finding
from governance.determinations.selectors import (
    determination_acknowledgers_waiting,
    latest_superseded_determination,
    model_evidence,
)
from governance.determinations.workflows.determinations import DECISION, DETERMINATION
from governance.errors import TransitionNotAllowed
from governance.models import CapabilityThreshold, SafeguardStandard, SafetyLevel
from governance.permissions import require_person
from governance.registry.models import AIModel, Snapshot
from governance.selectors import framework_version_in_force
from governance.services.notifications import notify, users_with_roles
from governance.sitting import members_sitting

TEXT_FIELDS = ("title", "summary", "elicitation_statement", "forecast_note", "dissent_notes")
FLAG_FIELDS = ("helpful_only_tested", "precautionary", "provisional")
CONTRADICTED = (ThresholdOutcome.CROSSED, ThresholdOutcome.INCONCLUSIVE)


def _locked(determination: Determination) -> Determination:
    return (
        Determination.objects.select_for_update().select_related("model").get(pk=determination.pk)
    )


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
    DETERMINATION.require(actor, determination, "edit")
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
    evidence = None  # the model's runs, read once, when a finding cites one
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
            if isinstance(reference, dict) and reference.get("type") in ("run", "evaluation"):
                # Evidence about another threshold is no evidence about this one: an autonomy
                # run never stands for a CBRN finding, on the form or through the API.
                evidence = evidence or model_evidence(determination.model)
                mismatch = evidence.choice(reference, threshold).mismatch
                if mismatch:
                    raise ValidationError({"findings": f"[{index}] {threshold.code}: {mismatch}"})
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
    step = DETERMINATION.require(actor, determination, "submit")
    _recheck_findings(determination)
    determination.state = step.target
    determination.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, action=step.audit, target=determination)
    _notify(
        determination,
        "submitted",
        f"Capability report to review: {determination}",
        step.recipients(determination),
    )
    return determination


@transaction.atomic
def determination_review(
    *, actor: Actor, determination: Determination, critique: str, send_back: bool = False
) -> Determination:
    """The internal review: a reviewer who is not an author records a critique and passes the
    report on for decision, or sends it back to its authors."""
    determination = _locked(determination)
    step = DETERMINATION.require(actor, determination, "send_back" if send_back else "review")
    if not critique.strip():
        raise ValidationError({"critique": "Record the critique."})
    determination.reviewer, determination.review_critique = actor, critique.strip()
    determination.reviewed_at = timezone.now()
    determination.state = step.target
    determination.save()
    audit_record(
        actor=actor,
        action=step.audit,
        target=determination,
        after={"critique": determination.review_critique},
    )
    title = f"Sent back: {determination}" if send_back else f"Decide: {determination}"
    _notify(determination, step.audit.split(".")[1], title, step.recipients(determination))
    return determination


@transaction.atomic
def finding_justify(*, actor: Actor, finding: Finding, justification: str) -> Finding:
    """A decider's justification for a "below" that an evaluation contradicts (the policy's
    "evaluations were overly conservative" path). The finding stays flagged."""
    finding = Finding.objects.select_for_update().select_related("determination").get(pk=finding.pk)
    determination = finding.determination
    step = DETERMINATION.require(actor, determination, "justify")
    if finding.justification:
        raise TransitionNotAllowed("This finding is justified already.")
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
        action=step.audit,
        target=determination,
        after={"threshold": finding.threshold.code, "justification": finding.justification},
    )
    return finding


@transaction.atomic
def determination_sign(*, actor: Actor, determination: Determination) -> Determination:
    """The decision: signed by the RSO and the CEO, two different people, neither an author.
    With both, it is shared with the board and the trustees."""
    determination = _locked(determination)
    _recheck_findings(determination)
    DETERMINATION.require(actor, determination, "sign")
    now = timezone.now()
    signed = DECISION.sign(determination, actor, now=now)
    complete = signed.complete
    if complete:
        determination.state, determination.decided_at = DeterminationState.DECIDED, now
    determination.save()
    audit_record(
        actor=actor,
        action="determination.decided" if complete else "determination.signed",
        target=determination,
        after=signed.audit_after(),
    )
    if complete:
        acknowledgers = members_sitting()
        determination.acknowledgers.set(acknowledgers)
        _notify(determination, "shared", f"Please acknowledge: {determination}", acknowledgers)
    return determination


@transaction.atomic
def determination_return(
    *, actor: Actor, determination: Determination, reason: str
) -> Determination:
    """The deciders send a reviewed report back to its authors; any signature given lapses."""
    determination = _locked(determination)
    step = DETERMINATION.require(actor, determination, "return")
    if not reason.strip():
        raise ValidationError({"reason": "Say what the authors should change."})
    determination.state = step.target
    DECISION.clear(determination)
    determination.save()
    audit_record(
        actor=actor,
        action=step.audit,
        target=determination,
        after={"reason": reason.strip()},
    )
    _notify(
        determination,
        "returned",
        f"Sent back by the deciders: {determination}",
        step.recipients(determination),
    )
    return determination


@transaction.atomic
def determination_acknowledge(
    *, actor: Actor, determination: Determination, note: str = ""
) -> Determination:
    determination = _locked(determination)
    DETERMINATION.require(actor, determination, "acknowledge")
    Acknowledgement.objects.create(
        determination=determination, user=actor, at=timezone.now(), note=note.strip()
    )
    audit_record(actor=actor, action="determination.acknowledged", target=determination)
    if not determination_acknowledgers_waiting(determination).exists():
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
    determination.supersedes = latest_superseded_determination(determination.model)
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
    DETERMINATION.require(actor, determination, "attach")
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
