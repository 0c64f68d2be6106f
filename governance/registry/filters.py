"""Named reads, shared by the pages, the API and the services."""

import django_filters
from django import forms

from governance.choices import (
    SnapshotStage,
)
from governance.filters import IdFilter
from governance.models import SafetyLevel
from governance.registry.models import AIModel, Snapshot
from governance.registry.selectors import ai_model_search


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
