"""The RSO's quarterly report to the board and the Trust: generated from the records, with the
RSO's commentary and the deficiencies they note, issued, and acknowledged by each recipient."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from ..choices import QuarterlyReportState


class QuarterlyReport(models.Model):
    """One report per calendar quarter. While a draft its contents are regenerated on demand;
    issuing freezes them, with their SHA-256, so the HTML and the PDF show the same record."""

    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    period_start = models.DateTimeField()
    # Exclusive: the first moment of the next quarter.
    period_end = models.DateTimeField()
    state = models.CharField(
        max_length=10,
        choices=QuarterlyReportState.choices,
        default=QuarterlyReportState.DRAFT,
        db_index=True,
    )
    contents = models.JSONField(default=dict, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    commentary = models.TextField(blank=True)
    deficiencies = models.JSONField(
        default=list, blank=True, help_text="The deficiencies the RSO notes, one per entry."
    )
    # Null when the system drafted it at the start of the quarter.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    # The directors and trustees it was issued to, as they stood at issue.
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="quarterly_reports_received"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="one_report_per_quarter"),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="quarter_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        return f"RSO report {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("quarterly-report-detail", args=[self.pk])

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.quarter}"


class QuarterlyReportAcknowledgement(models.Model):
    """A recipient's record of having received and read the report."""

    report = models.ForeignKey(
        QuarterlyReport, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["report_id", "at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"], name="one_report_acknowledgement_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} acknowledged {self.report}"
