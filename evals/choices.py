"""Enumerations of the evals app."""

from django.db import models


class IngestionStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class LogFormat(models.TextChoices):
    INSPECT_JSON = "inspect_json", "Inspect AI log (.json)"
    INSPECT_EVAL = "inspect_eval", "Inspect AI log (.eval)"
    LM_EVAL = "lm_eval", "lm-evaluation-harness results"
    LM_EVAL_SAMPLES = "lm_eval_samples", "lm-evaluation-harness output (zip, with samples)"
    NATIVE = "native", "Native JSON"


class ExpectedTasksSource(models.TextChoices):
    """Where a suite's list of tasks comes from: a run scored against a suite is judged against
    the whole list, so a subset (`--limit`, `--sample-id`) can show a crossing but never a
    "below"."""

    FIRST_COMPLETE_RUN = "first_complete_run", "The first complete run"
    LIST = "list", "A list kept with the suite"
    DATASET = "dataset", "The dataset's sample ids in each log"


class LogStatus(models.TextChoices):
    SUCCESS = "success", "Success"
    ERROR = "error", "Error"
    CANCELLED = "cancelled", "Cancelled"
    STARTED = "started", "Started (incomplete)"
