"""The project's URLs: core pages, each app's pages, the API and the admin."""

from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from governance.board.views import board, meetings, reports
from governance.determinations import views as determinations
from governance.oversight.views import escalations, noncompliance
from governance.registry import views as registry

from . import views
from .views import notifications

# One /api/v1/ namespace ("api:...") for every app's endpoints.
API_V1 = [
    path("", include("governance.api.urls")),
    path("", include("evals.api.urls")),
    path("", include("trust.api.urls")),
]

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("audit/", views.AuditEventListView.as_view(), name="audit-list"),
    path("audit/<int:pk>/", views.AuditEventDetailView.as_view(), name="audit-detail"),
    path("models/", registry.AIModelListView.as_view(), name="model-list"),
    path("models/new/", registry.AIModelCreateView.as_view(), name="model-create"),
    path("models/<int:pk>/", registry.AIModelDetailView.as_view(), name="model-detail"),
    path("models/<int:pk>/edit/", registry.AIModelUpdateView.as_view(), name="model-edit"),
    path(
        "models/<int:pk>/snapshots/new/",
        registry.SnapshotCreateView.as_view(),
        name="snapshot-create",
    ),
    path("snapshots/<int:pk>/edit/", registry.SnapshotUpdateView.as_view(), name="snapshot-edit"),
    path("frameworks/", views.FrameworkListView.as_view(), name="framework-list"),
    path(
        "frameworks/versions/<int:pk>/",
        views.FrameworkVersionDetailView.as_view(),
        name="framework-version-detail",
    ),
    path(
        "frameworks/adopt/",
        views.FrameworkAdoptionCreateView.as_view(),
        name="framework-adopt",
    ),
    path("api/v1/", include((API_V1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # The split view serves Swagger UI's start-up script as a file: no inline script.
        csp_update({"style-src": ["'self'", "'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("escalations/", escalations.EscalationListView.as_view(), name="escalation-list"),
    path(
        "escalations/<int:pk>/",
        escalations.EscalationDetailView.as_view(),
        name="escalation-detail",
    ),
    path(
        "escalations/<int:pk>/<str:verb>/",
        escalations.EscalationActionView.as_view(),
        name="escalation-action",
    ),
    path(
        "restrictions/<int:pk>/sign/<str:stage>/",
        escalations.RestrictionSignView.as_view(),
        name="restriction-sign",
    ),
    path("inbox/", notifications.InboxView.as_view(), name="inbox"),
    path(
        "determinations/", determinations.DeterminationListView.as_view(), name="determination-list"
    ),
    path(
        "determinations/new/",
        determinations.DeterminationCreateView.as_view(),
        name="determination-create",
    ),
    path(
        "determinations/<int:pk>/",
        determinations.DeterminationDetailView.as_view(),
        name="determination-detail",
    ),
    path(
        "determinations/<int:pk>/edit/",
        determinations.DeterminationEditView.as_view(),
        name="determination-edit",
    ),
    path(
        "determinations/<int:pk>/attach/",
        determinations.AttachmentUploadView.as_view(),
        name="determination-attach",
    ),
    path(
        "attachments/<int:pk>/",
        determinations.AttachmentDownloadView.as_view(),
        name="attachment-download",
    ),
    path(
        "determinations/<int:pk>/<str:step>/",
        determinations.DeterminationStepView.as_view(),
        name="determination-step",
    ),
    path("safeguards/", determinations.SafeguardsListView.as_view(), name="safeguards-list"),
    path(
        "safeguards/new/", determinations.SafeguardsCreateView.as_view(), name="safeguards-create"
    ),
    path(
        "safeguards/<int:pk>/",
        determinations.SafeguardsDetailView.as_view(),
        name="safeguards-detail",
    ),
    path(
        "safeguards/<int:pk>/<str:step>/",
        determinations.SafeguardsStepView.as_view(),
        name="safeguards-step",
    ),
    path("webhooks/", notifications.WebhookListView.as_view(), name="webhook-list"),
    path("webhooks/new/", notifications.WebhookSaveView.as_view(), name="webhook-create"),
    path("webhooks/<int:pk>/edit/", notifications.WebhookSaveView.as_view(), name="webhook-edit"),
    path("board/", board.BoardView.as_view(), name="board"),
    path("board/motions/new/", board.MotionCreateView.as_view(), name="motion-create"),
    path("board/motions/<int:pk>/", board.MotionDetailView.as_view(), name="motion-detail"),
    path("board/motions/<int:pk>/<str:step>/", board.MotionStepView.as_view(), name="motion-step"),
    path("board/meetings/", meetings.MeetingListView.as_view(), name="meeting-list"),
    path("board/meetings/new/", meetings.MeetingCreateView.as_view(), name="meeting-create"),
    path("board/meetings/<int:pk>/", meetings.MeetingDetailView.as_view(), name="meeting-detail"),
    path(
        "board/meetings/<int:pk>/<str:step>/",
        meetings.MeetingStepView.as_view(),
        name="meeting-step",
    ),
    path("conflicts/", board.ConflictListView.as_view(), name="conflict-list"),
    path("conflicts/new/", board.ConflictCreateView.as_view(), name="conflict-create"),
    path("conflicts/<int:pk>/<str:step>/", board.ConflictStepView.as_view(), name="conflict-step"),
    path("policy-changes/", board.PolicyChangeListView.as_view(), name="policy-change-list"),
    path(
        "policy-changes/new/", board.PolicyChangeCreateView.as_view(), name="policy-change-create"
    ),
    path(
        "policy-changes/<int:pk>/",
        board.PolicyChangeDetailView.as_view(),
        name="policy-change-detail",
    ),
    path(
        "policy-changes/<int:pk>/<str:step>/",
        board.PolicyChangeStepView.as_view(),
        name="policy-change-step",
    ),
    path(
        "noncompliance/", noncompliance.NoncomplianceListView.as_view(), name="noncompliance-list"
    ),
    path(
        "noncompliance/report/",
        noncompliance.NoncomplianceCreateView.as_view(),
        name="noncompliance-create",
    ),
    path(
        "noncompliance/<int:pk>/",
        noncompliance.NoncomplianceDetailView.as_view(),
        name="noncompliance-detail",
    ),
    path("reports/", reports.QuarterlyReportListView.as_view(), name="quarterly-report-list"),
    path(
        "reports/new/", reports.QuarterlyReportDraftView.as_view(), name="quarterly-report-create"
    ),
    path(
        "reports/<int:pk>/",
        reports.QuarterlyReportDetailView.as_view(),
        name="quarterly-report-detail",
    ),
    path(
        "reports/<int:pk>/pdf/",
        reports.QuarterlyReportPdfView.as_view(),
        name="quarterly-report-pdf",
    ),
    path(
        "reports/<int:pk>/<str:step>/",
        reports.QuarterlyReportStepView.as_view(),
        name="quarterly-report-step",
    ),
    path(
        "noncompliance/<int:pk>/<str:step>/",
        noncompliance.NoncomplianceStepView.as_view(),
        name="noncompliance-step",
    ),
    path("trust/", include("trust.urls")),
    path("evals/", include("evals.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "RSP Governance administration"
admin.site.site_title = "RSP Governance"
