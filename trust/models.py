"""The Long-Term Benefit Trust: its consultations on policy changes and each trustee's advice.

The Trust's advice is not a veto, but a policy change cannot go to a board vote until its
consultation is closed: the Trust has given its collective advice (or let the deadline pass)
and the lab has recorded its response."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from governance.board.models import PolicyChange
from governance.choices import VoteChoice


class AdviceStance(models.TextChoices):
    """Where advice stands on the change, so a director sees at a glance that the Trust advised
    against it. Blank on advice given before the stance was asked: shown as "not stated"."""

    SUPPORTS = "supports", "Supports the change"
    CONDITIONS = "conditions", "Supports it with conditions"
    AGAINST = "against", "Advises against the change"
    NO_POSITION = "no_position", "Takes no position"


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
    collective_stance = models.CharField(max_length=20, choices=AdviceStance.choices, blank=True)
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
    stance = models.CharField(max_length=20, choices=AdviceStance.choices, blank=True)
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


class TrusteeTerm(models.Model):
    """One year as a trustee. Founding terms are recorded by an administrator; every later term
    comes from an election by the sitting trustees."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trustee_terms"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="The last day of the term.")
    election = models.OneToOneField(
        "TrusteeElection", null=True, blank=True, on_delete=models.PROTECT, related_name="term"
    )
    reminded_60_at = models.DateTimeField(null=True, blank=True)
    reminded_30_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "id"]

    def __str__(self) -> str:
        return f"{self.user}: {self.starts_on:%Y-%m-%d} – {self.ends_on:%Y-%m-%d}"


class TrusteeElection(models.Model):
    """A nomination put to the trustees sitting when it opened (the candidate excepted)."""

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    term_starts_on = models.DateField()
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    electors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=20, blank=True)
    tally = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"Election of {self.candidate} from {self.term_starts_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("trust:election-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ElectionVote(models.Model):
    election = models.ForeignKey(TrusteeElection, on_delete=models.CASCADE, related_name="votes")
    trustee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.CharField(max_length=10, choices=VoteChoice.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["election_id", "at"]
        constraints = [
            models.UniqueConstraint(fields=["election", "trustee"], name="one_election_vote_each")
        ]

    def __str__(self) -> str:
        return f"{self.trustee}: {self.choice}"
