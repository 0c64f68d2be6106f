"""The board: directors' seats, conflicts, meetings, motions and votes, policy changes, and the
RSO's quarterly reports."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from governance.models.frameworks import FrameworkVersion

from ..choices import (
    ConflictKind,
    MeetingState,
    MotionResult,
    MotionState,
    PolicyChangeState,
    QuarterlyReportState,
    SeatType,
    VoteChoice,
)


class Director(models.Model):
    """A seat on the board, held by a person for a term."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="directorships"
    )
    seat_type = models.CharField(max_length=20, choices=SeatType.choices)
    term_start = models.DateField()
    term_end = models.DateField(null=True, blank=True)
    # The chair receives noncompliance reports that concern the RSO. One seat at a time holds
    # it; the services clear it from the others.
    chair = models.BooleanField(default=False)

    class Meta:
        db_table = "governance_director"
        ordering = ["term_start", "id"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_seat_type_display()})"


class ConflictDeclaration(models.Model):
    """A director's or trustee's declared interest in an organisation, reviewed yearly. A vote
    or consultation on a matter naming that organisation needs their recusal."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conflicts"
    )
    organisation = models.CharField(max_length=200)
    relationship = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=ConflictKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    reviewed_on = models.DateField(null=True, blank=True)
    review_reminded_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the declarer was last reminded that the yearly review is due. A "
        "reminder on or before the last review belongs to an earlier cycle.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "governance_conflictdeclaration"
        ordering = ["user_id", "organisation"]

    def __str__(self) -> str:
        return f"{self.user}: {self.organisation} ({self.get_kind_display().lower()})"

    def get_absolute_url(self) -> str:
        return f"{reverse('conflict-list')}#conflict-{self.pk}"


class PolicyChange(models.Model):
    """A proposal to put a new framework version in force: proposed by the CEO and the RSO,
    put to the Trust, approved by the board, published, then in effect."""

    title = models.CharField(max_length=300)
    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="policy_changes"
    )
    rationale = models.TextField()
    changelog_entry = models.TextField()
    effective_from = models.DateTimeField()
    organisations = models.JSONField(
        default=list, blank=True, help_text="Organisations the change concerns (for recusals)."
    )
    state = models.CharField(
        max_length=20,
        choices=PolicyChangeState.choices,
        default=PolicyChangeState.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposal_rso = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposal_ceo = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    consultation_opened_at = models.DateTimeField(null=True, blank=True)
    consultation_closed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "governance_policychange"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("policy-change-detail", args=[self.pk])


class Meeting(models.Model):
    """A meeting of the board: scheduled, then held (with the directors present and its
    minutes) or cancelled. Motions may be put at it."""

    title = models.CharField(max_length=300)
    scheduled_for = models.DateTimeField(db_index=True)
    location = models.CharField(max_length=500, blank=True, help_text="Where, or how to join.")
    agenda = models.TextField(blank=True)
    state = models.CharField(
        max_length=20, choices=MeetingState.choices, default=MeetingState.SCHEDULED, db_index=True
    )
    minutes = models.TextField(blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="+",
        blank=True,
        help_text="Directors present (sitting on the day of the meeting).",
    )
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "governance_meeting"
        ordering = ["-scheduled_for", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meeting-detail", args=[self.pk])


class Motion(models.Model):
    """A question put to the board. Quorum: more than `quorum_fraction` of the directors
    sitting when it opened take part (abstaining counts; recused do not). Passing: yes votes
    are more than `pass_fraction` of the yes and no votes (abstentions are not votes cast)."""

    title = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    # A motion without a quorum can be put again, so a change may have several motions.
    policy_change = models.ForeignKey(
        PolicyChange, null=True, blank=True, on_delete=models.PROTECT, related_name="motions"
    )
    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="motions",
        help_text="The board meeting it was put at, if any.",
    )
    organisations = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=MotionState.choices, default=MotionState.OPEN)
    quorum_fraction = models.FloatField(default=0.5)
    pass_fraction = models.FloatField(default=0.5)
    sitting = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="+",
        help_text="Directors sitting when the motion opened.",
    )
    recused = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="+",
        blank=True,
        help_text="Sitting directors with a declared conflict on the motion's organisations.",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=20, choices=MotionResult.choices, blank=True)
    tally = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "governance_motion"
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("motion-detail", args=[self.pk])


class Vote(models.Model):
    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="votes")
    director = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.CharField(max_length=10, choices=VoteChoice.choices)
    at = models.DateTimeField()

    class Meta:
        db_table = "governance_vote"
        ordering = ["motion_id", "at"]
        constraints = [models.UniqueConstraint(fields=["motion", "director"], name="one_vote_each")]

    def __str__(self) -> str:
        return f"{self.director}: {self.choice}"


class SeatMilestone(models.Model):
    """A step of the phase-in of Trust-elected directors (the Trust elects a majority of the
    board within 4 years, by time- and funding-based milestones), entered from the lab's
    governing documents."""

    description = models.CharField(max_length=300)
    due_on = models.DateField(null=True, blank=True, help_text="For a time-based milestone.")
    trust_seats = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Trust-elected seats required by this milestone."
    )
    majority = models.BooleanField(
        default=False, help_text="This milestone requires a Trust-elected majority of the board."
    )

    class Meta:
        db_table = "governance_seatmilestone"
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description


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
        db_table = "governance_quarterlyreport"
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
        db_table = "governance_quarterlyreportacknowledgement"
        ordering = ["report_id", "at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"], name="one_report_acknowledgement_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} acknowledged {self.report}"
