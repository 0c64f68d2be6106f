"""The Trust's endpoints, in the project's /api/v1/ namespace (as evals' are)."""

from governance.api.routers import NumericIdSimpleRouter

from . import views

router = NumericIdSimpleRouter()
router.register("consultations", views.TrustConsultationViewSet, basename="consultation")
router.register("trustee-terms", views.TrusteeTermViewSet, basename="trusteeterm")
router.register("trustee-elections", views.TrusteeElectionViewSet, basename="trusteeelection")

urlpatterns = router.urls
