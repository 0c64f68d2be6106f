"""Loading framework files: the shipped policies, idempotence, and refusing invalid files whole."""

import json
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from governance.audit import SYSTEM
from governance.framework_files import (
    FrameworkFileError,
    parse_framework_file,
    shipped_framework_files,
)
from governance.models import AuditEvent, CapabilityThreshold, FrameworkVersion, SafetyLevel
from governance.services import framework_files_load

pytestmark = pytest.mark.django_db

MINIMAL = {
    "framework": {"slug": "example-lab", "organisation": "Example Lab", "name": "Safety Policy"},
    "version": "1",
    "effective_date": "2026-01-01",
    "levels": [{"code": "L1", "name": "Level 1"}, {"code": "L2", "name": "Level 2"}],
    "safeguards": [{"code": "SG2", "name": "Level 2 safeguards", "level": "L2"}],
    "thresholds": [
        {
            "code": "T1",
            "name": "Autonomy",
            "domain": "Autonomy",
            "kind": "threshold",
            "definition": "Does long tasks alone.",
            "required_level": "L2",
            "required_safeguards": ["SG2"],
            "scoring": {
                "task_pass": {"min_successes": 2, "attempts": 5},
                "aggregate": "fraction_of_tasks_passed",
                "direction": "higher",
                "warning_level": 0.2,
                "crossing_level": 0.4,
            },
        }
    ],
    "cadence": [{"name": "Compute", "compute_multiple": 3, "months": 4}],
    "governance": [
        {"decision": "capability_determination", "deciders": ["ceo"], "deadline_days": 14}
    ],
}


def write(tmp_path: Path, data: dict, name: str = "example-lab-1.yaml") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data))
    return path


def variant(**changes) -> dict:
    data = json.loads(json.dumps(MINIMAL))
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
    return data


def test_every_shipped_file_is_valid():
    for path in shipped_framework_files():
        parse_framework_file(path.name, path.read_bytes())  # raises on any problem
    names = [path.name for path in shipped_framework_files()]
    assert names == [
        "anthropic-rsp-1.0.yaml",
        "anthropic-rsp-2.2.yaml",
        "google-deepmind-fsf-2.yaml",
        "openai-preparedness-2.yaml",
    ]


def test_loading_the_shipped_files_creates_each_version():
    outcomes = framework_files_load(actor=SYSTEM, paths=shipped_framework_files())
    assert all(outcome.created for outcome in outcomes)
    assert sorted(str(v) for v in FrameworkVersion.objects.all()) == [
        "Anthropic Responsible Scaling Policy v1.0",
        "Anthropic Responsible Scaling Policy v2.2",
        "Google DeepMind Frontier Safety Framework v2",
        "OpenAI Preparedness Framework v2",
    ]
    rsp22 = FrameworkVersion.objects.get(framework__slug="anthropic-rsp", version="2.2")
    assert rsp22.supersedes.version == "1.0"
    assert [level.code for level in rsp22.levels.all()] == ["ASL-1", "ASL-2", "ASL-3", "ASL-4"]
    cbrn3 = rsp22.thresholds.get(code="CBRN-3")
    assert sorted(s.code for s in cbrn3.required_safeguards.all()) == [
        "ASL-3-Deployment",
        "ASL-3-Security",
    ]
    assert cbrn3.scoring_rule is None
    rules = {rule.decision: rule for rule in rsp22.governance_rules.all()}
    assert rules["capability_determination"].deciders == ["ceo", "rso"]
    assert rules["capability_determination"].deadline_days == 30
    assert rules["safeguards_approval"].renewal_months == 12
    assert [(c.compute_multiple, c.months) for c in rsp22.cadence_rules.all()] == [(4, 6)]


def test_rsp_1_0_autonomy_rule_is_one_in_ten_crossing_at_half_warning_at_thirty_percent():
    framework_files_load(actor=SYSTEM, paths=shipped_framework_files())
    ara = CapabilityThreshold.objects.get(version__version="1.0", code="ARA")
    rule = ara.scoring_rule
    assert (rule.min_successes, rule.attempts) == (1, 10)
    assert rule.aggregate == "fraction_of_tasks_passed"
    assert (rule.warning_level, rule.crossing_level) == (0.3, 0.5)
    assert "OUR default, not the policy's" in ara.scoring_note
    assert rule.describe() == (
        "A task passes with at least 1 success in 10 attempts; warning at fraction of tasks "
        "passed >= 30%; crossed at fraction of tasks passed >= 50%."
    )


