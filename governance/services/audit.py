"""Scheduled verification of the audit chain."""

import logging

from django.utils import timezone

from ..audit import audit_chain_verify, record_head
from ..models import AuditVerification

logger = logging.getLogger(__name__)


def audit_log_check() -> AuditVerification:
    """Verify the whole audit chain and keep the outcome for the auditors' home page."""
    report = audit_chain_verify()
    verification = AuditVerification.objects.create(
        checked_at=timezone.now(),
        ok=report.ok,
        events_verified=report.events_verified,
        last_hash=report.last_hash,
        first_broken_sequence=report.broken_sequence,
        detail=report.describe(),
    )
    if not report.ok:
        logger.error("audit chain broken: %s", report.describe())
    record_head(report)
    return verification
