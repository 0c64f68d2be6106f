"""A policy change in words: what the proposed framework version adds, removes or changes
against the version in force — levels, thresholds, safeguard standards, the evaluation cadence
and the decision rules — so that a director or a trustee can weigh the change without reading a
YAML diff ("Threshold CBRN-3 changed: crossing score 0.5 → 0.4").

Pure functions of two framework documents (the `document` a FrameworkVersion keeps, or the text
of a framework file). A stored document is shown on pages, and no stored value may break a page:
a document that cannot be read, or is not shaped as a framework file, gives a summary that says
why it cannot be made (the page then shows the full diff instead), never an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
CHANGE_LABELS = {ADDED: "Added", REMOVED: "Removed", CHANGED: "Changed"}

# Role codes as the application names them (governance.choices.Role), spelt out here so that
# this module stays a pure function of its inputs; an unknown code shows as written.
ROLE_NAMES = {
    "safety_staff": "safety staff",
    "internal_reviewer": "internal reviewers",
    "rso": "the RSO",
    "ceo": "the CEO",
    "board_director": "the board",
    "trustee": "the Trust",
    "auditor": "auditors",
}
AGGREGATE_NAMES = {
    "fraction_of_tasks_passed": "the fraction of tasks passed",
    "mean_score": "the mean task score",
    "max_score": "the best task score",
}
THRESHOLD_KIND_NAMES = {
    "threshold": "capability threshold",
    "checkpoint": "checkpoint",
    "ongoing_assessment": "ongoing assessment",
}


class SummaryUnavailable(ValueError):
    """The documents cannot be compared; the message says why, in words for the page."""


@dataclass(frozen=True)
class ChangeEntry:
    """One thing the change adds, removes or changes, e.g. a threshold, with what changed."""

    section: str
    subject: str  # "Threshold CBRN-3"
    change: str  # ADDED, REMOVED or CHANGED
    details: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return CHANGE_LABELS[self.change]

    @property
    def text(self) -> str:
        head = f"{self.subject} {self.change}"
        return f"{head}: {'; '.join(self.details)}" if self.details else head

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class SummarySection:
    """The entries of one kind of thing (levels, thresholds...), empty when none changed."""

    key: str
    title: str
    entries: tuple[ChangeEntry, ...] = ()

    @property
    def unchanged_text(self) -> str:
        return f"No change to the {self.title.lower()}."

    def count(self, change: str) -> int:
        return sum(1 for entry in self.entries if entry.change == change)

    @property
    def tally(self) -> str:
        """'2 added, 1 changed' (empty when nothing changed)."""
        parts = [f"{self.count(kind)} {kind}" for kind in (ADDED, REMOVED, CHANGED)]
        return ", ".join(part for part in parts if not part.startswith("0 "))


@dataclass(frozen=True)
class PolicySummary:
    """The change from `old_label` to `new_label`, section by section; or, when `problem` is
    set, the reason no summary can be made."""

    sections: tuple[SummarySection, ...] = ()
    old_label: str = ""
    new_label: str = ""
    problem: str = ""

    @property
    def available(self) -> bool:
        return not self.problem

    @property
    def entries(self) -> list[ChangeEntry]:
        return [entry for section in self.sections for entry in section.entries]

    @property
    def has_changes(self) -> bool:
        return bool(self.entries)

    def section(self, key: str) -> SummarySection:
        return next(section for section in self.sections if section.key == key)

    @property
    def lines(self) -> list[str]:
        """Every entry's sentence, or each section's "no change" line: the summary as text."""
        if self.problem:
            return [self.problem]
        lines: list[str] = []
        for section in self.sections:
            lines += [entry.text for entry in section.entries] or [section.unchanged_text]
        return lines


# --- Reading the documents -------------------------------------------------------------------


def read_document(value: Any, side: str) -> dict[str, Any]:
    """A framework document from a parsed mapping or a file's YAML/JSON text. `side` names it in
    the messages ("the proposed version"). Raises SummaryUnavailable."""
    if isinstance(value, bytes):
        try:
            value = value.decode()
        except UnicodeDecodeError:
            raise SummaryUnavailable(f"{side} is not text.") from None
    if isinstance(value, str):
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            raise SummaryUnavailable(f"{side} cannot be read as YAML or JSON.") from None
    if not isinstance(value, dict):
        raise SummaryUnavailable(f"{side} is not a framework document (a mapping of fields).")
    return value


def _records(document: dict, key: str, ident: str, side: str) -> dict[str, dict]:
    """The items of the list `key` by their `ident` field, in document order."""
    items = document.get(key) or []
    if not isinstance(items, list):
        raise SummaryUnavailable(f"{side}'s {key} is not a list.")
    records: dict[str, dict] = {}
    for index, item in enumerate(items):
        name = item.get(ident) if isinstance(item, dict) else None
        if not isinstance(name, str | int) or isinstance(name, bool) or str(name) == "":
            raise SummaryUnavailable(f"{side}'s {key}[{index}] has no {ident}.")
        if str(name) in records:
            raise SummaryUnavailable(f"{side}'s {key} list {name!r} twice.")
        records[str(name)] = item
    return records


# --- Words for values ------------------------------------------------------------------------


def _number(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:g}"


def _quoted(value: Any) -> str:
    return f"“{value}”"


def _roles(codes: Any) -> str:
    if not codes:
        return "no one"
    if not isinstance(codes, list):
        return str(codes)
    return ", ".join(ROLE_NAMES.get(str(code), str(code)) for code in codes)


def _codes(value: Any) -> list[str]:
    if not value:
        return []
    if not isinstance(value, list):
        return [str(value)]
    return [str(item) for item in value]


def _text_change(name: str, old: Any, new: Any) -> list[str]:
    """Long text is not repeated in the summary (the diff has it): said added, removed or
    reworded."""
    old, new = (str(old).strip() if old else ""), (str(new).strip() if new else "")
    if old == new:
        return []
    if not old:
        return [f"{name} added"]
    if not new:
        return [f"{name} removed"]
    return [f"{name} reworded"]


def _value_change(name: str, old: Any, new: Any, words: Callable[[Any], str] = _number) -> list:
    if old == new:
        return []
    if old is None or old == "":
        return [f"{name} set to {words(new)}"]
    if new is None or new == "":
        return [f"{name} removed (was {words(old)})"]
    return [f"{name} {words(old)} → {words(new)}"]


def _set_change(old: Any, new: Any, *, now: str, no_longer: str) -> list[str]:
    old_codes, new_codes = _codes(old), _codes(new)
    added = [code for code in new_codes if code not in old_codes]
    removed = [code for code in old_codes if code not in new_codes]
    details = []
    if added:
        details.append(f"{now} {', '.join(added)}")
    if removed:
        details.append(f"{no_longer} {', '.join(removed)}")
    return details


# --- Scoring rules ---------------------------------------------------------------------------


def _task_pass(rule: Any) -> str:
    if not isinstance(rule, dict):
        return "none"
    successes, attempts = rule.get("min_successes"), rule.get("attempts")
    plural = "es" if successes != 1 else ""
    return f"{_number(successes)} success{plural} in {_number(attempts)} attempts"


def _scoring_in_words(scoring: dict) -> str:
    direction = "at or below" if scoring.get("direction") == "lower" else "at or above"
    aggregate = AGGREGATE_NAMES.get(scoring.get("aggregate"), str(scoring.get("aggregate")))
    words = f"crossed when {aggregate} is {direction} {_number(scoring.get('crossing_level'))}"
    if scoring.get("warning_level") is not None:
        words += f", warning at {_number(scoring['warning_level'])}"
    if scoring.get("task_pass"):
        words += f"; a task passes with {_task_pass(scoring['task_pass'])}"
    return words


def _scoring_change(old: Any, new: Any) -> list[str]:
    old = old if isinstance(old, dict) else None
    new = new if isinstance(new, dict) else None
    if old is None and new is None:
        return []
    if old is None:
        return [f"numeric crossing rule added ({_scoring_in_words(new)})"]
    if new is None:
        return ["numeric crossing rule removed (crossing becomes a matter of judgement)"]
    details = _value_change("crossing score", old.get("crossing_level"), new.get("crossing_level"))
    details += _value_change("warning score", old.get("warning_level"), new.get("warning_level"))
    details += _value_change(
        "scored by",
        old.get("aggregate"),
        new.get("aggregate"),
        lambda code: AGGREGATE_NAMES.get(code, str(code)),
    )
    old_direction = old.get("direction") or "higher"
    new_direction = new.get("direction") or "higher"
    if old_direction != new_direction:
        details.append(
            "a lower score now means more capable"
            if new_direction == "lower"
            else "a higher score now means more capable"
        )
    if old.get("task_pass") != new.get("task_pass"):
        details.append(
            f"a task passes with {_task_pass(old.get('task_pass'))} → "
            f"{_task_pass(new.get('task_pass'))}"
        )
    details += _text_change("scoring note", old.get("note"), new.get("note"))
    return details


# --- Each kind of thing ----------------------------------------------------------------------


def _level_details(old: dict, new: dict, old_rank: int, new_rank: int) -> list[str]:
    details = _value_change("name", old.get("name"), new.get("name"), _quoted)
    if old_rank != new_rank:
        details.append(f"moved from position {old_rank + 1} to {new_rank + 1} (lowest first)")
    return details + _text_change("description", old.get("description"), new.get("description"))


def _own_name(item: dict) -> list[str]:
    """The item's name, unless it only repeats its code ("ASL-4" named "ASL-4")."""
    name = item.get("name")
    return [_quoted(name)] if name and str(name) != str(item.get("code")) else []


