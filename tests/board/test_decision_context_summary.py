"""The plain-language summary of a policy change (governance.board.policy_summary): what the
proposed framework version adds, removes or changes against the version in force, kind by kind,
and a summary that says why it cannot be made rather than failing on a malformed document."""

import copy

import pytest
import yaml

from governance.board.policy_summary import (
    ADDED,
    CHANGED,
    REMOVED,
    diff_lines,
    summarise,
)
from governance.framework_files import FRAMEWORKS_DIR

BASE = {
    "framework": {"slug": "lab-rsp", "organisation": "Lab", "name": "Scaling Policy"},
    "version": "1.0",
    "effective_date": "2025-01-01",
    "safety_buffer_compute_multiple": 6,
    "levels": [
        {"code": "ASL-2", "name": "ASL-2"},
        {"code": "ASL-3", "name": "ASL-3", "description": "Significant uplift."},
    ],
    "safeguards": [
        {
            "code": "ASL-3-Security",
            "name": "ASL-3 Security Standard",
            "level": "ASL-3",
            "kind": "security",
            "criteria": [
                {"code": "perimeter", "text": "Perimeters around the weights."},
                {"code": "monitoring", "text": "Security monitoring."},
            ],
        }
    ],
    "thresholds": [
        {
            "code": "CBRN-3",
            "name": "CBRN uplift",
            "domain": "CBRN",
            "kind": "threshold",
            "definition": "Significant uplift to CBRN weapons.",
            "required_level": "ASL-3",
            "required_safeguards": ["ASL-3-Security"],
            "scoring": {
                "aggregate": "mean_score",
                "crossing_level": 0.5,
                "warning_level": 0.3,
            },
        }
    ],
    "cadence": [{"name": "Notably more capable", "compute_multiple": 4, "months": 6}],
    "governance": [
        {
            "decision": "policy_change",
            "proposers": ["ceo", "rso"],
            "deciders": ["board_director"],
            "advisers": ["trustee"],
        }
    ],
}


def _proposed(change) -> dict:
    new = copy.deepcopy(BASE)
    new["version"] = "1.1"
    change(new)
    return new


def _texts(summary, section: str) -> list[str]:
    return [entry.text for entry in summary.section(section).entries]


# --- Identical versions, and no version in force ---------------------------------------------


def test_identical_versions_say_no_change_for_every_kind():
    summary = summarise(BASE, _proposed(lambda doc: None))
    assert summary.available and not summary.has_changes
    assert summary.lines == [
        "No change to the framework as a whole.",
        "No change to the levels.",
        "No change to the thresholds.",
        "No change to the safeguards.",
        "No change to the evaluation cadence.",
        "No change to the decision rules.",
    ]


def test_without_a_version_in_force_everything_is_added():
    summary = summarise(None, BASE)
    assert summary.available
    assert {entry.change for entry in summary.entries} == {ADDED}
    assert _texts(summary, "thresholds") == [
        "Threshold CBRN-3 added: “CBRN uplift”; requires level ASL-3; requires safeguards "
        "ASL-3-Security; crossed when the mean task score is at or above 0.5, warning at 0.3"
    ]
    assert summary.old_label == "no version in force"


# --- Thresholds ------------------------------------------------------------------------------


def test_a_threshold_crossing_score_changed():
    def lower_the_bar(doc):
        doc["thresholds"][0]["scoring"]["crossing_level"] = 0.4

    summary = summarise(BASE, _proposed(lower_the_bar))
    assert _texts(summary, "thresholds") == ["Threshold CBRN-3 changed: crossing score 0.5 → 0.4"]
    assert summary.section("thresholds").tally == "1 changed"
    assert summary.section("levels").entries == ()


def test_a_threshold_added_and_one_removed():
    def replace_threshold(doc):
        doc["thresholds"][0] = {
            "code": "AI R&D-4",
            "name": "Automate an entry-level researcher",
            "domain": "AI R&D",
            "kind": "threshold",
            "definition": "Fully automate the work of an entry-level researcher.",
            "required_level": "ASL-3",
            "scoring": None,
        }

    summary = summarise(BASE, _proposed(replace_threshold))
    assert _texts(summary, "thresholds") == [
        "Threshold CBRN-3 removed: “CBRN uplift”",
        "Threshold AI R&D-4 added: “Automate an entry-level researcher”; requires level ASL-3",
    ]
    assert summary.section("thresholds").tally == "1 added, 1 removed"


