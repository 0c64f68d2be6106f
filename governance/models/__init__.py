"""The core app's models, by subdomain."""

from .audit import AuditEvent, AuditVerification
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
from .registry import AIModel, Snapshot, SnapshotIdentifier

__all__ = [
    "AIModel",
    "AuditEvent",
    "AuditVerification",
    "CadenceRule",
    "CapabilityThreshold",
    "Framework",
    "FrameworkAdoption",
    "FrameworkVersion",
    "GovernanceRule",
    "SafeguardCriterion",
    "SafeguardStandard",
    "SafetyLevel",
    "Snapshot",
    "SnapshotIdentifier",
]
