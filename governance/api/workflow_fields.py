"""Read-only fields that put an object's workflow on the API: the steps the requesting person
may take now (`actions`) and what the object awaits (`awaiting`), from its declaration."""

import functools

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from ..workflow import workflow_for


@extend_schema_field(serializers.ListField(child=serializers.CharField()))
class WorkflowActionsField(serializers.Field):
    """The names of the steps the requesting person may take on this object now (the same ones
    its page shows as buttons), e.g. ["sign", "return"]."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, obj) -> list[str]:
        request = self.context.get("request")
        workflow = workflow_for(obj)
        if request is None or workflow is None:
            return []
        return sorted(workflow.actions(request.user, obj))


@extend_schema_field(
    inline_serializer(
        "Awaiting",
        {
            "what": serializers.CharField(),
            "who": serializers.ListField(child=serializers.CharField()),
            "due": serializers.DateTimeField(allow_null=True),
        },
        allow_null=True,
    )
)
class AwaitingField(serializers.Field):
    """What the object awaits now, from whom (usernames) and by when; null when nothing."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, obj):
        workflow = workflow_for(obj)
        waiting = workflow.awaiting(obj) if workflow is not None else None
        if waiting is None:
            return None
        due = serializers.DateTimeField().to_representation(waiting.due) if waiting.due else None
        return {"what": waiting.what, "who": [str(u) for u in waiting.who], "due": due}


@functools.cache
def with_workflow_fields(serializer_class: type) -> type:
    """`serializer_class` with `actions` and `awaiting` added (one subclass per class)."""
    name = serializer_class.__name__.removesuffix("Serializer")
    meta = type("Meta", (serializer_class.Meta,), {})
    meta.fields = [*serializer_class.Meta.fields, "actions", "awaiting"]
    attrs = {
        "__module__": serializer_class.__module__,
        "__doc__": serializer_class.__doc__,
        "Meta": meta,
        "actions": WorkflowActionsField(),
        "awaiting": AwaitingField(),
    }
    return type(f"{name}DetailSerializer", (serializer_class,), attrs)


class WorkflowFieldsMixin:
    """For viewsets of stateful objects: one object's responses (retrieve, create, each workflow
    step) carry `actions` and `awaiting`; lists leave them out, since each costs queries per
    object and a list is for finding the object, whose own response says what you may do."""

    def get_serializer_class(self):
        serializer_class = super().get_serializer_class()
        if getattr(self, "action", None) == "list":
            return serializer_class
        return with_workflow_fields(serializer_class)