def test_loading_twice_changes_nothing():
    framework_files_load(actor=SYSTEM, paths=shipped_framework_files())
    counts = (
        FrameworkVersion.objects.count(),
        SafetyLevel.objects.count(),
        AuditEvent.objects.count(),
    )
    outcomes = framework_files_load(actor=SYSTEM, paths=shipped_framework_files())
    assert [outcome.created for outcome in outcomes] == [False] * 4
    assert (
        FrameworkVersion.objects.count(),
        SafetyLevel.objects.count(),
        AuditEvent.objects.count(),
    ) == counts


def test_loading_is_audited_with_the_file_hash(tmp_path):
    path = write(tmp_path, MINIMAL)
    [outcome] = framework_files_load(actor=SYSTEM, paths=[path])
    event = AuditEvent.objects.get(action="framework_version.loaded")
    assert event.after["sha256"] == outcome.version.source_sha256
    assert event.after["file"] == "example-lab-1.yaml"


def test_another_labs_framework_is_just_a_new_file(tmp_path, client_for):
    from django.urls import reverse

    framework_files_load(actor=SYSTEM, paths=[write(tmp_path, MINIMAL, "example-lab-1.json")])
    page = client_for("auditor").get(reverse("framework-list")).content.decode()
    assert "Example Lab · Safety Policy" in page
    api = client_for("safety_staff").get(reverse("api:frameworkversion-list")).json()
    [version] = api["results"]
    assert version["framework"] == "example-lab"
    threshold = version["thresholds"][0]
    assert threshold["scoring"]["task_pass_min_successes"] == 2
    assert threshold["required_safeguards"] == ["SG2"]


