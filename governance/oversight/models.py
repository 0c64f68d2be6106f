"""Oversight: escalations, the restrictions they propose (pauses, holds, waivers), and
noncompliance reports."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from governance.models.frameworks import CapabilityThreshold
from governance.registry.models import AIModel, Snapshot

from ..choices import (
    EscalationKind,
    EscalationLevel,
    EscalationState,
    NoncomplianceState,
    RestrictionKind,
    RestrictionState,
    Severity,
    ThresholdOutcome,
)


class Escalation(models.Model):
    """A matter someone must act on by a date: a threshold crossed (or not ruled out), a warning,
    an assessment due. One open escalation per model and subject; new evidence updates it."""

    kind = models.CharField(max_length=20, choices=EscalationKind.choices)
    # What the escalation is about, so a new trigger finds the open one: e.g. the threshold code.
    subject = models.CharField(max_length=200)
    # "model:<id>" or "organisation": what one open escalation per subject is counted within.
    scope = models.CharField(max_length=40)
    model = models.ForeignKey(
        AIModel, null=True, blank=True, on_delete=models.PROTECT, related_name="escalations"
    )
    snapshot = models.ForeignKey(
        Snapshot, null=True, blank=True, on_delete=models.PROTECT, related_name="escalations"
    )
    threshold = models.ForeignKey(
        CapabilityThreshold,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    outcome = models.CharField(max_length=20, choices=ThresholdOutcome.choices, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    state = models.CharField(
        max_length=20, choices=EscalationState.choices, default=EscalationState.OPEN, db_index=True
    )
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    trigger_ref = models.CharField(
        max_length=100, blank=True, help_text="e.g. evals.thresholdevaluation:12"
    )
    trigger_url = models.CharField(max_length=300, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(
        choices=EscalationLevel.choices, default=EscalationLevel.ASSIGNEE
    )
    due_at = models.DateTimeField(db_index=True)
    # When it was (re)opened, and last raised: the deadlines count from these.
    opened_at = models.DateTimeField()
    raised_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    determination = models.ForeignKey(
        "determinations.Determination",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolved_escalations",
        help_text="The determination that resolved it (threshold escalations).",
    )
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "governance_escalation"
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                "subject",
                "scope",
                name="one_open_escalation_per_subject",
                condition=models.Q(state__in=["open", "acknowledged"]),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("escalation-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in (EscalationState.OPEN, EscalationState.ACKNOWLEDGED)


class EscalationEvent(models.Model):
    """One line of an escalation's timeline."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor_label = models.CharField(max_length=200)
    kind = models.CharField(max_length=40)
    message = models.TextField()

    class Meta:
        db_table = "governance_escalationevent"
        ordering = ["escalation_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message[:60]}"


# Who signed what on a restriction: what pages and the API show with it.
RESTRICTION_SIGNERS = (
    "activation_rso",
    "activation_ceo",
    "lift_rso",
    "lift_ceo",
    "waiver_rso",
    "waiver_ceo",
)


class Restriction(models.Model):
    """A pause on training or deployment of a model. Activating and lifting each need both the
    RSO and the CEO, two different people."""

    model = models.ForeignKey(AIModel, on_delete=models.PROTECT, related_name="restrictions")
    kind = models.CharField(max_length=20, choices=RestrictionKind.choices)
    state = models.CharField(
        max_length=20,
        choices=RestrictionState.choices,
        default=RestrictionState.PROPOSED,
        db_index=True,
    )
    escalation = models.ForeignKey(
        Escalation, null=True, blank=True, on_delete=models.PROTECT, related_name="restrictions"
    )
    reason = models.TextField()
    compute_cap_flop = models.FloatField(
        null=True, blank=True, help_text="Pause training: no snapshot beyond this compute."
    )
    activation_rso = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activation_ceo = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    lift_rso = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_ceo = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    # A waiver: the RSO's and the CEO's written decision to proceed under interim measures that
    # give the same assurance, until a date. The first signer writes it; the second signs it.
    waiver_measures = models.TextField(blank=True)
    waiver_until = models.DateTimeField(null=True, blank=True)
    waiver_rso = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waiver_ceo = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "governance_restriction"
        # The pk breaks ties: an escalation proposes its pause and its hold in one instant, and
        # their order on the page must not change between two readers.
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A waived restriction is not "live": a new crossing proposes a new one, which blocks.
            models.UniqueConstraint(
                "model",
                "kind",
                name="one_live_restriction_per_kind",
                condition=models.Q(state__in=["proposed", "active"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.model} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        # Restrictions are shown, and signed, on their escalation's page or their model's page.
        page = self.escalation.get_absolute_url() if self.escalation_id else None
        return f"{page or self.model.get_absolute_url()}#restriction-{self.pk}"

    def waiver_in_force(self, at=None) -> bool:
        from django.utils import timezone

        # waived_at: both signatures are on these measures (a renewal clears it until then).
        return (
            self.state == RestrictionState.WAIVED
            and self.waived_at is not None
            and self.waiver_until is not None
            and self.waiver_until > (at or timezone.now())
        )


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
        db_table = "governance_noncompliancereport"
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
