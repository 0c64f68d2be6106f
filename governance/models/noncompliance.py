"""Reports of noncompliance with the policy, filed by any staff member, anonymously if they
choose: an anonymous report keeps no trace of who filed it."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from ..choices import NoncomplianceState


class NoncomplianceReport(models.Model):
    summary = models.CharField(max_length=300)
    details = models.TextField()
    concerns_rso = models.BooleanField(
        default=False, help_text="Routed to the board rather than to the RSO."
    )
    # Null for an anonymous report: the reporter is never stored, not even hashed.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()
    state = models.CharField(
        max_length=20,
        choices=NoncomplianceState.choices,
        default=NoncomplianceState.RECEIVED,
        db_index=True,
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    findings = models.TextField(blank=True)
    corrective_action = models.TextField(blank=True)
    material = models.BooleanField(default=False)
    concluded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at"]

    # No summary here: this text is copied into the audit log and notifications' links, which
    # people other than the report's readers may see.
    def __str__(self) -> str:
        return f"Noncompliance report #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("noncompliance-detail", args=[self.pk])

    @property
    def anonymous(self) -> bool:
        return self.reporter_id is None
