"""The core's models: the audit log, frameworks (the policy as data), notifications. Each area's
models live in its app (governance/registry, oversight, determinations, board; trust)."""

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
from .notifications import AwaitedNotice, Notification, WebhookDelivery, WebhookSubscription

__all__ = [
    "AuditEvent",
    "AuditVerification",
    "AwaitedNotice",
    "CadenceRule",
    "CapabilityThreshold",
    "Notification",
    "WebhookDelivery",
    "WebhookSubscription",
    "Framework",
    "FrameworkAdoption",
    "FrameworkVersion",
    "GovernanceRule",
    "SafeguardCriterion",
    "SafeguardStandard",
    "SafetyLevel",
]
