"""Named reads of determinations and safeguards reports, shared by the pages, the API and the
services."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from evals.models import EvalRun, ThresholdEvaluation
from evals.selectors import model_threshold_standings
from governance import evidence
from governance.choices import DeterminationState, SafeguardsReportState
from governance.determinations.models import Determination, Finding, SafeguardsReport
from governance.models import CapabilityThreshold, SafeguardStandard
from governance.registry.models import AIModel
from governance.selectors import framework_version_in_force

# How long an approved safeguards report stays in force when the policy in force names no period.
DEFAULT_RENEWAL_MONTHS = 12


# Determinations


def determinations_list() -> QuerySet[Determination]:
    """Newest first, with the model, the framework version, the resulting level and the
    authors (whom a draft awaits)."""
    return (
        Determination.objects.select_related("model", "framework_version", "required_level")
        .prefetch_related("authors")
        .order_by("-created_at")
    )


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


# The capability report form: the evidence a finding may cite


def _threshold_key(threshold) -> tuple[int, str]:
    """Thresholds are the same across a framework's versions when their code is: a run scored
    under RSP 1.0's "Cyber" is evidence for RSP 2.2's "Cyber", never for another framework's."""
    return (threshold.version.framework_id, threshold.code)


@dataclass(frozen=True)
class EvidenceChoice:
    """One run or threshold evaluation a finding may cite, as the picker offers it for one
    threshold. `mismatch` says why it is no evidence for that threshold ("" when it is)."""

    kind: str  # "run" or "evaluation", as stored in Finding.evidence
    pk: int
    run: EvalRun | None  # None: the reference names nothing of this model
    evaluation: ThresholdEvaluation | None  # the run's evaluation against the threshold
    measures: tuple[str, ...]  # the threshold codes the run is scored against or measures
    mismatch: str = ""

    @property
    def token(self) -> str:
        return f"{self.kind}:{self.pk}"

    @property
    def slug(self) -> str:
        """For element ids: "run_3"."""
        return f"{self.kind}_{self.pk}"


@dataclass(frozen=True)
class ThresholdEvidence:
    """What the form shows beside one threshold: the model's standing (the worst over all its
    snapshots), its latest evaluations, the evidence that measures it and the other runs."""

    standing: ThresholdEvaluation | None
    latest: list
    matching: list[EvidenceChoice]
    others: list[EvidenceChoice]


class ModelEvidence:
    """The model's eval runs and threshold evaluations, read once, for the capability report
    form: which of them a finding for a threshold may cite, and why the others may not."""

    LATEST = 3

    def __init__(self, model: AIModel):
        self.model = model
        runs = (
            EvalRun.objects.filter(snapshot__model=model)
            .select_related("suite", "snapshot")
            .prefetch_related(
                Prefetch(
                    "evaluations",
                    queryset=ThresholdEvaluation.objects.select_related(
                        "threshold__version", "snapshot"
                    ),
                ),
                Prefetch(
                    "suite__thresholds",
                    queryset=CapabilityThreshold.objects.select_related("version"),
                ),
            )
        )
        self.runs = sorted(runs, key=lambda run: (run.run_time, run.pk), reverse=True)
        self.runs_by_pk = {run.pk: run for run in self.runs}
        self.evaluations_by_pk = {e.pk: e for run in self.runs for e in run.evaluations.all()}
        self._measures = {run.pk: self._keys_measured(run) for run in self.runs}
        self.standings: dict[tuple[int, str], ThresholdEvaluation] = {}
        for evaluation in model_threshold_standings(model):  # most severe first
            self.standings.setdefault(_threshold_key(evaluation.threshold), evaluation)

    @staticmethod
    def _keys_measured(run) -> dict[tuple[int, str], None]:
        keys = dict.fromkeys(_threshold_key(e.threshold) for e in run.evaluations.all())
        if run.suite is not None:
            keys.update(dict.fromkeys(_threshold_key(t) for t in run.suite.thresholds.all()))
        return keys

    def _codes(self, run) -> tuple[str, ...]:
        return tuple(sorted({code for _, code in self._measures[run.pk]}))

    def _evaluation_of(self, run, key):
        return next((e for e in run.evaluations.all() if _threshold_key(e.threshold) == key), None)

    def choice(self, reference: dict, threshold) -> EvidenceChoice:
        """The reference `{"type": ..., "id": ...}` as a choice for `threshold`, saying why it is
        no evidence for it: of another threshold, scored against none, or not of this model."""
        kind, pk, key = reference.get("type"), reference.get("id"), _threshold_key(threshold)
        code = threshold.code
        if kind == "evaluation" and pk in self.evaluations_by_pk:
            evaluation = self.evaluations_by_pk[pk]
            run = self.runs_by_pk[evaluation.run_id]
            other = evaluation.threshold.code
            mismatch = (
                ""
                if _threshold_key(evaluation.threshold) == key
                else f"Evaluation {pk} scores {other}, not {code}: cite it under {other}."
            )
            return EvidenceChoice("evaluation", pk, run, evaluation, (other,), mismatch)
        if kind == "run" and pk in self.runs_by_pk:
            run = self.runs_by_pk[pk]
            codes = self._codes(run)
            if key in self._measures[pk]:
                mismatch = ""
            elif codes:
                mismatch = (
                    f"Run {pk} measures {', '.join(codes)}, not {code}: cite it under that "
                    f"threshold, or score its log against a suite that measures {code} (on the "
                    "run's page)."
                )
            else:
                mismatch = (
                    f"Run {pk} is scored against no threshold: score its log against a suite "
                    f"that measures {code} (on the run's page) first."
                )
            return EvidenceChoice("run", pk, run, self._evaluation_of(run, key), codes, mismatch)
        noun = "threshold evaluation" if kind == "evaluation" else "eval run"
        return EvidenceChoice(
            str(kind),
            pk if isinstance(pk, int) else 0,
            None,
            None,
            (),
            f"There is no {noun} {pk} of {self.model}.",
        )

    def standing(self, threshold) -> ThresholdEvaluation | None:
        """The model's standing for the threshold: the most severe over all its snapshots."""
        return self.standings.get(_threshold_key(threshold))

    def for_threshold(self, threshold, cited: list[dict] = ()) -> ThresholdEvidence:
        """The picker for one threshold: the runs that measure it (each as its evaluation
        against the threshold where it has one), the model's other runs, flagged, and whatever
        `cited` names besides, so a stored reference is always shown as it is."""
        key = _threshold_key(threshold)
        matching, others = [], []
        for run in self.runs:
            evaluation = self._evaluation_of(run, key)
            reference = (
                {"type": "evaluation", "id": evaluation.pk}
                if evaluation is not None
                else {"type": "run", "id": run.pk}
            )
            choice = self.choice(reference, threshold)
            (others if choice.mismatch else matching).append(choice)
        offered = {choice.token for choice in matching + others}
        for reference in cited:
            choice = self.choice(reference, threshold)
            if choice.token not in offered:
                offered.add(choice.token)
                (others if choice.mismatch else matching).append(choice)
        latest = [c.evaluation for c in matching if c.evaluation is not None][: self.LATEST]
        return ThresholdEvidence(self.standings.get(key), latest, matching, others)


def model_evidence(model: AIModel) -> ModelEvidence:
    """The model's runs and evaluations as the capability report form's evidence picker offers
    them (three queries, however many runs)."""
    return ModelEvidence(model)
