"""Forms of the determinations pages.

The capability report form groups its findings by threshold, offers the model's runs and
threshold evaluations as evidence (ids are never typed), and refuses what its checklist
(checklist.py; live on the page through static/js/capability_form.js) finds wrong: before saving,
evidence that is not about its threshold or typed notes without a finding; when submitting, what
the submit step requires.
"""

from dataclasses import dataclass, field
from typing import Any

from django import forms

from governance.choices import FindingOutcome
from governance.determinations.checklist import (
    ELICITATION_STATEMENT_MIN,
    CheckItem,
    FindingEntry,
    capability_checklist,
    checklist_summary,
)
from governance.determinations.models import Determination
from governance.determinations.selectors import (
    EvidenceChoice,
    ModelEvidence,
    ThresholdEvidence,
    safeguard_standards_in_force,
)
from governance.registry.models import AIModel

EVIDENCE_TYPES = ("evaluation", "run")


class DeterminationCreateForm(forms.Form):
    model = forms.ModelChoiceField(queryset=AIModel.objects.order_by("name"))
    title = forms.CharField(max_length=300)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="Capability report")


class SafeguardsForm(forms.Form):
    model = forms.ModelChoiceField(queryset=AIModel.objects.order_by("name"))
    standard = forms.ModelChoiceField(queryset=None)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        standards = safeguard_standards_in_force()
        self.fields["standard"].queryset = standards
        self.criteria = [c for standard in standards for c in standard.criteria.all()]
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                label=f"{criterion.standard.code} / {criterion.code}",
                help_text=criterion.text,
            )

    def evidence(self) -> dict[str, str]:
        standard = self.cleaned_data["standard"]
        return {
            c.code: self.cleaned_data[f"criterion_{c.pk}"]
            for c in self.criteria
            if c.standard_id == standard.pk and self.cleaned_data.get(f"criterion_{c.pk}")
        }


# Evidence references


def _evidence_items(value) -> list[str]:
    """The posted references: one per picked box, or typed and comma-separated as before."""
    values = value if isinstance(value, list | tuple) else [value]
    return [
        item.strip() for part in values if part for item in str(part).split(",") if item.strip()
    ]


def parse_evidence(value) -> list[dict]:
    """`["evaluation:12", "run:3"]` (or "evaluation:12, run:3") as stored in Finding.evidence:
    `[{"type": "evaluation", "id": 12}, {"type": "run", "id": 3}]`, each once."""
    references = []
    for item in _evidence_items(value):
        kind, _, pk = (part.strip() for part in item.partition(":"))
        if not pk.isdigit():
            raise forms.ValidationError(f"{item!r}: write evidence as evaluation:12 or run:3.")
        if kind not in EVIDENCE_TYPES:
            raise forms.ValidationError(f'{item!r}: type must be "evaluation" or "run".')
        reference = {"type": kind, "id": int(pk)}
        if reference not in references:
            references.append(reference)
    return references


def _well_formed(value) -> list[dict]:
    """The references that parse, for the checklist: a malformed one has its own field error."""
    references = []
    for item in _evidence_items(value):
        try:
            references.extend(r for r in parse_evidence(item) if r not in references)
        except forms.ValidationError:
            continue
    return references


class EvidenceField(forms.Field):
    """The evidence a finding cites, picked from the model's runs and evaluations; the template
    renders the boxes (see ModelEvidence.for_threshold), one posted value per picked box."""

    widget = forms.SelectMultiple

    def to_python(self, value) -> list[dict]:
        return parse_evidence(value)


@dataclass
class ThresholdGroup:
    """One threshold's part of the form: its fields, what the model's evaluations say of it,
    and the evidence boxes to show, with those already picked."""

    threshold: Any
    prefix: str
    fields: dict[str, forms.BoundField]
    evidence: ThresholdEvidence
    picked: set[str] = field(default_factory=set)
    outcome: str = ""
    filled: bool = False

    @property
    def matching(self) -> list[tuple[EvidenceChoice, bool]]:
        return [(choice, choice.token in self.picked) for choice in self.evidence.matching]

    @property
    def others(self) -> list[tuple[EvidenceChoice, bool]]:
        return [(choice, choice.token in self.picked) for choice in self.evidence.others]

    @property
    def others_picked(self) -> bool:
        return any(choice.token in self.picked for choice in self.evidence.others)

    @property
    def has_errors(self) -> bool:
        return any(bound.errors for bound in self.fields.values())

    @property
    def is_open(self) -> bool:
        """Shown unfolded: it has a finding, something typed, or something to fix."""
        return bool(self.outcome or self.filled or self.picked or self.has_errors)

    @property
    def required_safeguards(self) -> list:
        return list(self.threshold.required_safeguards.all())

    @property
    def outcome_label(self) -> str:
        return FindingOutcome(self.outcome).label if self.outcome in FindingOutcome.values else ""


