"""Enumerations shared across the project."""

from django.db import models


class Role(models.TextChoices):
    """The roles of the policy. Each is a Django auth group of the same name."""

    SAFETY_STAFF = "safety_staff", "Safety staff"
    INTERNAL_REVIEWER = "internal_reviewer", "Internal reviewer"
    RSO = "rso", "Responsible Scaling Officer"
    CEO = "ceo", "CEO"
    BOARD_DIRECTOR = "board_director", "Board director"
    TRUSTEE = "trustee", "Trustee"
    AUDITOR = "auditor", "Auditor"


class ActorType(models.TextChoices):
    USER = "user", "User"
    MACHINE = "machine", "Machine client"
    SYSTEM = "system", "System"


class ThresholdKind(models.TextChoices):
    THRESHOLD = "threshold", "Capability threshold"
    CHECKPOINT = "checkpoint", "Checkpoint"
    ONGOING_ASSESSMENT = "ongoing_assessment", "Ongoing assessment"


class ScoreAggregate(models.TextChoices):
    FRACTION_OF_TASKS_PASSED = "fraction_of_tasks_passed", "Fraction of tasks passed"
    MEAN_SCORE = "mean_score", "Mean task score"
    MAX_SCORE = "max_score", "Best task score"


class ScoreDirection(models.TextChoices):
    HIGHER = "higher", "Higher means more capable"
    LOWER = "lower", "Lower means more capable"


class SafeguardKind(models.TextChoices):
    DEPLOYMENT = "deployment", "Deployment"
    SECURITY = "security", "Security"
    OTHER = "other", "Other"


class SnapshotStage(models.TextChoices):
    PRETRAINING_CHECKPOINT = "pretraining_checkpoint", "Pretraining checkpoint"
    POST_TRAINED = "post_trained", "Post-trained"
    HELPFUL_ONLY = "helpful_only", "Helpful-only"
    RELEASE_CANDIDATE = "release_candidate", "Release candidate"
    DEPLOYED = "deployed", "Deployed"


class DeploymentStatus(models.TextChoices):
    NOT_DEPLOYED = "not_deployed", "Not deployed"
    INTERNAL = "internal", "Internal use"
    LIMITED = "limited", "Limited external access"
    GENERAL = "general", "Generally available"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ThresholdOutcome(models.TextChoices):
    """What an evaluation shows about a threshold, from least to most severe. Inconclusive
    counts as crossed until shown otherwise (the policy's default rule)."""

    BELOW = "below", "Below"
    WARNING = "warning", "Warning"
    INCONCLUSIVE = "inconclusive", "Inconclusive"
    CROSSED = "crossed", "Crossed"

    @property
    def severity(self) -> int:
        return list(ThresholdOutcome).index(self)
