from django.urls import path

from . import views

app_name = "trust"

urlpatterns = [
    path("", views.TrustHomeView.as_view(), name="home"),
    path("elections/new/", views.ElectionCreateView.as_view(), name="election-create"),
    path("elections/<int:pk>/", views.ElectionDetailView.as_view(), name="election-detail"),
    path("elections/<int:pk>/<str:step>/", views.ElectionStepView.as_view(), name="election-step"),
    path("consultations/new/", views.ConsultationCreateView.as_view(), name="consultation-create"),
    path(
        "consultations/<int:pk>/",
        views.ConsultationDetailView.as_view(),
        name="consultation-detail",
    ),
    path(
        "consultations/<int:pk>/<str:step>/",
        views.ConsultationStepView.as_view(),
        name="consultation-step",
    ),
]
