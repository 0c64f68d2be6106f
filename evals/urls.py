from django.urls import path

from . import views

app_name = "evals"

urlpatterns = [
    path("runs/", views.EvalRunListView.as_view(), name="run-list"),
    path("runs/<int:pk>/", views.EvalRunDetailView.as_view(), name="run-detail"),
    path("runs/<int:pk>/map/", views.EvalRunMapView.as_view(), name="run-map"),
    path("ingestions/", views.IngestionListView.as_view(), name="ingestion-list"),
    path("ingestions/upload/", views.UploadView.as_view(), name="upload"),
    path("ingestions/<uuid:pk>/", views.IngestionDetailView.as_view(), name="ingestion-detail"),
    path("ingestions/<uuid:pk>/raw/", views.RawLogView.as_view(), name="raw-log"),
    path("suites/", views.EvalSuiteListView.as_view(), name="suite-list"),
    path("suites/new/", views.EvalSuiteCreateView.as_view(), name="suite-create"),
    path("suites/<int:pk>/edit/", views.EvalSuiteUpdateView.as_view(), name="suite-edit"),
    path("systems/", views.EvalSystemListView.as_view(), name="system-list"),
    path("systems/new/", views.EvalSystemCreateView.as_view(), name="system-create"),
    path("systems/<int:pk>/", views.EvalSystemDetailView.as_view(), name="system-detail"),
    path("systems/<int:pk>/edit/", views.EvalSystemUpdateView.as_view(), name="system-edit"),
    path(
        "systems/<int:pk>/token/<str:verb>/",
        views.EvalSystemTokenView.as_view(),
        name="system-token",
    ),
]
