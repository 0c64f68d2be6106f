"""/api/v1/: the core app's endpoints."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("audit-events", views.AuditEventViewSet, basename="auditevent")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]
