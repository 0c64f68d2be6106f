"""OpenAPI description of the eval systems' bearer tokens (drf-spectacular extension)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class EvalSystemTokenScheme(OpenApiAuthenticationExtension):
    target_class = "evals.auth.EvalSystemTokenAuthentication"
    name = "evalSystemToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An eval system token (create_eval_system, or the Eval systems page).",
        }
