"""The Long-Term Benefit Trust: its consultations on policy changes and each trustee's advice.

The Trust's advice is not a veto, but a policy change cannot go to a board vote until its
consultation is closed: the Trust has given its collective advice (or let the deadline pass)
and the lab has recorded its response."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from governance.models import PolicyChange


class TrustConsultation(models.Model):
    policy_change = models.OneToOneField(
        PolicyChange, on_delete=models.PROTECT, related_name="consultation"
    )
    question = models.TextField()
    documents = models.JSONField(
        default=list, blank=True, help_text="Titles or links of the documents put to the Trust."
    )
    respond_by = models.DateField(help_text="When the Trust's collective advice is due.")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    collective_advice = models.TextField(blank=True)
    advised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    advised_at = models.DateTimeField(null=True, blank=True)
    lab_response = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"Consultation on {self.policy_change}"

    def get_absolute_url(self) -> str:
        return reverse("trust:consultation-detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class TrusteeAdvice(models.Model):
    consultation = models.ForeignKey(
        TrustConsultation, on_delete=models.CASCADE, related_name="advice"
    )
    trustee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    advice = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["consultation_id", "at"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "trustee"], name="one_advice_per_trustee"
            )
        ]

    def __str__(self) -> str:
        return f"{self.trustee} on {self.consultation}"
