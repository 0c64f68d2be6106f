"""Safeguards reports: the case that a safeguard standard is met for a model, criterion by
criterion, approved by the CEO and the RSO, and in force for a limited time."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from ..choices import SafeguardsReportState
from .frameworks import SafeguardCriterion, SafeguardStandard
from .registry import AIModel


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
        ordering = ["report_id", "criterion__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "criterion"], name="one_evidence_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.evidence[:40]}"
