"""Pages of the model registry: models and their snapshots, listed, shown and edited."""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.views.generic import DetailView, ListView

from governance import evidence
from governance.choices import Role, ThresholdOutcome
from governance.determinations.selectors import asl_history
from governance.oversight.selectors import (
    OpenEscalations,
    RestrictionBadge,
    live_restriction_badges_by_model,
    live_restrictions,
    open_escalations_by_model,
)
from governance.panels import model_panels
from governance.permissions import (
    RoleRequiredMixin,
    can_view_audit_log,
)
from governance.registry.filters import AIModelFilter
from governance.registry.forms import AIModelForm, SnapshotForm
from governance.registry.models import AIModel, Snapshot
from governance.registry.selectors import (
    ModelStanding,
    ai_model_current_level_label,
    ai_models_list,
    audit_events_for_registry_model,
    last_comprehensively_assessed_snapshot,
    model_standings,
    snapshot_compute_multiples,
    snapshots_of_model,
)
from governance.registry.services import (
    ai_model_create,
    ai_model_update,
    snapshot_create,
    snapshot_update,
)
from governance.selectors import framework_version_in_force_detailed
from governance.views import ServiceFormView, querystring_without_page

_SEVERITY = {outcome.value: outcome.severity for outcome in ThresholdOutcome}
_WORST = len(_SEVERITY)


@dataclass(frozen=True)
class ModelRow:
    """A row of the models list: the model and what it carries of risk."""

    model: AIModel
    standing: ModelStanding
    restrictions: list[RestrictionBadge]
    escalations: OpenEscalations | None
    # Every threshold of the policy in force, as badges (the evals app's standings).
    thresholds: list

    @property
    def outcome(self) -> str | None:
        """The worst of all: the evaluations of any threshold (of any version) and the badges,
        which count decided findings too (a judged "crossed" is never "not evaluated")."""
        seen = [self.standing.outcome, *(item.status for item in self.thresholds)]
        # "not_evaluated" is no outcome; any other value outside the choices ranks as crossed.
        known = [o for o in seen if o and o != "not_evaluated"]
        return max(known, key=lambda o: _SEVERITY.get(o, _WORST)) if known else None


class AIModelListView(RoleRequiredMixin, ListView):
    template_name = "registry/model_list.html"
    context_object_name = "models"
    paginate_by = 50

    def get_queryset(self):
        self.filterset = AIModelFilter(self.request.GET or None, queryset=ai_models_list())
        if self.filterset.is_bound and not self.filterset.is_valid():
            return AIModel.objects.none()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["querystring"] = querystring_without_page(self.request)
        # Read for the whole page at once: a few queries however many rows.
        models = list(context["object_list"])
        ids = [model.pk for model in models]
        standings = model_standings(models)
        restrictions = live_restriction_badges_by_model(ids)
        escalations = open_escalations_by_model(ids)
        thresholds = evidence.standings(models)
        context["rows"] = [
            ModelRow(
                m,
                standings[m.pk],
                restrictions.get(m.pk, []),
                escalations.get(m.pk),
                thresholds[m.pk].thresholds if m.pk in thresholds else [],
            )
            for m in models
        ]
        return context


class AIModelDetailView(RoleRequiredMixin, DetailView):
    template_name = "registry/model_detail.html"
    context_object_name = "model"
    queryset = ai_models_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        model = self.object
        snapshots = list(snapshots_of_model(model))
        baseline = last_comprehensively_assessed_snapshot(model, snapshots=snapshots)
        context.update(
            snapshots=snapshots,
            baseline=baseline,
            multiples=snapshot_compute_multiples(model, snapshots),
            current_level=ai_model_current_level_label(
                model, evaluated=model_standings([model])[model.pk].outcome is not None
            ),
            version_in_force=framework_version_in_force_detailed(),
            panels=model_panels(model),
            restrictions=live_restrictions(model),
            asl_history=asl_history(model),
        )
        if can_view_audit_log(self.request.user):
            context["history"] = audit_events_for_registry_model(model, snapshots)
        return context


class AIModelCreateView(ServiceFormView):
    write_roles = [Role.SAFETY_STAFF]
    form_class = AIModelForm
    title = "Register a model"
    success_message = "Model registered."
    cancel_url = reverse_lazy("model-list")

    def perform(self, form):
        return ai_model_create(actor=self.request.user, **form.cleaned_data)


class AIModelUpdateView(ServiceFormView):
    write_roles = [Role.SAFETY_STAFF]
    form_class = AIModelForm
    success_message = "Model updated."

    @cached_property
    def model_object(self) -> AIModel:
        return get_object_or_404(AIModel, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        kwargs.update(
            title=f"Edit {self.model_object}", cancel_url=self.model_object.get_absolute_url()
        )
        return super().get_context_data(**kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.model_object}

    def perform(self, form):
        return ai_model_update(
            actor=self.request.user, model=self.model_object, **form.cleaned_data
        )


class SnapshotCreateView(ServiceFormView):
    write_roles = [Role.SAFETY_STAFF]
    form_class = SnapshotForm
    success_message = "Snapshot registered."

    @cached_property
    def model_object(self) -> AIModel:
        return get_object_or_404(AIModel, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        kwargs.update(
            title=f"New snapshot of {self.model_object}",
            cancel_url=self.model_object.get_absolute_url(),
        )
        return super().get_context_data(**kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": Snapshot(model=self.model_object)}

    def perform(self, form):
        return snapshot_create(
            actor=self.request.user,
            model=self.model_object,
            external_ids=form.cleaned_data["external_ids"],
            **form.service_fields(),
        )


class SnapshotUpdateView(ServiceFormView):
    write_roles = [Role.SAFETY_STAFF]
    form_class = SnapshotForm
    success_message = "Snapshot updated."

    @cached_property
    def snapshot(self) -> Snapshot:
        return get_object_or_404(Snapshot.objects.select_related("model"), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        kwargs.update(
            title=f"Edit snapshot {self.snapshot}", cancel_url=self.snapshot.get_absolute_url()
        )
        return super().get_context_data(**kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.snapshot}

    def perform(self, form):
        return snapshot_update(
            actor=self.request.user,
            snapshot=Snapshot.objects.get(pk=self.snapshot.pk),
            external_ids=form.cleaned_data["external_ids"],
            **form.service_fields(),
        )
