"""Filter sets shared by the pages and the API, so both accept the same parameters."""

import django_filters
from django import forms

from .models import AuditEvent

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
