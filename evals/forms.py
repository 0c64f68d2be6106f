"""Forms of the evals pages. They validate input; services do the writing."""

import json

from django import forms

from governance.models import CapabilityThreshold
from governance.registry.models import AIModel, Snapshot

from .choices import ExpectedTasksSource
from .models import EvalSuite, EvalSystem


class EvalSystemForm(forms.ModelForm):
    class Meta:
        model = EvalSystem
        fields = [
            "name",
            "description",
            "all_models",
            "allowed_models",
            "all_suites",
            "allowed_suites",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "allowed_models": forms.CheckboxSelectMultiple,
            "allowed_suites": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allowed_models"].queryset = AIModel.objects.order_by("name")
        self.fields["allowed_suites"].queryset = EvalSuite.objects.order_by("name")


class EvalSuiteForm(forms.ModelForm):
    task_names = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: the task names logs carry (Inspect `eval.task`, lm-eval tasks).",
    )
    thresholds = forms.ModelMultipleChoiceField(
        queryset=CapabilityThreshold.objects.select_related("version__framework").order_by(
            "version__framework__slug", "-version__effective_date", "position"
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the suite measures, in each framework version you use.",
    )
    expected_tasks = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: the tasks (Inspect sample ids) of a complete run. Kept when "
        "the source is a list; learned from the first complete run otherwise.",
    )
    scoring_override = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text='Optional JSON, like a framework file\'s scoring, e.g. {"aggregate": '
        '"mean_score", "crossing_level": 0.5}.',
    )

    class Meta:
        model = EvalSuite
        fields = [
            "name",
            "description",
            "task_names",
            "thresholds",
            "score_name",
            "success_score",
            "expected_tasks_source",
            "expected_tasks",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["thresholds"].label_from_instance = lambda t: (
            f"{t.version.framework} v{t.version.version}: {t.code}"
        )
        # Left out, the task list is learned from the first complete run.
        self.fields["expected_tasks_source"].required = False
        if self.instance.pk and not self.is_bound:
            self.initial["task_names"] = "\n".join(self.instance.task_names)
            self.initial["expected_tasks"] = "\n".join(self.instance.expected_tasks)
            if self.instance.scoring_override:
                self.initial["scoring_override"] = json.dumps(self.instance.scoring_override)

    def clean_task_names(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["task_names"].splitlines() if line.strip()
        ]

    def clean_expected_tasks(self) -> list[str]:
        return [
            line.strip()
            for line in self.cleaned_data["expected_tasks"].splitlines()
            if line.strip()
        ]

    def clean_scoring_override(self):
        text = self.cleaned_data["scoring_override"].strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(f"Not valid JSON: {error}") from None

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data["description"],
            "task_names": data["task_names"],
            "score_name": data["score_name"],
            "success_score": data["success_score"],
            "scoring_override": data["scoring_override"],
            "expected_tasks_source": data["expected_tasks_source"]
            or ExpectedTasksSource.FIRST_COMPLETE_RUN,
            "expected_tasks": data["expected_tasks"],
        }


class UploadForm(forms.Form):
    file = forms.FileField(
        help_text="An Inspect AI log (.json or .eval), an lm-eval results file (or its output "
        "folder zipped, with the samples of --log_samples), or native JSON."
    )
    snapshot = forms.ModelChoiceField(
        queryset=Snapshot.objects.select_related("model").order_by("model__name", "name"),
        required=False,
        help_text="Leave blank to match the log's model name against external identifiers.",
    )
    suite = forms.ModelChoiceField(
        queryset=EvalSuite.objects.order_by("name"),
        required=False,
        help_text="Leave blank to match the log's task name.",
    )
