from governance.api.routers import NumericIdSimpleRouter

from . import views

router = NumericIdSimpleRouter()
router.register("ingestions", views.IngestionViewSet, basename="ingestion")
router.register("eval-runs", views.EvalRunViewSet, basename="evalrun")
router.register("eval-suites", views.EvalSuiteViewSet, basename="evalsuite")
router.register("eval-systems", views.EvalSystemViewSet, basename="evalsystem")

urlpatterns = router.urls
