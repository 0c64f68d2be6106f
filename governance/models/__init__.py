"""The core app's models, by subdomain."""

from .audit import AuditEvent, AuditVerification
from .board import (
    ConflictDeclaration,
    Director,
    Meeting,
    Motion,
    PolicyChange,
    SeatMilestone,
    Vote,
)
from .determinations import Acknowledgement, Attachment, Determination, Finding
from .escalations import Escalation, EscalationEvent, Restriction
from .frameworks import (
    CadenceRule,
    CapabilityThreshold,
    Framework,
    FrameworkAdoption,
    FrameworkVersion,
    GovernanceRule,
    SafeguardCriterion,
    SafeguardStandard,
    SafetyLevel,
)
from .noncompliance import NoncomplianceReport
from .notifications import Notification, WebhookDelivery, WebhookSubscription
from .registry import AIModel, Snapshot, SnapshotIdentifier
from .reports import QuarterlyReport, QuarterlyReportAcknowledgement
from .safeguards import SafeguardEvidence, SafeguardsReport

__all__ = [
    "AIModel",
    "Acknowledgement",
    "Attachment",
    "Determination",
    "Finding",
    "AuditEvent",
    "AuditVerification",
    "CadenceRule",
    "CapabilityThreshold",
    "ConflictDeclaration",
    "Director",
    "Meeting",
    "Motion",
    "PolicyChange",
    "QuarterlyReport",
    "QuarterlyReportAcknowledgement",
    "Vote",
    "Escalation",
    "EscalationEvent",
    "NoncomplianceReport",
    "Notification",
    "Restriction",
    "WebhookDelivery",
    "WebhookSubscription",
    "Framework",
    "FrameworkAdoption",
    "FrameworkVersion",
    "GovernanceRule",
    "SafeguardCriterion",
    "SafeguardEvidence",
    "SafeguardsReport",
    "SafeguardStandard",
    "SafetyLevel",
    "SeatMilestone",
    "Snapshot",
    "SnapshotIdentifier",
]
