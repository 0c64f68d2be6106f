"""Named reads, shared by the pages, the API and the services."""

from rest_framework import serializers

from governance.registry.models import AIModel, Snapshot
from governance.registry.selectors import UNASSESSED
from governance.registry.services import MODEL_FIELDS, SNAPSHOT_FIELDS


class AIModelSerializer(serializers.ModelSerializer):
    current_level = serializers.SerializerMethodField()
    snapshot_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = AIModel
        fields = [
            "id",
            *MODEL_FIELDS,
            "current_level",
            "snapshot_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_current_level(self, model) -> str:
        return model.current_level.code if model.current_level_id else UNASSESSED.lower()


class SnapshotSerializer(serializers.ModelSerializer):
    model_name = serializers.CharField(source="model.name", read_only=True)
    external_ids = serializers.ListField(
        child=serializers.CharField(max_length=300),
        required=False,
        max_length=50,
        write_only=True,
        help_text="Names eval systems use for this snapshot, unique across snapshots.",
    )

    class Meta:
        model = Snapshot
        fields = [
            "id",
            "model",
            "model_name",
            *SNAPSHOT_FIELDS,
            "comprehensively_assessed_on",
            "external_ids",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["comprehensively_assessed_on", "created_at", "updated_at"]
        # Uniqueness is checked by the service, which names the clashing snapshot.
        validators = []

    def to_representation(self, snapshot):
        data = super().to_representation(snapshot)
        data["external_ids"] = [item.identifier for item in snapshot.identifiers.all()]
        return data

    def validate_model(self, model):
        if self.instance is not None and model != self.instance.model:
            raise serializers.ValidationError("A snapshot cannot move to another model.")
        return model