def _threshold_added(item: dict) -> list[str]:
    details = _own_name(item)
    if item.get("required_level"):
        details.append(f"requires level {item['required_level']}")
    if item.get("required_safeguards"):
        details.append(f"requires safeguards {', '.join(_codes(item['required_safeguards']))}")
    if isinstance(item.get("scoring"), dict):
        details.append(_scoring_in_words(item["scoring"]))
    return details


def _threshold_details(old: dict, new: dict) -> list[str]:
    details = _value_change("name", old.get("name"), new.get("name"), _quoted)
    details += _value_change("domain", old.get("domain"), new.get("domain"), str)
    details += _value_change(
        "kind",
        old.get("kind"),
        new.get("kind"),
        lambda code: THRESHOLD_KIND_NAMES.get(code, str(code)),
    )
    details += _value_change(
        "required level", old.get("required_level"), new.get("required_level"), str
    )
    details += _set_change(
        old.get("required_safeguards"),
        new.get("required_safeguards"),
        now="now requires safeguards",
        no_longer="no longer requires safeguards",
    )
    details += _scoring_change(old.get("scoring"), new.get("scoring"))
    details += _text_change("definition", old.get("definition"), new.get("definition"))
    details += _text_change("warning sign", old.get("warning"), new.get("warning"))
    return details + _text_change("response", old.get("response"), new.get("response"))


