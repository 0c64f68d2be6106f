"""Request-wide middleware: health checks, a request id for the audit trail, read-only roles,
the anonymous API throttle."""

import re
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control

from .api.throttles import AnonymousThrottle
from .context import request_id_bound
from .permissions import is_read_only

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
HEALTH_PATH = "/healthz/"
READ_ONLY_MESSAGE = "Your role is read-only: you cannot change anything here."


class HealthCheckMiddleware:
    """Answers /healthz/ first, before host checks and the HTTPS redirect, so a container's
    health probe on 127.0.0.1 over plain HTTP works. Says only whether the database answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != HEALTH_PATH:
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:  # any database failure means unhealthy
            return JsonResponse({"status": "unavailable"}, status=503)
        return JsonResponse({"status": "ok"})


class RequestIdMiddleware:
    """Gives each request an id for the audit trail, echoed in the response. An incoming
    X-Request-ID is used only when a trusted proxy sets it (TRUST_REQUEST_ID_HEADER)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = (
            request.headers.get("X-Request-ID", "") if settings.TRUST_REQUEST_ID_HEADER else ""
        )
        request.request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        with request_id_bound(request.request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class ReadOnlyRoleMiddleware:
    """Auditors read everything and change nothing: refuse every unsafe request but logging out
    and marking their own notifications read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method not in _SAFE_METHODS
            and is_read_only(request.user)
            and request.path not in (reverse("logout"), reverse("inbox"))
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": READ_ONLY_MESSAGE}, status=403)
            raise PermissionDenied(READ_ONLY_MESSAGE)
        return self.get_response(request)


class AnonymousApiThrottleMiddleware:
    """API calls with neither a session nor a bearer token are limited per address before
    anything else runs (DRF would check permissions, and answer 401, before its throttles)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path.startswith("/api/")
            and "HTTP_AUTHORIZATION" not in request.META
            and not request.user.is_authenticated
        ):
            throttle = AnonymousThrottle()
            if not throttle.allow_request(request, None):
                wait = throttle.wait()
                response = JsonResponse(
                    {
                        "detail": "Request was throttled: too many requests without signing in "
                        f"from this address. Expected available in {int(wait or 0) + 1} seconds."
                    },
                    status=429,
                )
                response["Retry-After"] = str(int(wait or 0) + 1)
                return response
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages and API answers are the governance record as one person may see it: no browser or
    proxy keeps a copy (`Cache-Control: no-store`), unless a view chose its own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
