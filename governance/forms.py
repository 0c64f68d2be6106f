"""Forms of the core app's pages. They validate input; services do the writing."""

import datetime as dt

from django import forms

from governance.registry.models import AIModel, Snapshot
from governance.registry.services import MODEL_FIELDS, SNAPSHOT_FIELDS

from .models import FrameworkVersion

_DATE = forms.DateInput(attrs={"type": "date"})


class AIModelForm(forms.ModelForm):
    class Meta:
        model = AIModel
        fields = MODEL_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class SnapshotForm(forms.ModelForm):
    external_ids = forms.CharField(
        label="External identifiers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: the names eval systems use, e.g. acme/frontier-x-2026-05.",
    )

    class Meta:
        model = Snapshot
        fields = SNAPSHOT_FIELDS
        widgets = {
            "created_on": _DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "training_compute_flop": forms.TextInput(attrs={"inputmode": "decimal"}),
            "effective_compute_flop": forms.TextInput(attrs={"inputmode": "decimal"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["external_ids"] = "\n".join(
                self.instance.identifiers.values_list("identifier", flat=True)
            )

    def clean_external_ids(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["external_ids"].splitlines() if line.strip()
        ]

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in SNAPSHOT_FIELDS}


class FrameworkAdoptionForm(forms.Form):
    version = forms.ModelChoiceField(
        queryset=FrameworkVersion.objects.select_related("framework").order_by("-effective_date"),
        label="Framework version",
    )
    effective_from = forms.DateField(label="In force from (UTC)", widget=_DATE)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def effective_moment(self) -> dt.datetime:
        return dt.datetime.combine(self.cleaned_data["effective_from"], dt.time.min, tzinfo=dt.UTC)