def test_a_threshold_level_safeguards_rule_and_words_changed():
    def rework(doc):
        threshold = doc["thresholds"][0]
        threshold.update(
            required_level="ASL-2",
            required_safeguards=[],
            definition="Uplift to CBRN weapons, reworded.",
            response="Pause deployment.",
            scoring={
                "aggregate": "fraction_of_tasks_passed",
                "task_pass": {"min_successes": 1, "attempts": 10},
                "direction": "lower",
                "crossing_level": 0.5,
            },
        )

    (text,) = _texts(summarise(BASE, _proposed(rework)), "thresholds")
    assert text == (
        "Threshold CBRN-3 changed: required level ASL-3 → ASL-2; no longer requires safeguards "
        "ASL-3-Security; warning score removed (was 0.3); scored by the mean task score → the "
        "fraction of tasks passed; a lower score now means more capable; a task passes with "
        "none → 1 success in 10 attempts; definition reworded; response added"
    )


def test_a_numeric_rule_removed_says_crossing_becomes_judgement():
    def no_rule(doc):
        doc["thresholds"][0]["scoring"] = None

    assert _texts(summarise(BASE, _proposed(no_rule)), "thresholds") == [
        "Threshold CBRN-3 changed: numeric crossing rule removed (crossing becomes a matter of "
        "judgement)"
    ]


# --- Levels ----------------------------------------------------------------------------------


def test_levels_added_removed_and_changed():
    def relevel(doc):
        doc["levels"] = [
            {"code": "ASL-3", "name": "ASL-3 (significant)", "description": "Significant uplift."},
            {"code": "ASL-4", "name": "ASL-4"},
        ]

    summary = summarise(BASE, _proposed(relevel))
    assert _texts(summary, "levels") == [
        "Level ASL-2 removed",
        "Level ASL-4 added",
        "Level ASL-3 changed: name “ASL-3” → “ASL-3 (significant)”; moved from position 2 to 1 "
        "(lowest first)",
    ]
    assert [entry.change for entry in summary.section("levels").entries] == [
        REMOVED,
        ADDED,
        CHANGED,
    ]


# --- Safeguards ------------------------------------------------------------------------------


def test_safeguard_standards_added_removed_and_changed():
    def safeguards(doc):
        standard = doc["safeguards"][0]
        standard["criteria"] = [
            {"code": "perimeter", "text": "Perimeters and access controls around the weights."},
            {"code": "third-party", "text": "Third parties meet the same bar."},
        ]
        standard["level"] = "ASL-2"
        doc["safeguards"].append(
            {"code": "ASL-3-Deployment", "name": "ASL-3 Deployment Standard", "level": "ASL-3"}
        )

    assert _texts(summarise(BASE, _proposed(safeguards)), "safeguards") == [
        "Safeguard standard ASL-3-Deployment added: “ASL-3 Deployment Standard”; for level ASL-3",
        "Safeguard standard ASL-3-Security changed: level ASL-3 → ASL-2; criterion monitoring "
        "removed; criterion perimeter reworded; criterion third-party added",
    ]

    def drop(doc):
        doc["safeguards"] = []

    assert _texts(summarise(BASE, _proposed(drop)), "safeguards") == [
        "Safeguard standard ASL-3-Security removed: “ASL-3 Security Standard”"
    ]


# --- Rules: decision rules, cadence and the whole policy -------------------------------------


def test_decision_rules_added_removed_and_changed():
    def rules(doc):
        doc["governance"] = [
            {
                "decision": "policy_change",
                "proposers": ["rso", "ceo"],  # the same people in another order: no change
                "deciders": ["board_director", "trustee"],
                "advisers": [],
                "deadline_days": 30,
            },
            {"decision": "rso_report", "deciders": ["rso"], "renewal_months": 3},
        ]

    assert _texts(summarise(BASE, _proposed(rules)), "rules") == [
        "Decision rule “RSO report” added: decided by the RSO; renewed every 3 months",
        "Decision rule “policy change” changed: decided by the board → the board, the Trust; "
        "advised by the Trust → no one; deadline set to 30 days",
    ]

    def no_rules(doc):
        doc["governance"] = []

    assert _texts(summarise(BASE, _proposed(no_rules)), "rules") == [
        "Decision rule “policy change” removed"
    ]


