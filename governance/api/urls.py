"""The core app's endpoints, mounted at /api/v1/ in the project's `api` namespace."""

from django.urls import include, path

from governance.board.api import board, meetings, reports
from governance.determinations import api as determinations
from governance.oversight.api import escalations, noncompliance
from governance.registry.api import views as registry

from . import my_work, notifications, views
from .routers import NumericIdRouter

router = NumericIdRouter()
router.register("audit-events", views.AuditEventViewSet, basename="auditevent")
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("framework-versions", views.FrameworkVersionViewSet, basename="frameworkversion")
router.register("framework-adoptions", views.FrameworkAdoptionViewSet, basename="frameworkadoption")
router.register("models", registry.AIModelViewSet, basename="aimodel")
router.register("snapshots", registry.SnapshotViewSet, basename="snapshot")
router.register("escalations", escalations.EscalationViewSet, basename="escalation")
router.register("restrictions", escalations.RestrictionViewSet, basename="restriction")
router.register("notifications", notifications.NotificationViewSet, basename="notification")
router.register("webhooks", notifications.WebhookSubscriptionViewSet, basename="webhook")
router.register("determinations", determinations.DeterminationViewSet, basename="determination")
router.register(
    "safeguards-reports", determinations.SafeguardsReportViewSet, basename="safeguardsreport"
)
router.register("directors", board.DirectorViewSet, basename="director")
router.register("conflicts", board.ConflictDeclarationViewSet, basename="conflict")
router.register("motions", board.MotionViewSet, basename="motion")
router.register("meetings", meetings.MeetingViewSet, basename="meeting")
router.register("policy-changes", board.PolicyChangeViewSet, basename="policychange")
router.register("quarterly-reports", reports.QuarterlyReportViewSet, basename="quarterlyreport")
router.register(
    "noncompliance-reports",
    noncompliance.NoncomplianceReportViewSet,
    basename="noncompliancereport",
)

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("me/work/", my_work.MyWorkView.as_view(), name="me-work"),
    path("", include(router.urls)),
]
