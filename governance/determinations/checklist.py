"""The capability report's checklist: what the form checks before saving and before submitting,
on what the person has entered. The page shows it beside the buttons, static/js/capability_form.js
runs the same checks as the person edits, and the form turns the failing ones into field errors.

- Before saving (refused): nothing typed for a threshold is lost for want of a finding, and every
  piece of evidence is about its threshold and of this model.
- Before submitting (refused by "Save and submit"; the submit step's guards say the same): a
  finding, the resulting level, a level and safeguards that answer the findings, every "below"
  stating how hard the lab tried, and the report's elicitation statement.
- Notes (never refused): a "below" against the model's standing (the deciders must justify it),
  and fewer attempts per task than the scoring rule needs.
"""

from dataclasses import dataclass

from governance.choices import FindingOutcome, ThresholdOutcome
from governance.determinations.selectors import ModelEvidence

# What the submit step asks of the report's elicitation statement (workflows.elicitation_stated).
ELICITATION_STATEMENT_MIN = 20
# Findings that say the capability may be there: the level and safeguards must answer them.
SERIOUS = (FindingOutcome.CROSSED, FindingOutcome.CANNOT_RULE_OUT)
# Standings a "below" goes against (inconclusive counts as crossed until shown otherwise).
CONTRADICTING = (ThresholdOutcome.CROSSED, ThresholdOutcome.INCONCLUSIVE)


@dataclass(frozen=True)
class Problem:
    """What stops a check, and the form field it belongs to (None: the form as a whole)."""

    field: str | None
    text: str

    @property
    def field_text(self) -> str:
        """The text as its field's error: a threshold's field sits in that threshold's group,
        so the code in front is dropped there (it stays in the checklist)."""
        if self.field and self.field.startswith("finding_"):
            _, _, text = self.text.partition(": ")
            return text[:1].upper() + text[1:] if text else self.text
        return self.text


@dataclass(frozen=True)
class CheckItem:
    """One line of the checklist. `blocks` is "save" (refused on saving), "submit" (refused
    when submitting for internal review) or "" (a note; never refused)."""

    key: str
    label: str
    blocks: str
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def status(self) -> str:
        if self.ok:
            return "done"
        return {"save": "fix", "submit": "todo"}.get(self.blocks, "note")

    @property
    def status_label(self) -> str:
        return {
            "done": "Done",
            "fix": "Fix before saving",
            "todo": "To do before submitting",
            "note": "Check",
        }[self.status]


@dataclass(frozen=True)
class FindingEntry:
    """What the person entered for one threshold, as typed (before or without cleaning)."""

    threshold: object
    prefix: str  # the form's field names: f"{prefix}_outcome" ...
    outcome: str
    references: list[dict]  # the well-formed ones; a malformed one has its own field error
    rationale: str
    attempts_text: str
    attempts: int | None
    scaffolding: str
    helpful_only: bool | None

    @property
    def filled(self) -> bool:
        """Something besides the finding was entered."""
        return bool(self.references or self.rationale or self.attempts_text or self.scaffolding)