def test_cadence_and_the_safety_buffer_changed():
    def cadence(doc):
        doc["cadence"][0]["months"] = 3
        doc["cadence"].append({"name": "Every quarter", "months": 3})
        doc["safety_buffer_compute_multiple"] = 4

    summary = summarise(BASE, _proposed(cadence))
    assert _texts(summary, "cadence") == [
        "Cadence rule “Every quarter” added: every 3 months",
        "Cadence rule “Notably more capable” changed: interval in months 6 months → 3 months",
    ]
    assert _texts(summary, "framework") == [
        "Safety buffer changed: 6× effective compute → 4× effective compute"
    ]


def test_the_shipped_rsp_versions_in_words():
    old = (FRAMEWORKS_DIR / "anthropic-rsp-1.0.yaml").read_text()
    new = (FRAMEWORKS_DIR / "anthropic-rsp-2.2.yaml").read_text()
    summary = summarise(old, new)
    assert summary.old_label == "Responsible Scaling Policy v1.0"
    assert (
        "Threshold CBRN-3 added: “CBRN weapons uplift for people with basic STEM background”; "
        "requires level ASL-3; requires safeguards ASL-3-Deployment, ASL-3-Security"
    ) in summary.lines
    assert "Safety buffer removed: was 6× effective compute" in summary.lines
    assert summary.section("thresholds").tally == "5 added, 2 removed, 1 changed"


# --- Documents that cannot be summarised -----------------------------------------------------


@pytest.mark.parametrize(
    ("proposal", "reason"),
    [
        ("levels: [unclosed", "the proposed version cannot be read as YAML or JSON."),
        (b"\xff\xfe", "the proposed version is not text."),
        ("- just\n- a list\n", "the proposed version is not a framework document"),
        (None, "the proposed version is not a framework document"),
        ({**BASE, "thresholds": "CBRN-3"}, "the proposed version's thresholds is not a list."),
        (
            {**BASE, "levels": [{"name": "no code"}]},
            "the proposed version's levels[0] has no code.",
        ),
        ({**BASE, "levels": [{"code": "A"}, {"code": "A"}]}, "list 'A' twice"),
        (
            {**BASE, "safeguards": [{"code": "S", "criteria": "none"}]},
            "standard S's criteria is not a list",
        ),
    ],
)
def test_a_malformed_proposal_gives_a_reason_not_an_error(proposal, reason):
    summary = summarise(BASE, proposal)
    assert not summary.available and summary.sections == ()
    assert summary.problem.startswith("A summary in words cannot be made: ")
    assert reason in summary.problem
    assert summary.lines == [summary.problem]


def test_a_malformed_version_in_force_is_named_as_such():
    summary = summarise({"levels": 3}, BASE)
    assert summary.problem == (
        "A summary in words cannot be made: the version in force's levels is not a list."
    )


def test_stored_values_of_unexpected_types_do_not_break_the_summary():
    def odd(doc):
        threshold = doc["thresholds"][0]
        threshold["scoring"] = "0.4"  # not a rule: read as none
        threshold["required_safeguards"] = "ASL-3-Security"
        threshold["name"] = 7
        doc["governance"][0]["deciders"] = "board_director"
        doc["cadence"][0]["months"] = "six"

    summary = summarise(BASE, _proposed(odd))
    assert summary.available
    assert _texts(summary, "thresholds") == [
        "Threshold CBRN-3 changed: name “CBRN uplift” → “7”; numeric crossing rule removed "
        "(crossing becomes a matter of judgement)"
    ]
    assert _texts(summary, "cadence") == [
        "Cadence rule “Notably more capable” changed: interval in months 6 months → six months"
    ]


# --- The diff, line by line ------------------------------------------------------------------


def test_diff_lines_carry_their_marker_apart_from_colour():
    diff = "--- a v1\n+++ b v2\n@@ -1,2 +1,2 @@\n version: '1'\n-old: 1\n+new: 2\n"
    lines = diff_lines(diff)
    assert [(line.kind, line.marker, line.text) for line in lines] == [
        ("file", "---", " a v1"),
        ("file", "+++", " b v2"),
        ("hunk", "@@", " -1,2 +1,2 @@"),
        ("", " ", "version: '1'"),
        ("del", "-", "old: 1"),
        ("add", "+", "new: 2"),
    ]


def test_a_yaml_text_and_its_parsed_document_give_the_same_summary():
    text = yaml.safe_dump(BASE)
    assert summarise(text, BASE).lines == summarise(BASE, BASE).lines
