"""The Trust's endpoints, in the project's /api/v1/ namespace (as evals' are)."""

from governance.api.routers import NumericIdSimpleRouter

from . import views

router = NumericIdSimpleRouter()
router.register("consultations", views.TrustConsultationViewSet, basename="consultation")

urlpatterns = router.urls
