"""Why an ingestion is refused; each carries the HTTP status the API answers with."""

from governance.errors import DomainError


class IngestionRefused(DomainError):
    """The log cannot be accepted as sent (HTTP 400)."""


class LogTooLarge(IngestionRefused):
    status_code = 413


class OutOfScope(IngestionRefused):
    status_code = 403


class Unresolvable(IngestionRefused):
    """The log is readable but names something we cannot match (HTTP 422)."""

    status_code = 422


class IdempotencyConflict(IngestionRefused):
    status_code = 422
