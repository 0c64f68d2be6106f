"""Filter sets shared by the pages and the API, so both accept the same parameters."""

import django_filters
from django import forms

from .models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        field_name="actor_label", lookup_expr="icontains", label="Actor"
    )
    action = django_filters.CharFilter(lookup_expr="istartswith", label="Action")
    target_type = django_filters.CharFilter(label="Object type (app.model)")
    target_id = django_filters.CharFilter(label="Object id")
    date_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="From date",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="To date",
        widget=forms.DateInput(attrs={"type": "date"}),
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