def _criteria(item: dict, side: str) -> dict[str, dict]:
    return _records(item, "criteria", "code", f"{side}'s standard {item.get('code')}")


def _safeguard_added(item: dict) -> list[str]:
    details = _own_name(item)
    if item.get("level"):
        details.append(f"for level {item['level']}")
    criteria = _criteria(item, "the proposed version")
    if criteria:
        details.append(f"{len(criteria)} criteri{'on' if len(criteria) == 1 else 'a'}")
    return details


def _safeguard_details(old: dict, new: dict) -> list[str]:
    details = _value_change("name", old.get("name"), new.get("name"), _quoted)
    details += _value_change("level", old.get("level"), new.get("level"), str)
    details += _value_change("kind", old.get("kind"), new.get("kind"), str)
    details += _text_change("description", old.get("description"), new.get("description"))
    old_criteria = _criteria(old, "the version in force")
    new_criteria = _criteria(new, "the proposed version")
    details += [f"criterion {code} removed" for code in old_criteria if code not in new_criteria]
    for code, criterion in new_criteria.items():
        if code not in old_criteria:
            details.append(f"criterion {code} added")
        elif (
            str(old_criteria[code].get("text", "")).strip()
            != str(criterion.get("text", "")).strip()
        ):
            details.append(f"criterion {code} reworded")
    return details


def _cadence_words(item: dict) -> str:
    parts = []
    if item.get("compute_multiple") is not None:
        parts.append(f"every {_number(item['compute_multiple'])}× effective compute")
    if item.get("months") is not None:
        parts.append(f"every {_number(item['months'])} months")
    return " or ".join(parts) or "no interval"


