from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..models import AuditEvent
from ..permissions import is_read_only, user_roles


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "sequence",
            "created_at",
            "actor_type",
            "actor_user",
            "actor_label",
            "actor_ref",
            "action",
            "target_type",
            "target_id",
            "target_repr",
            "before",
            "after",
            "request_id",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    read_only = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "roles",
            "read_only",
        ]
        read_only_fields = fields

    def get_roles(self, user) -> list[str]:
        return sorted(user_roles(user))

    def get_read_only(self, user) -> bool:
        return is_read_only(user)
