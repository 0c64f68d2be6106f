"""Filters for the escalation list: its page and the API share this one."""

import django_filters

from governance.choices import (
    ESCALATION_OPEN_STATES,
    EscalationKind,
    EscalationState,
    Severity,
)
from governance.oversight.models import Escalation
from governance.registry.models import AIModel


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
