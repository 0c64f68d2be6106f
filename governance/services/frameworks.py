"""Framework versions: load them from files, and adopt one as the policy in force."""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..audit import Actor, AuditActor, audit_record
from ..choices import Role, ScoreDirection
from ..framework_files import FrameworkFile, FrameworkFileError, read_framework_file
from ..models import (
    CadenceRule,
    CapabilityThreshold,
    Framework,
    FrameworkAdoption,
    FrameworkVersion,
    GovernanceRule,
    SafeguardCriterion,
    SafeguardStandard,
    SafetyLevel,
)
from ..permissions import require_role


@dataclass(frozen=True)
class LoadOutcome:
    file: str
    version: FrameworkVersion
    created: bool


def framework_files_load(*, actor: Actor, paths: list[Path]) -> list[LoadOutcome]:
    """Load framework files. Every file is validated before anything is written, so an invalid
    file refuses the whole batch; a version already loaded with the same content is left as is."""
    files = [read_framework_file(path) for path in paths]
    # Older versions first, so that a file's `supersedes` can name one loaded in this batch.
    files.sort(key=lambda file: (file.document["effective_date"], file.slug, file.version))
    with transaction.atomic():
        return [_load_one(actor, file) for file in files]


def _load_one(actor: Actor, file: FrameworkFile) -> LoadOutcome:
    doc = file.document
    existing = (
        FrameworkVersion.objects.filter(framework__slug=file.slug, version=file.version)
        .select_related("framework")
        .first()
    )
    if existing is not None:
        if existing.document == doc:
            return LoadOutcome(file=file.name, version=existing, created=False)
        raise FrameworkFileError(
            file.name,
            "version",
            f"version {file.version} of {file.slug} is already loaded with different content; "
            "a loaded version never changes, so give the new content a new version",
        )
    framework, _ = Framework.objects.get_or_create(
        slug=file.slug,
        defaults={
            "organisation": doc["framework"]["organisation"],
            "name": doc["framework"]["name"],
            "description": doc["framework"].get("description", ""),
        },
    )
    for key in ("organisation", "name"):
        if doc["framework"][key] != getattr(framework, key):
            raise FrameworkFileError(
                file.name,
                f"framework.{key}",
                f"{file.slug} is already loaded as {getattr(framework, key)!r}; "
                "a new version cannot rename it",
            )
    supersedes = None
    if doc.get("supersedes"):
        supersedes = FrameworkVersion.objects.filter(
            framework=framework, version=doc["supersedes"]
        ).first()
        if supersedes is None:
            raise FrameworkFileError(
                file.name,
                "supersedes",
                f"version {doc['supersedes']} of {file.slug} is not loaded; load it first",
            )
        if supersedes.effective_date > dt.date.fromisoformat(doc["effective_date"]):
            raise FrameworkFileError(
                file.name,
                "supersedes",
                f"version {supersedes.version} took effect later than this one",
            )
    version = FrameworkVersion.objects.create(
        framework=framework,
        version=file.version,
        effective_date=dt.date.fromisoformat(doc["effective_date"]),
        supersedes=supersedes,
        source_url=doc.get("source_url", ""),
        changelog=doc.get("changelog", ""),
        notes=doc.get("notes", ""),
        safety_buffer_compute_multiple=doc.get("safety_buffer_compute_multiple"),
        source_file=file.name,
        source_sha256=file.sha256,
        document=doc,
        loaded_at=timezone.now(),
    )
    _create_contents(version, doc)
    audit_record(
        actor=actor,
        action="framework_version.loaded",
        target=version,
        after={
            "framework": file.slug,
            "version": file.version,
            "file": file.name,
            "sha256": file.sha256,
            "levels": len(doc["levels"]),
            "thresholds": len(doc["thresholds"]),
            "safeguards": len(doc.get("safeguards", [])),
        },
    )
    return LoadOutcome(file=file.name, version=version, created=True)