class DeterminationEditForm(forms.Form):
    """The capability report: its general texts, one group of fields per threshold of the
    report's framework version, and the resulting level and safeguards."""

    title = forms.CharField(max_length=300)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="Capability report")
    elicitation_statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Elicitation",
        help_text="How hard the lab tried across the report: fine-tuning, scaffolding, tools, "
        "best-of-N, budget, helpful-only snapshots. Required before submitting.",
    )
    helpful_only_tested = forms.BooleanField(
        required=False, label="A helpful-only snapshot was tested"
    )
    forecast_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Forecast"
    )
    required_level = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Resulting required level",
        help_text="At least the level each crossed or not-ruled-out threshold requires.",
    )
    required_safeguards = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    precautionary = forms.BooleanField(
        required=False, label="Precautionary (a threshold could not be ruled out)"
    )
    provisional = forms.BooleanField(required=False, label="Provisional")
    dissent_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Dissent"
    )

    GENERAL = ("title", "summary", "elicitation_statement", "helpful_only_tested", "forecast_note")
    RESULT = ("precautionary", "provisional", "dissent_notes")

    def __init__(
        self,
        *args,
        determination: Determination,
        evidence: ModelEvidence,
        submitting: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.determination = determination
        self.model_evidence = evidence
        # Submitting for internal review: the checks of the submit step become field errors.
        self.submitting = submitting
        version = determination.framework_version
        self.levels = {str(level.pk): level for level in version.levels.all()}
        self.fields["required_level"].queryset = version.levels.all()
        self.fields["required_safeguards"].queryset = version.safeguards.all()
        self.safeguards = {str(s.pk): s for s in version.safeguards.all()}
        self.thresholds = list(
            version.thresholds.select_related("required_level", "version").prefetch_related(
                "required_safeguards"
            )
        )
        existing = {f.threshold_id: f for f in determination.findings.all()}
        for threshold in self.thresholds:
            self._add_threshold_fields(threshold, existing.get(threshold.pk))
        if not self.is_bound:
            for name in (*self.GENERAL, *self.RESULT):
                self.initial[name] = getattr(determination, name)
            self.initial["required_level"] = determination.required_level_id
            self.initial["required_safeguards"] = [
                s.pk for s in determination.required_safeguards.all()
            ]

    def _add_threshold_fields(self, threshold, finding) -> None:
        prefix = f"finding_{threshold.pk}"
        code = threshold.code
        rule = threshold.scoring_rule
        self.fields[f"{prefix}_outcome"] = forms.ChoiceField(
            choices=[("", "No finding yet"), *FindingOutcome.choices],
            required=False,
            label=f"{code}: finding",
            help_text='An evaluation that could not show the capability is absent is no "below": '
            "choose Cannot rule out.",
            initial=finding.outcome if finding else "",
        )
        self.fields[f"{prefix}_rationale"] = forms.CharField(
            widget=forms.Textarea(attrs={"rows": 3}),
            required=False,
            label=f"{code}: rationale",
            initial=finding.rationale if finding else "",
        )
        self.fields[f"{prefix}_evidence"] = EvidenceField(
            required=False,
            label=f"{code}: evidence",
            initial=[
                f"{e.get('type')}:{e.get('id')}" for e in finding.evidence if isinstance(e, dict)
            ]
            if finding
            else [],
        )
        # How hard the lab tried: a "below" must say (the policy's elicitation rule).
        self.fields[f"{prefix}_attempts"] = forms.IntegerField(
            required=False,
            min_value=1,
            label=f"{code}: attempts per task",
            help_text=f"The scoring rule needs {rule.attempts}."
            if rule is not None and rule.attempts
            else "",
            initial=finding.attempts_per_task if finding else None,
        )
        self.fields[f"{prefix}_scaffolding"] = forms.CharField(
            required=False,
            label=f"{code}: scaffolding and tools",
            initial=finding.scaffolding if finding else "",
        )
        self.fields[f"{prefix}_helpful_only"] = forms.NullBooleanField(
            required=False,
            label=f"{code}: helpful-only snapshot tested",
            widget=forms.Select(
                choices=[("unknown", "Not stated"), ("true", "Yes"), ("false", "No")]
            ),
            initial=finding.helpful_only_tested if finding else None,
        )

    # What the person has entered, as the page shows it (before or without cleaning)

    def _raw(self, name: str):
        return self[name].value()

    def _entry(self, threshold) -> FindingEntry:
        prefix = f"finding_{threshold.pk}"
        attempts_raw = self._raw(f"{prefix}_attempts")
        attempts_text = "" if attempts_raw is None else str(attempts_raw).strip()
        try:
            attempts = int(attempts_text) if attempts_text else None
        except ValueError:
            attempts = None
        return FindingEntry(
            threshold=threshold,
            prefix=prefix,
            outcome=str(self._raw(f"{prefix}_outcome") or ""),
            references=_well_formed(self._raw(f"{prefix}_evidence")),
            rationale=str(self._raw(f"{prefix}_rationale") or "").strip(),
            attempts_text=attempts_text,
            attempts=attempts,
            scaffolding=str(self._raw(f"{prefix}_scaffolding") or "").strip(),
            helpful_only=forms.NullBooleanField().to_python(self._raw(f"{prefix}_helpful_only")),
        )

    @property
    def entries(self) -> list[FindingEntry]:
        if not hasattr(self, "_entries"):
            self._entries = [self._entry(threshold) for threshold in self.thresholds]
        return self._entries

    @property
    def threshold_groups(self) -> list[ThresholdGroup]:
        if not hasattr(self, "_groups"):
            self._groups = self._threshold_groups()
        return self._groups

    def _threshold_groups(self) -> list[ThresholdGroup]:
        names = ("outcome", "rationale", "evidence", "attempts", "scaffolding", "helpful_only")
        return [
            ThresholdGroup(
                threshold=entry.threshold,
                prefix=entry.prefix,
                fields={name: self[f"{entry.prefix}_{name}"] for name in names},
                evidence=self.model_evidence.for_threshold(entry.threshold, entry.references),
                picked={f"{r['type']}:{r['id']}" for r in entry.references},
                outcome=entry.outcome,
                filled=entry.filled,
            )
            for entry in self.entries
        ]

    @property
    def checklist(self) -> list[CheckItem]:
        """The checks the page shows beside the buttons (capability_form.js runs the same ones
        as the person types), on what has been entered."""
        if not hasattr(self, "_checklist"):
            self._checklist = self._check()
        return self._checklist

    @property
    def checklist_summary(self) -> str:
        return checklist_summary(self.checklist)

    def _check(self) -> list[CheckItem]:
        return capability_checklist(
            entries=self.entries,
            level=self.levels.get(str(self._raw("required_level") or "")),
            safeguards_chosen={str(pk) for pk in self._raw("required_safeguards") or []},
            statement=str(self._raw("elicitation_statement") or ""),
            evidence=self.model_evidence,
        )

    def clean(self):
        data = super().clean()
        refused = ("save", "submit") if self.submitting else ("save",)
        # A value that did not even clean (a malformed reference) has its own error already.
        malformed = set(self.errors)
        for item in self.checklist:
            if item.blocks not in refused:
                continue
            for problem in item.problems:
                if problem.field not in malformed:
                    self.add_error(problem.field, problem.field_text)
        return data

    def service_arguments(self) -> dict[str, Any]:
        """What determination_update takes: the texts and flags, the findings of the thresholds
        given one, the resulting level and safeguards."""
        data = self.cleaned_data
        findings = []
        for threshold in self.thresholds:
            prefix = f"finding_{threshold.pk}"
            outcome = data.get(f"{prefix}_outcome")
            if not outcome:
                continue
            findings.append(
                {
                    "threshold": threshold,
                    "outcome": outcome,
                    "rationale": data.get(f"{prefix}_rationale", ""),
                    "evidence": data.get(f"{prefix}_evidence") or [],
                    "attempts_per_task": data.get(f"{prefix}_attempts"),
                    "scaffolding": data.get(f"{prefix}_scaffolding", ""),
                    "helpful_only_tested": data.get(f"{prefix}_helpful_only"),
                }
            )
        return {
            **{name: data[name] for name in (*self.GENERAL, *self.RESULT)},
            "findings": findings,
            "required_level": data.get("required_level"),
            "required_safeguards": data.get("required_safeguards"),
        }

    def checklist_data(self) -> dict[str, Any]:
        """What capability_form.js needs besides the page (each threshold's rule and
        requirements are on its fieldset): the levels' ranks and the safeguards' names."""
        return {
            "levels": {pk: {"rank": lvl.rank, "name": str(lvl)} for pk, lvl in self.levels.items()},
            "safeguards": {pk: str(s) for pk, s in self.safeguards.items()},
            "minStatement": ELICITATION_STATEMENT_MIN,
        }
