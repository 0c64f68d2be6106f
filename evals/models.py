"""Evaluations: the systems that post results, the suites that map logs to thresholds, each
ingestion of a log, the run it produced, and how the run scores against the policy."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from governance.choices import ScoreAggregate, ScoreDirection, ThresholdOutcome
from governance.models import CapabilityThreshold, FrameworkVersion
from governance.registry.models import AIModel, Snapshot

from .choices import ExpectedTasksSource, IngestionStatus, LogFormat, LogStatus
from .parsers.base import EARLIEST, LATEST

LOG_TIMES = (EARLIEST, LATEST)  # the window a log's times must fall in


class EvalSystem(models.Model):
    """A machine client that posts eval results with a bearer token, within its scope."""

    name = models.CharField(max_length=100, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    # Only a SHA-256 of the token is kept; the token itself is shown once.
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(max_length=12, help_text="The token's first characters.")
    token_created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    all_models = models.BooleanField(default=False, help_text="May post for every model.")
    allowed_models = models.ManyToManyField(AIModel, blank=True, related_name="eval_systems")
    all_suites = models.BooleanField(default=False, help_text="May post for every suite.")
    allowed_suites = models.ManyToManyField("EvalSuite", blank=True, related_name="eval_systems")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("evals:system-detail", args=[self.pk])


class EvalSuite(models.Model):
    """A set of eval tasks that measures capability thresholds; logs are matched to it by the
    task names they carry."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    task_names = models.JSONField(
        default=list, help_text="Task names that identify this suite in logs (Inspect, lm-eval)."
    )
    thresholds = models.ManyToManyField(
        CapabilityThreshold,
        blank=True,
        related_name="eval_suites",
        help_text="What it measures, in each framework version; the one in force is used.",
    )
    score_name = models.CharField(
        max_length=100,
        blank=True,
        help_text="Scorer (Inspect) or metric (lm-eval) to use; blank: the log's headline one.",
    )
    success_score = models.FloatField(
        default=1.0, help_text="An attempt succeeds when its score is at least this."
    )
    # Optional override of the threshold's rule, same fields as a framework file's `scoring`.
    scoring_override = models.JSONField(null=True, blank=True)
    expected_tasks_source = models.CharField(
        max_length=30,
        choices=ExpectedTasksSource.choices,
        default=ExpectedTasksSource.FIRST_COMPLETE_RUN,
        help_text="Where the suite's task list comes from.",
    )
    expected_tasks = models.JSONField(
        default=list,
        blank=True,
        help_text="The tasks (Inspect sample ids) a complete run has; a run that lacks some is "
        "scored with them undecided.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ingestion(models.Model):
    """One posted log, written to disk and to this row before any work is queued."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(
        max_length=20,
        choices=IngestionStatus.choices,
        default=IngestionStatus.QUEUED,
        db_index=True,
    )
    eval_system = models.ForeignKey(
        EvalSystem, null=True, blank=True, on_delete=models.PROTECT, related_name="ingestions"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who repeats are recognised among: "system:<id>", or "people" (people and commands).
    poster = models.CharField(max_length=40)
    format = models.CharField(max_length=20, choices=LogFormat.choices)
    file_name = models.CharField(max_length=300)
    file_path = models.CharField(max_length=500, help_text="Relative to MEDIA_ROOT.")
    file_size = models.PositiveBigIntegerField()
    content_sha256 = models.CharField(max_length=64, db_index=True)
    # NULL, not "", where absent: the unique constraints must not treat two absences as equal.
    natural_id = models.CharField(max_length=250, null=True, blank=True)  # noqa: DJ001
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    model_name = models.CharField(max_length=300, help_text="As the log names it.")
    task_names = models.JSONField(default=list)
    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="ingestions")
    suite = models.ForeignKey(
        EvalSuite, null=True, blank=True, on_delete=models.PROTECT, related_name="ingestions"
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="An earlier ingestion of the same evaluation, stored before one evaluation "
        "was stored once whoever posted it (kept for the record, not counted twice).",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # An Idempotency-Key is the poster's own name for a request.
            models.UniqueConstraint(
                "poster",
                "idempotency_key",
                name="ingestion_idempotency_key_unique",
                condition=models.Q(idempotency_key__isnull=False),
            ),
            # A run is one evaluation, whoever posts it: the same bytes, or the same eval id,
            # are stored once. The database holds it, so concurrent posts cannot make two.
            models.UniqueConstraint(
                "content_sha256",
                name="ingestion_content_once",
                condition=models.Q(duplicate_of__isnull=True),
            ),
            models.UniqueConstraint(
                "natural_id",
                name="ingestion_natural_id_once",
                condition=models.Q(natural_id__isnull=False, duplicate_of__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("evals:ingestion-detail", args=[self.pk])

    @property
    def run(self) -> "EvalRun | None":
        """The run stored when the log was ingested (later scorings of the same log against
        other suites are its other `runs`)."""
        return min(self.runs.all(), key=lambda run: run.pk, default=None)


class EvalRun(models.Model):
    """The results of one eval on one snapshot, as stored from an ingested log."""

    # One log may be scored against several suites without being posted twice: a run each.
    ingestion = models.ForeignKey(Ingestion, on_delete=models.PROTECT, related_name="runs")
    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="eval_runs")
    suite = models.ForeignKey(
        EvalSuite, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    eval_system = models.ForeignKey(
        EvalSystem, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    framework_version = models.ForeignKey(
        FrameworkVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="eval_runs",
        help_text="The version in force at the run's time.",
    )
    source_format = models.CharField(max_length=20, choices=LogFormat.choices)
    log_status = models.CharField(max_length=20, choices=LogStatus.choices)
    log_error = models.TextField(blank=True)
    task_name = models.CharField(max_length=300, blank=True)
    model_name = models.CharField(max_length=300)
    score_name = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    total_samples = models.PositiveIntegerField(null=True, blank=True)
    completed_samples = models.PositiveIntegerField(null=True, blank=True)
    epochs = models.PositiveIntegerField(null=True, blank=True)
    helpful_only = models.BooleanField(default=False)
    elicitation = models.JSONField(default=dict)
    unmapped = models.BooleanField(
        default=False, help_text="No suite matches the log's task: nothing to score against."
    )
    scoring_note = models.TextField(blank=True, help_text="Why the run was scored as it was.")
    missing_tasks = models.JSONField(
        default=list,
        blank=True,
        help_text="Tasks of the suite this run did not run: scored as undecided.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ingestion", "suite"],
                name="run_once_per_log_and_suite",
                condition=models.Q(suite__isnull=False),
            ),
            # A log with no suite is kept once, to be mapped (scored in place) later.
            models.UniqueConstraint(
                fields=["ingestion"],
                name="run_unmapped_once_per_log",
                condition=models.Q(suite__isnull=True),
            ),
            # Times from logs stay where every database and Python can read them back: one
            # run stored with year 9999-14:00 broke the run lists for everyone.
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{field}__isnull": True})
                    | models.Q(**{f"{field}__gte": LOG_TIMES[0], f"{field}__lt": LOG_TIMES[1]}),
                    name=f"run_{field}_readable",
                )
                for field in ("started_at", "completed_at")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_name or self.source_format} on {self.snapshot}"

    def get_absolute_url(self) -> str:
        return reverse("evals:run-detail", args=[self.pk])

    @property
    def run_time(self):
        return self.started_at or self.completed_at or self.created_at


class TaskResult(models.Model):
    """One task of a run: its attempts and successes, or a task-level score."""

    run = models.ForeignKey(EvalRun, on_delete=models.CASCADE, related_name="task_results")
    name = models.CharField(max_length=300)
    attempts = models.PositiveIntegerField(default=0)
    successes = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0, help_text="Attempts without a usable score.")
    score = models.FloatField(null=True, blank=True, help_text="Mean attempt score, or metric.")

    class Meta:
        ordering = ["run_id", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "name"], name="task_result_unique")]

    def __str__(self) -> str:
        return self.name


class SampleScore(models.Model):
    """One attempt (sample, epoch) of a task: kept compact, written in bulk."""

    task_result = models.ForeignKey(TaskResult, on_delete=models.CASCADE, related_name="samples")
    epoch = models.PositiveIntegerField()
    value = models.FloatField(null=True)

    class Meta:
        ordering = ["task_result_id", "epoch"]

    def __str__(self) -> str:
        return f"{self.task_result_id}#{self.epoch}={self.value}"


class ThresholdEvaluation(models.Model):
    """How one run scores against one threshold, under the framework version in force at the
    run's time. Recorded with the numbers and the reason."""

    run = models.ForeignKey(EvalRun, on_delete=models.CASCADE, related_name="evaluations")
    threshold = models.ForeignKey(
        CapabilityThreshold, on_delete=models.PROTECT, related_name="evaluations"
    )
    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="evaluations")
    outcome = models.CharField(max_length=20, choices=ThresholdOutcome.choices, db_index=True)
    value = models.FloatField(null=True, blank=True)
    tasks_total = models.PositiveIntegerField()
    tasks_passed = models.PositiveIntegerField()
    tasks_undetermined = models.PositiveIntegerField()
    aggregate = models.CharField(max_length=30, choices=ScoreAggregate.choices)
    direction = models.CharField(max_length=10, choices=ScoreDirection.choices)
    warning_level = models.FloatField(null=True, blank=True)
    crossing_level = models.FloatField()
    min_successes = models.PositiveIntegerField(null=True, blank=True)
    attempts_required = models.PositiveIntegerField(null=True, blank=True)
    rule_source = models.CharField(max_length=20, help_text="threshold or suite override")
    reason = models.TextField()
    task_passes = models.JSONField(default=dict, help_text="Task name -> passed (or null).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["run", "threshold"], name="evaluation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.threshold.code}: {self.outcome}"


__all__ = [
    "EvalRun",
    "EvalSuite",
    "EvalSystem",
    "Ingestion",
    "SampleScore",
    "TaskResult",
    "ThresholdEvaluation",
]