def _create_contents(version: FrameworkVersion, doc: dict) -> None:
    levels = {
        item["code"]: SafetyLevel.objects.create(
            version=version,
            code=item["code"],
            name=item["name"],
            rank=rank,
            description=item.get("description", ""),
        )
        for rank, item in enumerate(doc["levels"], start=1)
    }
    safeguards = {}
    for position, item in enumerate(doc.get("safeguards", [])):
        standard = SafeguardStandard.objects.create(
            version=version,
            code=item["code"],
            name=item["name"],
            level=levels.get(item.get("level")),
            kind=item.get("kind", "other"),
            description=item.get("description", ""),
            position=position,
        )
        SafeguardCriterion.objects.bulk_create(
            SafeguardCriterion(standard=standard, code=c["code"], text=c["text"], position=n)
            for n, c in enumerate(item.get("criteria", []))
        )
        safeguards[item["code"]] = standard
    for position, item in enumerate(doc["thresholds"]):
        scoring = item.get("scoring") or {}
        task_pass = scoring.get("task_pass") or {}
        threshold = CapabilityThreshold.objects.create(
            version=version,
            code=item["code"],
            name=item["name"],
            domain=item["domain"],
            kind=item["kind"],
            definition=item["definition"],
            response=item.get("response", ""),
            warning_description=item.get("warning", ""),
            required_level=levels.get(item.get("required_level")),
            position=position,
            task_pass_min_successes=task_pass.get("min_successes"),
            task_pass_attempts=task_pass.get("attempts"),
            score_aggregate=scoring.get("aggregate", ""),
            score_direction=scoring.get("direction", ScoreDirection.HIGHER),
            warning_level=scoring.get("warning_level"),
            crossing_level=scoring.get("crossing_level"),
            scoring_note=scoring.get("note", ""),
        )
        threshold.required_safeguards.set(
            [safeguards[code] for code in item.get("required_safeguards", [])]
        )
    CadenceRule.objects.bulk_create(
        CadenceRule(
            version=version,
            name=item["name"],
            compute_multiple=item.get("compute_multiple"),
            months=item.get("months"),
            note=item.get("note", ""),
            position=position,
        )
        for position, item in enumerate(doc.get("cadence", []))
    )
    GovernanceRule.objects.bulk_create(
        GovernanceRule(
            version=version,
            decision=item["decision"],
            description=item.get("description", ""),
            proposers=item.get("proposers", []),
            deciders=item["deciders"],
            advisers=item.get("advisers", []),
            must_inform=item.get("must_inform", []),
            escalate_to=item.get("escalate_to", []),
            deadline_days=item.get("deadline_days"),
            renewal_months=item.get("renewal_months"),
            position=position,
        )
        for position, item in enumerate(doc.get("governance", []))
    )


@transaction.atomic
def framework_version_adopt(
    *, actor: Actor, version: FrameworkVersion, effective_from: dt.datetime, note: str = ""
) -> FrameworkAdoption:
    """Record that `version` is the policy in force from `effective_from` on.

    People adopting a version must be the RSO; the system (seed data, policy changes that take
    effect) adopts as itself.
    """
    if not isinstance(actor, AuditActor):
        require_role(
            actor, Role.RSO, message="Only the Responsible Scaling Officer adopts a policy."
        )
        # The past is on the record: a person can only put a version in force from now on.
        if effective_from < timezone.now() - dt.timedelta(minutes=5):
            raise ValidationError(
                {"effective_from": "A version can be put in force from now on, not in the past."}
            )
    if effective_from.date() < version.effective_date:
        raise ValidationError(
            {
                "effective_from": (
                    f"{version} took effect on {version.effective_date:%Y-%m-%d}; "
                    "it cannot be in force before that."
                )
            }
        )
    if FrameworkAdoption.objects.filter(effective_from=effective_from).exists():
        raise ValidationError(
            {"effective_from": "Another version is already adopted from that exact moment."}
        )
    try:
        with transaction.atomic():
            adoption = FrameworkAdoption.objects.create(
                version=version,
                effective_from=effective_from,
                note=note,
                adopted_by=None if isinstance(actor, AuditActor) else actor,
            )
    except IntegrityError:
        raise ValidationError(
            {"effective_from": "Another version is already adopted from that exact moment."}
        ) from None
    audit_record(
        actor=actor,
        action="framework_version.adopted",
        target=version,
        after={"effective_from": effective_from, "note": note, "adoption_id": adoption.pk},
    )
    return adoption
