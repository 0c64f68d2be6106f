"""Filter sets shared by the pages and the API, so both accept the same parameters."""

import django_filters
from django import forms

from governance.board.models import Motion
from governance.board.services.board import motions_awaiting_vote
from governance.oversight.models import Escalation
from governance.registry.models import AIModel, Snapshot
from governance.registry.selectors import ai_model_search

from .choices import (
    ESCALATION_OPEN_STATES,
    EscalationKind,
    EscalationState,
    MotionState,
    Severity,
    SnapshotStage,
)
from .models import AuditEvent, SafetyLevel

_DATE = forms.DateInput(attrs={"type": "date"})


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        field_name="actor_label", lookup_expr="icontains", label="Actor"
    )
    action = django_filters.CharFilter(lookup_expr="istartswith", label="Action")
    target_type = django_filters.CharFilter(label="Object type (app.model)")
    target_id = django_filters.CharFilter(label="Object id")
    date_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="From date", widget=_DATE
    )
    date_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="To date", widget=_DATE
    )
    request_id = django_filters.CharFilter(label="Request id")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "target_type", "target_id", "date_from", "date_to"]

    def is_valid(self) -> bool:
        valid = super().is_valid()
        data = self.form.cleaned_data if valid else {}
        if valid and data.get("date_from") and data.get("date_to"):
            if data["date_from"] > data["date_to"]:
                self.form.add_error("date_to", "The end date is before the start date.")
                return False
        return valid


class IdFilter(django_filters.NumberFilter):
    """An object id: a whole number in the database's range, else 400 (an id past it once
    overflowed SQLite's integers into a 500)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)


class AIModelFilterForm(forms.Form):
    def clean_asl(self):
        value = (self.cleaned_data.get("asl") or "").strip()
        if value and value.lower() != "unassessed":
            if not SafetyLevel.objects.filter(code__iexact=value).exists():
                # With params, not an f-string: django-filter %-formats the message, and the
                # value may hold a "%".
                raise forms.ValidationError("Unknown level %(value)r.", params={"value": value})
        return value


class AIModelFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    developer = django_filters.CharFilter(lookup_expr="iexact")
    family = django_filters.CharFilter(lookup_expr="iexact")
    stage = django_filters.ChoiceFilter(
        choices=SnapshotStage.choices,
        method="with_snapshot_stage",
        label="Has a snapshot at stage",
    )
    asl = django_filters.CharFilter(
        method="at_level", label="Current level (e.g. ASL-3, or 'unassessed')"
    )

    class Meta:
        model = AIModel
        fields = ["q", "developer", "family", "stage", "asl"]
        form = AIModelFilterForm

    def search(self, queryset, name, value):
        return ai_model_search(queryset, value)

    def with_snapshot_stage(self, queryset, name, value):
        return queryset.filter(pk__in=Snapshot.objects.filter(stage=value).values("model_id"))

    def at_level(self, queryset, name, value):
        if value.strip().lower() == "unassessed":
            return queryset.filter(current_level__isnull=True)
        return queryset.filter(current_level__code__iexact=value.strip())


class SnapshotFilter(django_filters.FilterSet):
    model = IdFilter(field_name="model_id")
    stage = django_filters.ChoiceFilter(choices=SnapshotStage.choices)
    external_id = django_filters.CharFilter(
        field_name="identifiers__identifier", lookup_expr="iexact", label="External identifier"
    )

    class Meta:
        model = Snapshot
        fields = ["model", "stage", "deployment_status", "external_id"]


class EscalationFilter(django_filters.FilterSet):
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    state = django_filters.ChoiceFilter(choices=EscalationState.choices)
    kind = django_filters.ChoiceFilter(choices=EscalationKind.choices)
    model = django_filters.ModelChoiceFilter(queryset=AIModel.objects.order_by("name"))
    overdue = django_filters.BooleanFilter(method="only_overdue", label="Overdue")

    class Meta:
        model = Escalation
        fields = ["severity", "state", "kind", "model", "overdue"]

    def only_overdue(self, queryset, name, value):
        from django.utils import timezone

        late = {"state__in": ESCALATION_OPEN_STATES, "due_at__lt": timezone.now()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


class MotionFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=MotionState.choices)
    awaiting = django_filters.ChoiceFilter(
        choices=[("me", "me")],
        method="awaiting_vote",
        label="awaiting=me: open motions you may vote on and have not",
    )

    class Meta:
        model = Motion
        fields = ["state", "policy_change", "meeting", "awaiting"]

    def awaiting_vote(self, queryset, name, value):
        return motions_awaiting_vote(getattr(self.request, "user", None), queryset)
