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
    ANONYMOUS = "anonymous", "Anonymous reporter"


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


class EscalationKind(models.TextChoices):
    THRESHOLD = "threshold", "Threshold crossed or not ruled out"
    WARNING = "warning", "Warning level reached"
    FORECAST = "forecast", "Crossing forecast within the safety buffer"
    ASSESSMENT_DUE = "assessment_due", "Comprehensive assessment due"
    RSO_REPORT_DUE = "rso_report_due", "RSO quarterly report due"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class EscalationState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


# The transitions between these states are declared in
# governance/oversight/workflows/escalations.py.
ESCALATION_OPEN_STATES = (EscalationState.OPEN, EscalationState.ACKNOWLEDGED)


class EscalationLevel(models.IntegerChoices):
    ASSIGNEE = 0, "Assignee"
    CEO = 1, "Raised to the CEO"
    BOARD = 2, "Raised to the board and trustees"


class RestrictionKind(models.TextChoices):
    PAUSE_TRAINING = "pause_training", "Pause training"
    HOLD_DEPLOYMENT = "hold_deployment", "Hold deployment"


class RestrictionState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    LIFTED = "lifted", "Lifted"
    WITHDRAWN = "withdrawn", "Withdrawn (its escalation was dismissed)"
    # The RSO and the CEO decided to proceed under written interim measures, until a date; once
    # that date passes the restriction blocks again until they decide anew.
    WAIVED = "waived", "Waived under interim measures"


class ClearanceAction(models.TextChoices):
    TRAIN = "train", "Train further"
    DEPLOY = "deploy", "Deploy"


RESTRICTION_FOR_ACTION = {
    ClearanceAction.TRAIN: RestrictionKind.PAUSE_TRAINING,
    ClearanceAction.DEPLOY: RestrictionKind.HOLD_DEPLOYMENT,
}


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class SafeguardsReportState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"
    WITHDRAWN = "withdrawn", "Withdrawn"


class FindingOutcome(models.TextChoices):
    BELOW = "below", "Below"
    CANNOT_RULE_OUT = "cannot_rule_out", "Cannot rule out"
    CROSSED = "crossed", "Crossed"


class DeterminationState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In internal review"
    REVIEWED = "reviewed", "Reviewed, awaiting decision"
    DECIDED = "decided", "Decided, shared with the board and trustees"
    FINAL = "final", "Final"
    SUPERSEDED = "superseded", "Superseded"


DETERMINATION_EDITABLE = (DeterminationState.DRAFT,)


class SeatType(models.TextChoices):
    STOCKHOLDERS = "stockholders", "Elected by stockholders"
    TRUST = "trust", "Elected by the Long-Term Benefit Trust"


class ConflictKind(models.TextChoices):
    FINANCIAL = "financial", "Financial"
    PERSONAL = "personal", "Personal"


class VoteChoice(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    ABSTAIN = "abstain", "Abstain"


class MotionState(models.TextChoices):
    OPEN = "open", "Open for votes"
    CLOSED = "closed", "Closed"


class MotionResult(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    NO_QUORUM = "no_quorum", "No quorum"


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class PolicyChangeState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed by the CEO and the RSO"
    CONSULTATION = "consultation", "In Trust consultation"
    BOARD_VOTE = "board_vote", "Board vote"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    EFFECTIVE = "effective", "In effect"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class NoncomplianceState(models.TextChoices):
    RECEIVED = "received", "Received"
    INVESTIGATING = "investigating", "Under investigation"
    SUBSTANTIATED = "substantiated", "Substantiated"
    UNSUBSTANTIATED = "unsubstantiated", "Not substantiated"


class QuarterlyReportState(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued to the board and the Trust"
