"""Read-only fields that put an object's workflow on the API: the steps the requesting person
may take now (`actions`) and what the object awaits (`awaiting`), from its declaration."""

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
