"""GET /api/v1/me/work/: the signed-in person's queue, as on their home page."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..my_work import work_awaiting, work_waiting_on_others
from ..panels import home_panels_for
from ..permissions import IsPerson


class WorkActionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()


class WorkItemSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="The workflow: determination, restriction, motion ...")
    id = serializers.CharField()
    kind = serializers.CharField(help_text="What the object is, in words.")
    title = serializers.CharField()
    url = serializers.CharField(help_text="The page where the step is taken.")
    state = serializers.CharField()
    what = serializers.CharField(help_text="What it awaits, in words.")
    who = serializers.ListField(child=serializers.CharField(), help_text="Whom it awaits.")
    due = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    time_left = serializers.CharField(help_text='"3 days left", "overdue by 2 hours" ...')
    actions = serializers.SerializerMethodField()

    def get_actions(self, item) -> list[dict]:
        return [{"name": name, "label": label} for name, label in item.actions]


class OverviewPanelSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    rows = serializers.ListField(child=serializers.DictField())


class MyWorkSerializer(serializers.Serializer):
    awaiting_me = WorkItemSerializer(many=True)
    waiting_on_others = WorkItemSerializer(many=True)
    overview = OverviewPanelSerializer(many=True)


class MyWorkView(APIView):
    """What awaits the signed-in person across every workflow (most urgent first: overdue,
    then by due date), what they moved that now awaits others, and for the RSO and the CEO an
    overview (open escalations by severity, restrictions pending a decision, safeguards lapsing
    within 60 days). People only."""

    permission_classes = [IsPerson]

    @extend_schema(responses=MyWorkSerializer)
    def get(self, request):
        user = request.user
        data = {
            "awaiting_me": work_awaiting(user),
            "waiting_on_others": work_waiting_on_others(user),
            "overview": [
                {"key": panel.key, "title": panel.title, "rows": rows}
                for panel, rows in home_panels_for(user)
            ],
        }
        return Response(MyWorkSerializer(data).data)
