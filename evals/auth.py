"""Eval systems authenticate with `Authorization: Bearer <token>`; only the token's hash is kept."""

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled

from governance.api.throttles import TokenGuessThrottle

from .models import EvalSystem
from .services import eval_system_record_use, token_hash


class MachinePrincipal:
    """request.user for a machine client: authenticated, but with no human role at all."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None
    _governance_roles = frozenset()

    def __init__(self, system: EvalSystem):
        self.eval_system = system

    def get_username(self) -> str:
        return f"eval-system:{self.eval_system.name}"

    def __str__(self) -> str:
        return self.get_username()


class EvalSystemTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header: use 'Bearer <token>'.")
        guesses = TokenGuessThrottle()
        wait = guesses.wait_if_blocked(request)
        if wait is not None:
            raise Throttled(
                wait, detail="Too many unknown tokens from this address; try again later."
            )
        try:
            token = parts[1].decode()
        except UnicodeDecodeError:
            guesses.record_failure(request)
            raise AuthenticationFailed("The token has characters no token has.") from None
        system = EvalSystem.objects.filter(token_hash=token_hash(token)).first()
        if system is None:
            guesses.record_failure(request)
            raise AuthenticationFailed("Unknown token.")
        if system.revoked_at is not None:
            raise AuthenticationFailed("This token has been revoked; ask for a new one.")
        if not system.is_active:
            raise AuthenticationFailed(f"Eval system {system.name} is deactivated.")
        eval_system_record_use(system)
        return MachinePrincipal(system), system

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


def eval_system_of(request) -> EvalSystem | None:
    return getattr(request.user, "eval_system", None)