def _cadence_details(old: dict, new: dict) -> list[str]:
    details = _value_change(
        "effective-compute interval",
        old.get("compute_multiple"),
        new.get("compute_multiple"),
        lambda value: f"{_number(value)}×",
    )
    details += _value_change(
        "interval in months",
        old.get("months"),
        new.get("months"),
        lambda value: f"{_number(value)} months",
    )
    return details + _text_change("note", old.get("note"), new.get("note"))


_ROLE_LISTS = (
    ("proposers", "proposed by"),
    ("deciders", "decided by"),
    ("advisers", "advised by"),
    ("must_inform", "must inform"),
    ("escalate_to", "escalated to"),
)


def _rule_added(item: dict) -> list[str]:
    details = [f"decided by {_roles(item.get('deciders'))}"]
    for key, words in _ROLE_LISTS:
        if key != "deciders" and item.get(key):
            details.append(f"{words} {_roles(item[key])}")
    if item.get("deadline_days") is not None:
        details.append(f"within {_number(item['deadline_days'])} days")
    if item.get("renewal_months") is not None:
        details.append(f"renewed every {_number(item['renewal_months'])} months")
    return details


def _rule_details(old: dict, new: dict) -> list[str]:
    details = []
    for key, words in _ROLE_LISTS:
        if sorted(_codes(old.get(key))) != sorted(_codes(new.get(key))):
            details.append(f"{words} {_roles(old.get(key))} → {_roles(new.get(key))}")
    details += _value_change(
        "deadline",
        old.get("deadline_days"),
        new.get("deadline_days"),
        lambda value: f"{_number(value)} days",
    )
    details += _value_change(
        "renewal",
        old.get("renewal_months"),
        new.get("renewal_months"),
        lambda value: f"every {_number(value)} months",
    )
    return details + _text_change("description", old.get("description"), new.get("description"))


def _decision_words(code: str) -> str:
    words = str(code).replace("_", " ").split()
    return _quoted(" ".join("RSO" if word == "rso" else word for word in words))


@dataclass(frozen=True)
class _Kind:
    key: str
    title: str
    list_name: str
    ident: str
    subject: Callable[[str, dict], str]
    added: Callable[[dict], list[str]]
    changed: Callable[..., list[str]]
    ranked: bool = False
    removed: Callable[[dict], list[str]] = field(default=lambda item: [])


KINDS = (
    _Kind(
        "levels",
        "Levels",
        "levels",
        "code",
        lambda code, item: f"Level {code}",
        added=_own_name,
        changed=_level_details,
        ranked=True,
        removed=_own_name,
    ),
    _Kind(
        "thresholds",
        "Thresholds",
        "thresholds",
        "code",
        lambda code, item: f"Threshold {code}",
        added=_threshold_added,
        changed=_threshold_details,
        removed=_own_name,
    ),
    _Kind(
        "safeguards",
        "Safeguards",
        "safeguards",
        "code",
        lambda code, item: f"Safeguard standard {code}",
        added=_safeguard_added,
        changed=_safeguard_details,
        removed=_own_name,
    ),
    _Kind(
        "cadence",
        "Evaluation cadence",
        "cadence",
        "name",
        lambda name, item: f"Cadence rule {_quoted(name)}",
        added=lambda item: [_cadence_words(item)],
        changed=_cadence_details,
    ),
    _Kind(
        "rules",
        "Decision rules",
        "governance",
        "decision",
        lambda decision, item: f"Decision rule {_decision_words(decision)}",
        added=_rule_added,
        changed=_rule_details,
    ),
)


def _compare(kind: _Kind, old_doc: dict, new_doc: dict) -> SummarySection:
    old = _records(old_doc, kind.list_name, kind.ident, "the version in force")
    new = _records(new_doc, kind.list_name, kind.ident, "the proposed version")
    old_ranks = {key: rank for rank, key in enumerate(old)}
    new_ranks = {key: rank for rank, key in enumerate(new)}
    entries = [
        ChangeEntry(kind.key, kind.subject(key, item), REMOVED, tuple(kind.removed(item)))
        for key, item in old.items()
        if key not in new
    ]
    entries += [
        ChangeEntry(kind.key, kind.subject(key, item), ADDED, tuple(kind.added(item)))
        for key, item in new.items()
        if key not in old
    ]
    for key, item in new.items():
        if key not in old:
            continue
        if kind.ranked:
            details = kind.changed(old[key], item, old_ranks[key], new_ranks[key])
        else:
            details = kind.changed(old[key], item)
        if details:
            entries.append(ChangeEntry(kind.key, kind.subject(key, item), CHANGED, tuple(details)))
    return SummarySection(kind.key, kind.title, tuple(entries))


