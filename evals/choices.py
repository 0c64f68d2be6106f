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
    NATIVE = "native", "Native JSON"


class LogStatus(models.TextChoices):
    SUCCESS = "success", "Success"
    ERROR = "error", "Error"
    CANCELLED = "cancelled", "Cancelled"
    STARTED = "started", "Started (incomplete)"
