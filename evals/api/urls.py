from django.urls import path

from governance.api.routers import NumericIdSimpleRouter

from . import standing, views

router = NumericIdSimpleRouter()
router.register("ingestions", views.IngestionViewSet, basename="ingestion")
router.register("eval-runs", views.EvalRunViewSet, basename="evalrun")
router.register("eval-suites", views.EvalSuiteViewSet, basename="evalsuite")
router.register("eval-systems", views.EvalSystemViewSet, basename="evalsystem")

urlpatterns = [
    path("models/<int:pk>/standing/", standing.ModelStandingView.as_view(), name="model-standing"),
    *router.urls,
]
