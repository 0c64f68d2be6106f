"""Request-wide middleware: a request id for the audit trail, and read-only roles."""

import re
import uuid

from django.http import HttpResponseForbidden
from django.urls import reverse

from .context import request_id_bound
from .permissions import is_read_only

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Takes X-Request-ID from a trusted proxy (or makes one) and echoes it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        with request_id_bound(request.request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class ReadOnlyRoleMiddleware:
    """Auditors read everything and change nothing: refuse every unsafe request but logging out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method not in _SAFE_METHODS
            and is_read_only(request.user)
            and request.path != reverse("logout")
        ):
            return HttpResponseForbidden("Your role is read-only: you cannot change anything here.")
        return self.get_response(request)
