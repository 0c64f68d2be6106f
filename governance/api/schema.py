"""The OpenAPI document, made to say what the API does: read-only fields that show a nullable
relation (a StringRelatedField over an optional foreign key, say) are nullable; JSON fields that
may hold null are "any value" (not an ambiguous oneOf); and every operation documents the
errors it can answer, in the shape the exception handler gives them."""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


def _nullable_source(field: serializers.Field) -> bool:
    """Whether the model attribute behind a read-only field may be None: a nullable field, or
    one reached through a nullable relation."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    attrs = getattr(field, "source_attrs", None) or []
    for attr in attrs:
        if model is None:
            return False
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return False
        if getattr(model_field, "null", False):
            return True
        model = getattr(model_field, "related_model", None)
    return False


class GovernanceAutoSchema(AutoSchema):
    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if (
            direction == "response"
            and not meta.get("nullable")
            and getattr(field, "read_only", False)
            and _nullable_source(field)
        ):
            meta["nullable"] = True
        return meta


ERROR_SCHEMA = {
    "type": "object",
    "description": 'Why the request was refused: {"detail": "..."}, or each field with its '
    "messages.",
    "properties": {
        "detail": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    },
    "additionalProperties": True,
}
ERRORS = {
    "400": "The request breaks a rule (bad input, or a step the object's state does not allow).",
    "401": "Not signed in, or an unknown or revoked token.",
    "403": "Signed in, but this role may not do this.",
    "404": "No such object (or none this caller may see).",
    "405": "This method is not allowed here.",
    "409": "Conflicts with the object's current state.",
    "413": "The upload is larger than the limit.",
    "414": "The address (its query string) is too long for the server.",
    "415": "Unsupported content type.",
    "422": "Refers to something that does not exist (a model, snapshot or suite by name).",
    "429": "Too many requests: try again after Retry-After seconds.",
}


def _any_instead_of_ambiguous_null(node):
    """drf-spectacular writes a nullable JSON field as oneOf [{}, {type: null}], and null
    matches both; "any value" (which includes null) is what it means."""
    if isinstance(node, dict):
        one_of = node.get("oneOf")
        if isinstance(one_of, list) and any(option == {} for option in one_of):
            del node["oneOf"]
        for value in node.values():
            _any_instead_of_ambiguous_null(value)
    elif isinstance(node, list):
        for value in node:
            _any_instead_of_ambiguous_null(value)


def postprocess(result, generator, request, public):
    """Add the error answers to every operation, and the shared Error schema they use."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in ERRORS.items():
                operation["responses"].setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    _any_instead_of_ambiguous_null(result)
    return result
