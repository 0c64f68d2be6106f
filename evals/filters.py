import django_filters

from governance.choices import ThresholdOutcome
from governance.filters import IdFilter
from governance.registry.models import AIModel

from .choices import IngestionStatus
from .models import EvalRun, EvalSuite, Ingestion


class EvalRunFilter(django_filters.FilterSet):
    model = django_filters.ModelChoiceFilter(
        field_name="snapshot__model", queryset=AIModel.objects.order_by("name"), label="Model"
    )
    snapshot = IdFilter(field_name="snapshot_id")
    suite = django_filters.ModelChoiceFilter(queryset=EvalSuite.objects.all())
    outcome = django_filters.ChoiceFilter(
        choices=ThresholdOutcome.choices, method="with_outcome", label="Outcome"
    )
    unmapped = django_filters.BooleanFilter()

    class Meta:
        model = EvalRun
        fields = ["model", "snapshot", "suite", "outcome", "unmapped"]

    def with_outcome(self, queryset, name, value):
        return queryset.filter(evaluations__outcome=value).distinct()


class IngestionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=IngestionStatus.choices)

    class Meta:
        model = Ingestion
        fields = ["status"]
