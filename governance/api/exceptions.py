"""API errors in DRF's format: domain and Django validation errors become 400/403, never 500."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        response = drf_exception_handler(exceptions.ValidationError({"detail": str(exc)}), context)
        response.status_code = exc.status_code
        return response
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
