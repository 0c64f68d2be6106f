"""API throttles: signed-in people, eval systems and anonymous callers each get a rate, and
guessing eval-system tokens is slowed per address. Rates are read at request time from
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (settings), so they can be tuned without a code
change (DRF's own classes bind them once, at import)."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRate(SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonymousThrottle(_SettingsRate):
    """Callers with no session and no token: by address."""

    scope = "anonymous"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PersonThrottle(_SettingsRate):
    """A signed-in person: by user."""

    scope = "person"

    def get_cache_key(self, request, view):
        user = request.user
        if not (user and user.is_authenticated) or getattr(user, "eval_system", None):
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class EvalSystemThrottle(_SettingsRate):
    """An eval system: by system, whichever address its posts come from."""

    scope = "eval_system"

    def get_cache_key(self, request, view):
        system = getattr(request.user, "eval_system", None)
        if system is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": system.pk}


class TokenGuessThrottle(_SettingsRate):
    """Failed bearer tokens, by address: past the rate every bearer token from that address is
    refused until the window passes, so tokens cannot be guessed at speed. Authentication runs
    before DRF's throttles, so the token authentication calls this itself."""

    scope = "token_failure"

    def get_cache_key(self, request, view=None):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def wait_if_blocked(self, request) -> float | None:
        """Seconds to wait if this address has failed too often, else None."""
        if self.rate is None:
            return None
        self.key = self.get_cache_key(request)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return self.wait() if len(self.history) >= self.num_requests else None

    def record_failure(self, request) -> None:
        if self.rate is None:
            return
        self.wait_if_blocked(request)
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)
