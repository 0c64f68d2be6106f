"""Domain errors that services raise; the API turns them into 400/403 with the message."""


class DomainError(Exception):
    """A request that breaks a rule of the policy or of a workflow (HTTP 400 unless a subclass
    says otherwise)."""

    status_code = 400


class TransitionNotAllowed(DomainError):
    """The object is not in a state from which this step may be taken."""