def capability_checklist(
    *,
    entries: list[FindingEntry],
    level,
    safeguards_chosen: set[str],
    statement: str,
    evidence: ModelEvidence,
) -> list[CheckItem]:
    """The checks, in the order the page lists them. `level` is the chosen SafetyLevel (or
    None), `safeguards_chosen` the chosen standards' ids as text."""
    found = [e for e in entries if e.outcome]
    below = [e for e in found if e.outcome == FindingOutcome.BELOW]
    return [
        CheckItem(
            "evidence_has_finding",
            "Every threshold with evidence or notes has a finding",
            "save",
            tuple(
                Problem(
                    f"{e.prefix}_outcome",
                    f"{e.threshold.code}: you gave evidence or notes but no finding; choose a "
                    "finding, or clear them.",
                )
                for e in entries
                if not e.outcome and e.filled
            ),
        ),
        CheckItem(
            "evidence_matches",
            "All evidence is about its threshold",
            "save",
            tuple(
                Problem(f"{e.prefix}_evidence", f"{e.threshold.code}: {choice.mismatch}")
                for e in entries
                for choice in (evidence.choice(r, e.threshold) for r in e.references)
                if choice.mismatch
            ),
        ),
        CheckItem(
            "has_finding",
            "At least one threshold has a finding",
            "submit",
            () if found else (Problem(None, "No threshold has a finding yet."),),
        ),
        CheckItem(
            "level_set",
            "The resulting level is set",
            "submit",
            ()
            if level is not None
            else (Problem("required_level", "Choose the resulting required level."),),
        ),
        CheckItem(
            "level_covers",
            "The level and safeguards answer the findings",
            "submit",
            _falling_short(found, level, safeguards_chosen),
        ),
        CheckItem(
            "below_elicitation",
            'Every "below" states how hard the lab tried',
            "submit",
            tuple(p for e in below for p in _unstated(e)),
        ),
        CheckItem(
            "report_elicitation",
            "The report states its elicitation",
            "submit",
            ()
            if len(statement.strip()) >= ELICITATION_STATEMENT_MIN
            else (
                Problem(
                    "elicitation_statement",
                    "State the report's elicitation (at least a sentence).",
                ),
            ),
        ),
        CheckItem(
            "below_standing",
            'No "below" contradicts the model\'s standing',
            "",
            tuple(p for e in below if (p := _contradicted(e, evidence))),
        ),
        CheckItem(
            "attempts_rule",
            "Stated attempts meet the scoring rule",
            "",
            tuple(p for e in below if (p := _too_few_attempts(e))),
        ),
    ]


def _falling_short(found: list[FindingEntry], level, chosen: set[str]) -> tuple[Problem, ...]:
    """What the crossed and not-ruled-out thresholds require beyond the chosen level and
    safeguards (the submit step's `requirements_met`)."""
    problems, missing = [], {}
    for e in found:
        if e.outcome not in SERIOUS:
            continue
        required = e.threshold.required_level
        if required is not None and level is not None and level.rank < required.rank:
            problems.append(
                Problem("required_level", f"{e.threshold.code} requires at least {required}.")
            )
        for standard in e.threshold.required_safeguards.all():
            if str(standard.pk) not in chosen:
                missing.setdefault(standard.pk, (standard, []))[1].append(e.threshold.code)
    problems.extend(
        Problem("required_safeguards", f"{', '.join(codes)} requires {standard}.")
        for standard, codes in missing.values()
    )
    return tuple(problems)


def _unstated(e: FindingEntry) -> list[Problem]:
    code, prefix = e.threshold.code, e.prefix
    problems = []
    if e.attempts is None:
        problems.append(Problem(f"{prefix}_attempts", f"{code}: state the attempts per task."))
    if not e.scaffolding:
        problems.append(
            Problem(f"{prefix}_scaffolding", f"{code}: state the scaffolding and tools.")
        )
    if e.helpful_only is None:
        problems.append(
            Problem(
                f"{prefix}_helpful_only",
                f"{code}: say whether a helpful-only snapshot was tested.",
            )
        )
    return problems


def _contradicted(e: FindingEntry, evidence: ModelEvidence) -> Problem | None:
    standing = evidence.standing(e.threshold)
    if standing is None or standing.outcome not in CONTRADICTING:
        return None
    return Problem(
        f"{e.prefix}_outcome",
        f"{e.threshold.code}: the model's standing is {standing.get_outcome_display()} (run "
        f'{standing.run_id}, {standing.snapshot.name}); the deciders must justify a "below".',
    )


def _too_few_attempts(e: FindingEntry) -> Problem | None:
    rule = e.threshold.scoring_rule
    if rule is None or not rule.attempts or not e.attempts or e.attempts >= rule.attempts:
        return None
    return Problem(
        f"{e.prefix}_attempts",
        f"{e.threshold.code}: {e.attempts} attempts per task stated; the scoring rule needs "
        f"{rule.attempts}.",
    )


def checklist_summary(items: list[CheckItem]) -> str:
    """One line above the buttons (capability_form.js writes the same)."""
    fix = sum(1 for item in items if item.status == "fix")
    todo = sum(1 for item in items if item.status == "todo")
    if not fix and not todo:
        return "Ready to submit for internal review."
    parts = []
    if fix:
        parts.append(f"{fix} to fix before saving")
    if todo:
        parts.append(f"{todo} to do before submitting")
    return "; ".join(parts) + "."
