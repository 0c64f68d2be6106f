"""Safety frameworks as data: each version of a lab's policy, its levels, safeguards,
thresholds, cadences and decision rules, loaded from a file (governance/frameworks/*.yaml).

A loaded version never changes; a new policy is a new version. Which version is in force is
recorded by FrameworkAdoption.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from ..choices import SafeguardKind, ScoreAggregate, ScoreDirection, ThresholdKind
from ..scoring import ScoringRule


class Framework(models.Model):
    """A lab's safety framework across its versions, e.g. Anthropic's RSP."""

    slug = models.SlugField(max_length=80, unique=True)
    organisation = models.CharField(max_length=200)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.name}"


class FrameworkVersion(models.Model):
    """One published version of a framework, exactly as its file said (kept in `document`)."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=30)
    effective_date = models.DateField(help_text="The date the policy itself took effect.")
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    source_url = models.URLField(max_length=500, blank=True)
    changelog = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    safety_buffer_compute_multiple = models.FloatField(
        null=True, blank=True, help_text="Effective-compute margin of warning-sign evaluations."
    )
    source_file = models.CharField(max_length=300)
    source_sha256 = models.CharField(max_length=64)
    document = models.JSONField(help_text="The validated file content, for diffs and audits.")
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["framework__organisation", "framework__name", "-effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "version"], name="framework_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.framework} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("framework-version-detail", args=[self.pk])


class SafetyLevel(models.Model):
    """A level of a framework (ASL-1..ASL-4, or High/Critical), ranked lowest first."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="levels")
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    rank = models.PositiveSmallIntegerField()
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["version_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="level_code_unique"),
            models.UniqueConstraint(fields=["version", "rank"], name="level_rank_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class SafeguardStandard(models.Model):
    """A set of required safeguards, e.g. "ASL-3 Security Standard", judged by its criteria."""

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="safeguards"
    )
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    level = models.ForeignKey(
        SafetyLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="safeguards"
    )
    kind = models.CharField(max_length=20, choices=SafeguardKind.choices, default="other")
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["version_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="safeguard_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class SafeguardCriterion(models.Model):
    """One criterion a safeguards report must show evidence for."""

    standard = models.ForeignKey(
        SafeguardStandard, on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.CharField(max_length=50)
    text = models.TextField()
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["standard_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="criterion_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.standard.code}/{self.code}"


class CapabilityThreshold(models.Model):
    """A capability that, once crossed, requires stronger safeguards; with its scoring rule.

    The scoring rule is optional: where a policy sets no numeric rule, evaluations of this
    threshold need a rule from their eval suite, or stay a matter of judgement.
    """

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="thresholds"
    )
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=ThresholdKind.choices)
    definition = models.TextField()
    response = models.TextField(blank=True, help_text="What the policy says to do when crossed.")
    warning_description = models.TextField(
        blank=True, help_text="The warning sign (yellow line, alert threshold) in words."
    )
    required_level = models.ForeignKey(
        SafetyLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="thresholds"
    )
    required_safeguards = models.ManyToManyField(
        SafeguardStandard, blank=True, related_name="required_by"
    )
    position = models.PositiveSmallIntegerField()
    # The scoring rule, null where the policy sets none.
    task_pass_min_successes = models.PositiveIntegerField(null=True, blank=True)
    task_pass_attempts = models.PositiveIntegerField(null=True, blank=True)
    score_aggregate = models.CharField(max_length=30, choices=ScoreAggregate.choices, blank=True)
    score_direction = models.CharField(
        max_length=10, choices=ScoreDirection.choices, default=ScoreDirection.HIGHER
    )
    warning_level = models.FloatField(null=True, blank=True)
    crossing_level = models.FloatField(null=True, blank=True)
    scoring_note = models.TextField(blank=True)

    class Meta:
        ordering = ["version_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="threshold_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    @property
    def scoring_rule(self) -> ScoringRule | None:
        if self.crossing_level is None or not self.score_aggregate:
            return None
        return ScoringRule(
            aggregate=ScoreAggregate(self.score_aggregate),
            direction=ScoreDirection(self.score_direction),
            crossing_level=self.crossing_level,
            warning_level=self.warning_level,
            min_successes=self.task_pass_min_successes,
            attempts=self.task_pass_attempts,
        )


class CadenceRule(models.Model):
    """When a model must be evaluated again: an effective-compute multiple or months elapsed."""

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="cadence_rules"
    )
    name = models.CharField(max_length=200)
    compute_multiple = models.FloatField(null=True, blank=True)
    months = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["version_id", "position"]

    def __str__(self) -> str:
        return self.name


class GovernanceRule(models.Model):
    """Who decides a kind of decision, who advises, who must be told, and by when."""

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="governance_rules"
    )
    decision = models.CharField(max_length=60)
    description = models.TextField(blank=True)
    proposers = models.JSONField(default=list, blank=True)
    deciders = models.JSONField(default=list, help_text="Roles that must all decide.")
    advisers = models.JSONField(default=list, blank=True)
    must_inform = models.JSONField(default=list, blank=True)
    escalate_to = models.JSONField(
        default=list, blank=True, help_text="Who decides when the matter concerns a decider."
    )
    deadline_days = models.PositiveIntegerField(null=True, blank=True)
    renewal_months = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["version_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "decision"], name="governance_rule_unique")
        ]

    def __str__(self) -> str:
        return self.decision


class FrameworkAdoption(models.Model):
    """The organisation's record that a framework version is in force from a moment on.

    The version in force at time T is the one adopted with the latest `effective_from` <= T.
    """

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="adoptions"
    )
    effective_from = models.DateTimeField(unique=True)
    note = models.TextField(blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.version} in force from {self.effective_from:%Y-%m-%d}"
