"""Named reads, shared by the pages, the API and the services."""

from django import forms

from governance.forms import DATE_WIDGET
from governance.registry.models import AIModel, Snapshot
from governance.registry.services import MODEL_FIELDS, SNAPSHOT_FIELDS


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
            "created_on": DATE_WIDGET,
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
