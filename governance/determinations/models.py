"""ASL determinations (capability reports, findings, decisions, acknowledgements) and
safeguards reports."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from governance.models.frameworks import (
    CapabilityThreshold,
    FrameworkVersion,
    SafeguardCriterion,
    SafeguardStandard,
    SafetyLevel,
)
from governance.registry.models import AIModel, Snapshot

from ..choices import DeterminationState, FindingOutcome, SafeguardsReportState


class Determination(models.Model):
    """A capability report and the decision made on it. Nothing changes after the decision;
    a new determination supersedes an old one."""

    model = models.ForeignKey(AIModel, on_delete=models.PROTECT, related_name="determinations")
    snapshots = models.ManyToManyField(Snapshot, related_name="determinations")
    framework_version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="determinations"
    )
    state = models.CharField(
        max_length=20,
        choices=DeterminationState.choices,
        default=DeterminationState.DRAFT,
        db_index=True,
    )
    title = models.CharField(max_length=300)
    summary = models.TextField(help_text="The capability report.")
    elicitation_statement = models.TextField(
        blank=True, help_text="What was tried to elicit the capabilities, and whether it sufficed."
    )
    helpful_only_tested = models.BooleanField(default=False)
    forecast_note = models.TextField(blank=True)
    required_level = models.ForeignKey(
        SafetyLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    required_safeguards = models.ManyToManyField(SafeguardStandard, blank=True, related_name="+")
    precautionary = models.BooleanField(default=False)
    provisional = models.BooleanField(default=False)
    dissent_notes = models.TextField(blank=True)
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_critique = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    decision_rso = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_rso_at = models.DateTimeField(null=True, blank=True)
    decision_ceo = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_ceo_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Everyone who must acknowledge before it is final, as it stood when it was shared.
    acknowledgers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="determinations_to_acknowledge"
    )
    finalized_at = models.DateTimeField(null=True, blank=True)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "governance_determination"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("determination-detail", args=[self.pk])


class Finding(models.Model):
    """What the report finds for one threshold, with the evidence it rests on."""

    determination = models.ForeignKey(
        Determination, on_delete=models.CASCADE, related_name="findings"
    )
    threshold = models.ForeignKey(
        CapabilityThreshold, on_delete=models.PROTECT, related_name="findings"
    )
    outcome = models.CharField(max_length=20, choices=FindingOutcome.choices)
    rationale = models.TextField()
    evidence = models.JSONField(
        default=list, help_text='References like {"type": "evaluation", "id": 12}.'
    )
    # A "below" against an evaluation that crossed (or could not rule out): the deciders must
    # justify it (the "evaluations were overly conservative" path), and it stays flagged.
    contradicts_evidence = models.BooleanField(default=False)
    # How hard the lab tried, stated for a "below" (an eval that failed to elicit a capability is
    # no evidence that it is absent), and what the cited runs say against that statement.
    attempts_per_task = models.PositiveIntegerField(null=True, blank=True)
    scaffolding = models.TextField(blank=True, help_text="Agent scaffold, tools, prompting.")
    helpful_only_tested = models.BooleanField(
        null=True, blank=True, help_text="Whether a helpful-only snapshot was tested."
    )
    elicitation_flags = models.JSONField(default=list, blank=True)
    justification = models.TextField(blank=True)
    justified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "governance_finding"
        ordering = ["determination_id", "threshold__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["determination", "threshold"], name="one_finding_per_threshold"
            )
        ]

    def __str__(self) -> str:
        return f"{self.threshold.code}: {self.get_outcome_display()}"


class Acknowledgement(models.Model):
    """A board director's or trustee's record of having been shown the determination."""

    determination = models.ForeignKey(
        Determination, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        db_table = "governance_acknowledgement"
        ordering = ["determination_id", "at"]
        constraints = [
            models.UniqueConstraint(
                fields=["determination", "user"], name="one_acknowledgement_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} acknowledged {self.determination}"


class Attachment(models.Model):
    """A file attached to a capability report, kept with its SHA-256."""

    determination = models.ForeignKey(
        Determination, on_delete=models.CASCADE, related_name="attachments"
    )
    name = models.CharField(max_length=300)
    path = models.CharField(max_length=500, help_text="Relative to MEDIA_ROOT.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "governance_attachment"
        ordering = ["determination_id", "uploaded_at"]

    def __str__(self) -> str:
        return self.name


class SafeguardsReport(models.Model):
    """One report per model and required safeguard standard; a renewal is a new report."""

    model = models.ForeignKey(AIModel, on_delete=models.PROTECT, related_name="safeguards_reports")
    standard = models.ForeignKey(
        SafeguardStandard, on_delete=models.PROTECT, related_name="reports"
    )
    state = models.CharField(
        max_length=20,
        choices=SafeguardsReportState.choices,
        default=SafeguardsReportState.DRAFT,
        db_index=True,
    )
    summary = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approval_rso = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approval_ceo = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True, db_index=True)
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "governance_safeguardsreport"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.standard.name} for {self.model}"

    def get_absolute_url(self) -> str:
        return reverse("safeguards-detail", args=[self.pk])


class SafeguardEvidence(models.Model):
    """The evidence that one criterion of the standard is met."""

    report = models.ForeignKey(SafeguardsReport, on_delete=models.CASCADE, related_name="evidence")
    criterion = models.ForeignKey(SafeguardCriterion, on_delete=models.PROTECT, related_name="+")
    evidence = models.TextField()

    class Meta:
        db_table = "governance_safeguardevidence"
        ordering = ["report_id", "criterion__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "criterion"], name="one_evidence_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.evidence[:40]}"
