"""Named reads of determinations and safeguards reports, shared by the pages, the API and the
services."""

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from governance import evidence
from governance.choices import DeterminationState, SafeguardsReportState
from governance.determinations.models import Determination, Finding, SafeguardsReport
from governance.models import SafeguardStandard
from governance.registry.models import AIModel
from governance.selectors import framework_version_in_force

# How long an approved safeguards report stays in force when the policy in force names no period.
DEFAULT_RENEWAL_MONTHS = 12


# Determinations


def determinations_list() -> QuerySet[Determination]:
    """Newest first, with the model, the framework version and the resulting level."""
    return Determination.objects.select_related(
        "model", "framework_version", "required_level"
    ).order_by("-created_at")


def determinations_flagged(*, state: str | None = None) -> QuerySet[Determination]:
    """The list page's rows: each annotated with `flagged`, how many of its findings contradict
    the evaluations; only those in `state` when one is given."""
    flagged = Count("findings", filter=Q(findings__contradicts_evidence=True))
    queryset = determinations_list().annotate(flagged=flagged)
    if state is not None:
        queryset = queryset.filter(state=state)
    return queryset


def determinations_with_findings() -> QuerySet[Determination]:
    """What the API shows of each: its findings (with their thresholds), snapshots, required
    safeguards, authors and acknowledgements."""
    return determinations_list().prefetch_related(
        "snapshots",
        "required_safeguards",
        "authors",
        "acknowledgements__user",
        Prefetch("findings", queryset=Finding.objects.select_related("threshold")),
    )


def determination_detail() -> QuerySet[Determination]:
    """What its page shows: the API's relations, and who it was shared with, its attachments
    and who justified each finding."""
    return determinations_list().prefetch_related(
        "snapshots",
        "authors",
        "required_safeguards",
        "acknowledgers",
        "acknowledgements__user",
        "attachments",
        Prefetch("findings", queryset=Finding.objects.select_related("threshold", "justified_by")),
    )


def finding_evidence_links(finding: Finding) -> list[tuple[str, str]]:
    """(label, link) for each piece of evidence the finding cites; one no longer found keeps its
    reference, with no link."""
    links = []
    for reference in finding.evidence:
        try:
            links.append(evidence.describe(reference, finding.determination.model))
        except (ValueError, KeyError, TypeError):
            links.append((f"{reference.get('type')} {reference.get('id')} (no longer found)", ""))
    return links


def determinations_awaiting_acknowledgement(user) -> list[Determination]:
    """Decided determinations shared with `user` that they have not acknowledged yet; none for
    a user without a pk (anonymous, or a machine)."""
    if not user.pk:
        return []
    return list(
        Determination.objects.filter(state=DeterminationState.DECIDED, acknowledgers=user).exclude(
            acknowledgements__user=user
        )
    )


def determination_acknowledgers_waiting(determination: Determination) -> QuerySet:
    """Those it was shared with who have not acknowledged it yet, by username."""
    return determination.acknowledgers.exclude(
        pk__in=determination.acknowledgements.values("user_id")
    ).order_by("username")


def latest_final_determination(model: AIModel) -> Determination | None:
    return (
        Determination.objects.filter(model=model, state=DeterminationState.FINAL)
        .prefetch_related("snapshots", "required_safeguards")
        .order_by("-finalized_at")
        .first()
    )


def latest_superseded_determination(model: AIModel) -> Determination | None:
    return (
        Determination.objects.filter(model=model, state=DeterminationState.SUPERSEDED)
        .order_by("-finalized_at")
        .first()
    )


def asl_history(model: AIModel) -> list[Determination]:
    return list(
        Determination.objects.filter(
            model=model, state__in=[DeterminationState.FINAL, DeterminationState.SUPERSEDED]
        )
        .select_related("required_level")
        .order_by("-finalized_at")
    )


def deployment_gaps(model: AIModel) -> list[str]:
    """Why the model may not be deployed yet: deployment needs a final determination covering
    its latest snapshot and every safeguard it requires approved and in force."""
    latest = model.snapshots.order_by("-created_on", "-id").first()
    determination = latest_final_determination(model)
    if determination is None:
        return ["No final ASL determination for this model."]
    gaps = []
    if latest is not None and latest not in determination.snapshots.all():
        gaps.append(f"The final determination does not cover the latest snapshot, {latest.name}.")
    required = list(determination.required_safeguards.all())
    if not safeguards_in_force(model, required):
        names = ", ".join(standard.name for standard in required)
        gaps.append(f"Required safeguards not all approved and in force: {names}.")
    return gaps


# Safeguards reports


def safeguards_reports_list() -> QuerySet[SafeguardsReport]:
    """Newest first, with the model, the standard and the author."""
    return SafeguardsReport.objects.select_related("model", "standard", "author").order_by(
        "-created_at"
    )


def safeguards_reports_with_evidence() -> QuerySet[SafeguardsReport]:
    """What the API shows of each: the list's relations and the evidence per criterion."""
    return safeguards_reports_list().prefetch_related("evidence__criterion")


def safeguards_report_detail() -> QuerySet[SafeguardsReport]:
    """What its page shows: the approvers, the evidence and every criterion of the standard."""
    return (
        safeguards_reports_list()
        .select_related("approval_rso", "approval_ceo")
        .prefetch_related("evidence__criterion", "standard__criteria")
    )


def safeguards_report_evidence(report: SafeguardsReport) -> dict[str, str]:
    """The report's evidence by criterion code."""
    return {e.criterion.code: e.evidence for e in report.evidence.all()}


def safeguards_report_in_force(report: SafeguardsReport, *, at: dt.datetime | None = None) -> bool:
    """Approved, and the approval has not lapsed."""
    return (
        report.state == SafeguardsReportState.APPROVED
        and report.valid_until is not None
        and report.valid_until > (at or timezone.now())
    )


def safeguards_in_force(model: AIModel, standards, *, at: dt.datetime | None = None) -> bool:
    """Whether every given safeguard standard has an approved report for the model that has
    not expired (an expired approval counts as not in force)."""
    wanted = {standard.pk for standard in standards}
    if not wanted:
        return True
    in_force = set(
        SafeguardsReport.objects.filter(
            model=model,
            standard_id__in=wanted,
            state=SafeguardsReportState.APPROVED,
            valid_until__gt=at or timezone.now(),
        ).values_list("standard_id", flat=True)
    )
    return in_force == wanted


def safeguard_standards_in_force() -> QuerySet[SafeguardStandard]:
    """The safeguard standards of the framework version in force, with their criteria; none
    when no version is in force."""
    version = framework_version_in_force()
    if version is None:
        return SafeguardStandard.objects.none()
    return version.safeguards.prefetch_related("criteria")


def safeguards_renewal_months() -> int:
    """How long an approval stays in force: the renewal period of the policy in force's
    safeguards-approval rule, else DEFAULT_RENEWAL_MONTHS."""
    version = framework_version_in_force()
    if version is not None:
        rule = version.governance_rules.filter(decision="safeguards_approval").first()
        if rule is not None and rule.renewal_months:
            return rule.renewal_months
    return DEFAULT_RENEWAL_MONTHS