@pytest.mark.parametrize(
    ("data", "field", "why"),
    [
        (variant(version=KeyError), "(document)", "'version' is a required property"),
        (
            variant(thresholds__0__scoring__crossing_level=1.5),
            "thresholds[0].scoring.crossing_level",
            "greater than the maximum of 1",
        ),
        (variant(thresholds__0__kind="maybe"), "thresholds[0].kind", "is not one of"),
        (variant(effective_date="2026-02-30"), "effective_date", "not a real date"),
        (variant(levels__1__code="L1"), "levels[1].code", "appears more than once"),
        (
            variant(thresholds__0__required_safeguards=["SG9"]),
            "thresholds[0].required_safeguards",
            "unknown safeguard standard 'SG9'",
        ),
        (
            variant(thresholds__0__required_level="L7"),
            "thresholds[0].required_level",
            "unknown level 'L7'",
        ),
        (
            variant(thresholds__0__scoring__warning_level=0.6),
            "thresholds[0].scoring.warning_level",
            "must trip before the crossing level",
        ),
        (
            variant(thresholds__0__scoring__task_pass={"min_successes": 6, "attempts": 5}),
            "thresholds[0].scoring.task_pass.min_successes",
            "cannot exceed attempts",
        ),
        (
            variant(governance__0__deciders=["janitor"]),
            "governance[0].deciders[0]",
            "is not one of",
        ),
        (variant(cadence__0__compute_multiple=None, cadence__0__months=None), "cadence[0]", ""),
    ],
)
def test_invalid_file_is_refused_naming_file_field_and_why(tmp_path, data, field, why):
    path = write(tmp_path, data)
    with pytest.raises(FrameworkFileError) as refused:
        framework_files_load(actor=SYSTEM, paths=[path])
    assert refused.value.file == "example-lab-1.yaml"
    assert refused.value.field == field
    assert why in refused.value.reason
    assert str(refused.value).startswith(f"example-lab-1.yaml: {field}: ")
    assert FrameworkVersion.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_unparseable_file_is_refused(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("framework: [unclosed\n")
    with pytest.raises(FrameworkFileError, match=r"broken.yaml: \(file\): not valid YAML"):
        framework_files_load(actor=SYSTEM, paths=[path])


def test_one_invalid_file_refuses_the_whole_batch(tmp_path):
    good = write(tmp_path, MINIMAL, "good.yaml")
    bad = write(tmp_path, variant(levels=[]), "bad.yaml")
    with pytest.raises(FrameworkFileError, match="bad.yaml: levels"):
        framework_files_load(actor=SYSTEM, paths=[good, bad])
    assert FrameworkVersion.objects.count() == 0


def test_same_version_with_other_content_is_refused(tmp_path):
    framework_files_load(actor=SYSTEM, paths=[write(tmp_path, MINIMAL)])
    changed = write(tmp_path, variant(thresholds__0__definition="Something else."), "v1-edit.yaml")
    with pytest.raises(FrameworkFileError, match="already loaded with different content"):
        framework_files_load(actor=SYSTEM, paths=[changed])
    assert CapabilityThreshold.objects.get().definition == "Does long tasks alone."


def test_comment_only_change_counts_as_the_same_version(tmp_path):
    path = write(tmp_path, MINIMAL)
    framework_files_load(actor=SYSTEM, paths=[path])
    path.write_text("# a new comment\n" + path.read_text())
    [outcome] = framework_files_load(actor=SYSTEM, paths=[path])
    assert outcome.created is False


def test_supersedes_must_name_a_loaded_version(tmp_path):
    path = write(tmp_path, variant(version="2", supersedes="1"))
    with pytest.raises(
        FrameworkFileError, match="supersedes: version 1 of example-lab is not loaded"
    ):
        framework_files_load(actor=SYSTEM, paths=[path])
    # Loaded together, the older one goes first and the reference resolves.
    framework_files_load(actor=SYSTEM, paths=[path, write(tmp_path, MINIMAL, "v1.yaml")])
    assert FrameworkVersion.objects.get(version="2").supersedes.version == "1"


def test_load_frameworks_command_loads_and_reports(tmp_path, capsys):
    call_command("load_frameworks")
    assert capsys.readouterr().out.count("loaded") == 4
    call_command("load_frameworks")
    assert capsys.readouterr().out.count("unchanged") == 4


def test_load_frameworks_command_exits_1_naming_the_problem(tmp_path):
    path = write(tmp_path, variant(thresholds__0__scoring__warning_level=0.9))
    with pytest.raises(CommandError) as failure:
        call_command("load_frameworks", str(path))
    assert failure.value.returncode == 1
    assert "example-lab-1.yaml: thresholds[0].scoring.warning_level" in str(failure.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="nope.yaml"):
        call_command("load_frameworks", str(tmp_path / "nope.yaml"))


def test_parse_accepts_unquoted_yaml_dates():
    content = yaml.safe_dump(MINIMAL).replace("'2026-01-01'", "2026-01-01").encode()
    assert parse_framework_file("x.yaml", content).document["effective_date"] == "2026-01-01"


def test_non_finite_numbers_are_refused_naming_the_field(tmp_path):
    path = tmp_path / "nan.yaml"
    path.write_text(yaml.safe_dump(MINIMAL).replace("crossing_level: 0.4", "crossing_level: .nan"))
    with pytest.raises(FrameworkFileError) as refused:
        framework_files_load(actor=SYSTEM, paths=[path])
    assert refused.value.field == "thresholds[0].scoring.crossing_level"
    assert "finite" in refused.value.reason


def test_a_new_version_cannot_rename_the_framework(tmp_path):
    framework_files_load(actor=SYSTEM, paths=[write(tmp_path, MINIMAL)])
    renamed = variant(version="2", framework__organisation="Totally Different Org")
    with pytest.raises(FrameworkFileError, match="framework.organisation"):
        framework_files_load(actor=SYSTEM, paths=[write(tmp_path, renamed, "v2.yaml")])


def test_a_version_cannot_supersede_a_later_one(tmp_path):
    framework_files_load(actor=SYSTEM, paths=[write(tmp_path, MINIMAL)])
    older = variant(version="0.9", supersedes="1", effective_date="2020-01-01")
    with pytest.raises(FrameworkFileError, match="took effect later than this one"):
        framework_files_load(actor=SYSTEM, paths=[write(tmp_path, older, "v09.yaml")])


def test_fsf_thresholds_carry_their_alert_threshold_in_words():
    framework_files_load(actor=SYSTEM, paths=shipped_framework_files())
    ccl = CapabilityThreshold.objects.get(code="CBRN uplift 1")
    assert "alert threshold" in ccl.warning_description