def _whole_policy_entry(
    subject: str, old: Any, new: Any, words: Callable[[Any], str] | None = None
) -> list[ChangeEntry]:
    """A setting of the whole policy added, removed or changed (text: said, not repeated)."""
    if old in (None, "") and new in (None, ""):
        return []
    if old == new:
        return []
    if old in (None, ""):
        return [ChangeEntry("framework", subject, ADDED, (words(new),) if words else ())]
    if new in (None, ""):
        return [ChangeEntry("framework", subject, REMOVED, (f"was {words(old)}",) if words else ())]
    details = (f"{words(old)} → {words(new)}",) if words else ("reworded",)
    return [ChangeEntry("framework", subject, CHANGED, details)]


def _framework_section(old: dict, new: dict) -> SummarySection:
    """What applies to the policy as a whole: which framework, its safety buffer, its notes."""
    entries = []
    old_framework = old.get("framework") if isinstance(old.get("framework"), dict) else {}
    new_framework = new.get("framework") if isinstance(new.get("framework"), dict) else {}

    def name(framework: dict) -> str:
        return " ".join(
            str(framework[key]) for key in ("organisation", "name") if framework.get(key)
        )

    if old and name(old_framework) != name(new_framework):
        entries.append(
            ChangeEntry(
                "framework",
                "Framework",
                CHANGED,
                (f"{name(old_framework) or 'unnamed'} → {name(new_framework) or 'unnamed'}",),
            )
        )
    if old:
        entries += _whole_policy_entry(
            "Safety buffer",
            old.get("safety_buffer_compute_multiple"),
            new.get("safety_buffer_compute_multiple"),
            lambda value: f"{_number(value)}× effective compute",
        )
        entries += _whole_policy_entry("Policy notes", old.get("notes"), new.get("notes"))
    return SummarySection("framework", "Framework as a whole", tuple(entries))


def _label(document: dict, fallback: str) -> str:
    framework = document.get("framework")
    name = framework.get("name") if isinstance(framework, dict) else None
    version = document.get("version")
    if name and version:
        return f"{name} v{version}"
    return str(version or fallback)


def summarise(old: Any, new: Any) -> PolicySummary:
    """What `new` (the proposed version) changes against `old` (the version in force; None when
    none is). Each argument is a parsed document or a framework file's text. Never raises: an
    unreadable document gives a summary whose `problem` says why."""
    try:
        old_doc = {} if old is None else read_document(old, "the version in force")
        new_doc = read_document(new, "the proposed version")
        sections = [_framework_section(old_doc, new_doc)]
        sections += [_compare(kind, old_doc, new_doc) for kind in KINDS]
    except SummaryUnavailable as error:
        return PolicySummary(problem=f"A summary in words cannot be made: {error}")
    except (TypeError, ValueError, KeyError, AttributeError):
        # A stored document of an unexpected shape must not break the page showing it.
        return PolicySummary(
            problem="A summary in words cannot be made: the documents are not shaped as "
            "framework files."
        )
    return PolicySummary(
        sections=tuple(sections),
        old_label=_label(old_doc, "no version in force") if old_doc else "no version in force",
        new_label=_label(new_doc, "the proposed version"),
    )


# --- The full diff, for reading ------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    """One line of a unified diff, split into its marker (+, -, @@, the file's ---/+++) and its
    text, so the page can show the marker apart: lines are told apart by it, not by colour."""

    kind: str  # "add", "del", "hunk", "file" or "" (context)
    marker: str
    text: str


def diff_lines(diff: str) -> list[DiffLine]:
    """A unified diff (as `difflib.unified_diff` writes it) line by line."""
    lines = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            lines.append(DiffLine("file", line[:3], line[3:]))
        elif line.startswith("@@"):
            lines.append(DiffLine("hunk", "@@", line[2:]))
        elif line.startswith("+"):
            lines.append(DiffLine("add", "+", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("del", "-", line[1:]))
        else:
            lines.append(DiffLine("", " ", line[1:] if line.startswith(" ") else line))
    return lines
