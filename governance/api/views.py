from rest_framework import generics, viewsets
from rest_framework.permissions import IsAuthenticated

from ..filters import AuditEventFilter
from ..permissions import AUDIT_READERS, api_roles
from ..selectors import audit_events_list
from .serializers import AuditEventSerializer, MeSerializer


class MeView(generics.RetrieveAPIView):
    """The signed-in user, with roles: clients use it to show only what the user may do."""

    serializer_class = MeSerializer
    permission_classes = [IsAuthenticated]

    def get_object(self):
        return self.request.user


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log, newest first. Filters match the Audit page."""

    serializer_class = AuditEventSerializer
    permission_classes = [api_roles(read=AUDIT_READERS)]
    filterset_class = AuditEventFilter
    queryset = audit_events_list()
