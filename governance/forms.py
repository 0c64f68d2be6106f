"""Forms of the core app's pages. They validate input; services do the writing."""

import datetime as dt

from django import forms

from .models import FrameworkVersion

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class FrameworkAdoptionForm(forms.Form):
    version = forms.ModelChoiceField(
        queryset=FrameworkVersion.objects.select_related("framework").order_by("-effective_date"),
        label="Framework version",
    )
    effective_from = forms.DateField(label="In force from (UTC)", widget=DATE_WIDGET)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def effective_moment(self) -> dt.datetime:
        return dt.datetime.combine(self.cleaned_data["effective_from"], dt.time.min, tzinfo=dt.UTC)
