"""The models list carries risk: each model's standing against the thresholds (inconclusive is
never shown as below), the level it requires, its live restrictions with the signatures they
await, and its open escalations; all in words, for a whole page in a fixed number of queries."""

import datetime as dt
import re
from itertools import count
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evals.models import ThresholdEvaluation
from evals.selectors import model_threshold_standings
from governance.choices import (
    EscalationKind,
    EscalationState,
    RestrictionKind,
    RestrictionState,
    Role,
    Severity,
)
from governance.models import CapabilityThreshold
from governance.oversight.models import Escalation, Restriction
from governance.registry.selectors import model_standings
from tests.conftest import FIXED_NOW
from tests.factories import AIModelFactory, SnapshotFactory, stored_evaluation

pytestmark = pytest.mark.django_db

_serial = count(1)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(FIXED_NOW, tick=False)


def evaluate(snapshot, code: str, outcome: str, version: str = "2.2") -> ThresholdEvaluation:
    threshold = CapabilityThreshold.objects.get(version__version=version, code=code)
    return stored_evaluation(snapshot, threshold, outcome)


def escalate(model, severity=Severity.HIGH, state=EscalationState.OPEN, subject=None):
    now = FIXED_NOW
    return Escalation.objects.create(
        kind=EscalationKind.THRESHOLD,
        subject=subject or f"subject-{next(_serial)}",
        scope=f"model:{model.pk}",
        model=model,
        severity=severity,
        state=state,
        title=f"Escalation on {model.name}",
        due_at=now + dt.timedelta(days=30),
        opened_at=now,
        created_at=now,
        updated_at=now,
    )


def rows_of(client, **params) -> dict:
    page = client.get(reverse("model-list"), params)
    assert page.status_code == 200
    return {row.model.name: row for row in page.context["rows"]}


def test_standing_badges_say_the_worst_outcome_in_words(client_for, frameworks):
    crossed = SnapshotFactory(model=AIModelFactory(name="Crossing"))
    evaluate(crossed, "CBRN-4", "crossed")
    evaluate(crossed, "Cyber", "warning")
    evaluate(crossed, "AI R&D-4", "below")
    below = SnapshotFactory(model=AIModelFactory(name="Quiet"))
    evaluate(below, "CBRN-3", "below")
    evaluate(below, "Cyber", "below")
    AIModelFactory(name="Fresh")
    client = client_for(Role.BOARD_DIRECTOR)

    rows = rows_of(client)
    assert rows["Crossing"].standing.outcome == "crossed"
    assert rows["Crossing"].standing.codes_by_outcome == {
        "crossed": ["CBRN-4"],
        "warning": ["Cyber"],
    }
    assert rows["Quiet"].standing.outcome == "below"
    assert rows["Quiet"].standing.evaluated == 2
    assert rows["Fresh"].standing.outcome is None

    html = client.get(reverse("model-list")).content.decode()
    assert '<span class="risk-outcome risk-outcome-crossed">Crossed</span>' in html
    # Every threshold of the policy in force, as a badge: "not evaluated" is never "below".
    assert ">CBRN-4: Crossed</span>" in html and ">Cyber: Warning</span>" in html
    assert ">AI R&amp;D-4: Below</span>" in html and ">AI R&amp;D-5: Not evaluated</span>" in html
    assert html.count(">CBRN-3: Not evaluated</span>") == 2  # Crossing and Fresh
    assert '<span class="risk-outcome risk-outcome-none">Not evaluated</span>' in html


def test_inconclusive_is_shown_as_such_never_as_below(client_for, frameworks):
    model = AIModelFactory(name="Broken run")
    early, late = (SnapshotFactory(model=model, name=name) for name in ("early", "late"))
    evaluate(early, "CBRN-3", "inconclusive")
    evaluate(late, "CBRN-3", "below")  # another snapshot's "below" does not answer it
    evaluate(late, "Cyber", "below")
    client = client_for(Role.RSO)

    standing = rows_of(client)["Broken run"].standing
    assert standing.outcome == "inconclusive"
    assert standing.codes_by_outcome == {"inconclusive": ["CBRN-3"]}
    html = client.get(reverse("model-list")).content.decode()
    assert '<span class="risk-outcome risk-outcome-inconclusive">Inconclusive</span>' in html
    assert ">CBRN-3: Inconclusive</span>" in html
    assert "risk-outcome-below" not in html
    assert "Inconclusive counts as crossed until a conclusive run shows otherwise" in html


@pytest.mark.parametrize(
    "evaluations",
    [
        [("a", "CBRN-3", "inconclusive"), ("a", "CBRN-3", "below")],
        [("a", "CBRN-3", "below"), ("a", "CBRN-3", "inconclusive")],
        [("a", "CBRN-3", "inconclusive"), ("b", "CBRN-3", "below")],
        [("a", "CBRN-3", "crossed"), ("a", "CBRN-3", "below"), ("b", "Cyber", "warning")],
        [("a", "Cyber", "warning"), ("b", "Cyber", "inconclusive"), ("b", "CBRN-4", "below")],
        [("a", "ARA", "crossed"), ("b", "Autonomy checkpoint", "below")],
    ],
)
def test_list_standing_agrees_with_the_model_page(frameworks, evaluations):
    model = AIModelFactory()
    snapshots = {name: SnapshotFactory(model=model, name=name) for name in ("a", "b")}
    for snapshot, code, outcome in evaluations:
        version = "1.0" if code == "ARA" else "2.2"
        evaluate(snapshots[snapshot], code, outcome, version=version)

    page = model_threshold_standings(model)  # what the model page shows, per threshold
    standing = model_standings([model])[model.pk]
    severity = ["below", "warning", "inconclusive", "crossed"].index
    assert standing.outcome == max((e.outcome for e in page), key=severity)
    expected: dict[str, list[str]] = {}
    for evaluation in sorted(page, key=lambda e: e.threshold.code):
        if evaluation.outcome != "below":
            expected.setdefault(evaluation.outcome, []).append(evaluation.threshold.code)
    assert standing.codes_by_outcome == expected


def test_the_level_required_by_a_crossed_or_inconclusive_threshold(client_for, frameworks):
    levels = {level.code: level for level in frameworks["2.2"].levels.all()}
    short = SnapshotFactory(model=AIModelFactory(name="Short", current_level=levels["ASL-3"]))
    evaluate(short, "CBRN-4", "crossed")  # requires ASL-4
    evaluate(short, "AI R&D-4", "inconclusive")  # requires ASL-3
    covered = SnapshotFactory(model=AIModelFactory(name="Covered", current_level=levels["ASL-3"]))
    evaluate(covered, "AI R&D-4", "inconclusive")
    evaluate(covered, "CBRN-4", "warning")  # a warning requires no level
    unassessed = SnapshotFactory(model=AIModelFactory(name="Unassessed"))
    evaluate(unassessed, "CBRN-3", "crossed")
    client = client_for(Role.CEO)

    rows = rows_of(client)
    assert (rows["Short"].standing.required_level.code, rows["Short"].standing.level_short) == (
        "ASL-4",
        True,
    )
    assert rows["Short"].standing.required_by == ("CBRN-4",)
    assert rows["Covered"].standing.required_level.code == "ASL-3"
    assert rows["Covered"].standing.level_short is False
    html = client.get(reverse("model-list")).content.decode()
    assert "Requires ASL-4, above its current level" in html
    assert "Requires ASL-3 <span" in html  # covered: no "above"
    assert "Requires ASL-3, not yet determined" in html  # unassessed


def test_restriction_badges_say_what_blocks_and_which_signatures_are_pending(
    client_for, frameworks, make_user
):
    robin = make_user(Role.RSO, username="robin")
    casey = make_user(Role.CEO, username="casey")
    held = AIModelFactory(name="Held")
    escalation = escalate(held)
    Restriction.objects.create(
        model=held,
        kind=RestrictionKind.PAUSE_TRAINING,
        state=RestrictionState.PROPOSED,
        escalation=escalation,
        reason="CBRN-4 crossed",
        activation_rso=robin,
    )
    Restriction.objects.create(
        model=held,
        kind=RestrictionKind.HOLD_DEPLOYMENT,
        state=RestrictionState.ACTIVE,
        escalation=escalation,
        reason="CBRN-4 crossed",
        activation_rso=robin,
        activation_ceo=casey,
        activated_at=FIXED_NOW,
    )
    waived = AIModelFactory(name="Waived")
    Restriction.objects.create(
        model=waived,
        kind=RestrictionKind.HOLD_DEPLOYMENT,
        state=RestrictionState.WAIVED,
        reason="Cyber inconclusive",
        waiver_measures="Trusted testers only",
        waiver_until=FIXED_NOW + dt.timedelta(days=10),
        waiver_rso=robin,
        waiver_ceo=casey,
        waived_at=FIXED_NOW - dt.timedelta(days=1),
    )
    lapsed = AIModelFactory(name="Lapsed")
    Restriction.objects.create(
        model=lapsed,
        kind=RestrictionKind.PAUSE_TRAINING,
        state=RestrictionState.WAIVED,
        reason="Cyber inconclusive",
        waiver_until=FIXED_NOW - dt.timedelta(hours=1),
        waiver_rso=robin,
        waiver_ceo=casey,
        waived_at=FIXED_NOW - dt.timedelta(days=5),
    )
    lifted = AIModelFactory(name="Lifted")
    Restriction.objects.create(
        model=lifted,
        kind=RestrictionKind.PAUSE_TRAINING,
        state=RestrictionState.LIFTED,
        reason="over",
    )
    client = client_for(Role.TRUSTEE)

    rows = rows_of(client)
    assert [(b.text, b.awaits) for b in rows["Held"].restrictions] == [
        ("Hold deployment · Active, blocking", ""),
        (
            "Pause training · Proposed, blocking until decided",
            "a decision by the RSO (robin has signed) and the CEO",
        ),
    ]
    assert [b.text for b in rows["Waived"].restrictions] == [
        "Hold deployment · Waived until 28 Nov 2026 (interim measures)"
    ]
    assert [(b.text, b.awaits) for b in rows["Lapsed"].restrictions] == [
        (
            "Pause training · Interim measures ended, blocking again",
            "a new decision by the RSO and the CEO",
        )
    ]
    assert rows["Lifted"].restrictions == []

    html = client.get(reverse("model-list")).content.decode()
    assert (
        '<span class="risk-badge risk-badge-block">Pause training · Proposed, blocking until '
        "decided</span>" in html
    )
    assert '<span class="risk-badge risk-badge-pending">Pending signatures</span>' in html
    assert "awaits a decision by the RSO (robin has signed) and the CEO" in html
    assert (
        '<span class="risk-badge risk-badge-waived">Hold deployment · Waived until 28 Nov 2026 '
        "(interim measures)</span>" in html
    )


def test_open_escalations_are_counted_by_severity(client_for, frameworks):
    model = AIModelFactory(name="Watched")
    escalate(model, Severity.HIGH)
    escalate(model, Severity.MEDIUM, state=EscalationState.ACKNOWLEDGED)
    escalate(model, Severity.HIGH, state=EscalationState.RESOLVED)
    AIModelFactory(name="Calm")
    client = client_for(Role.AUDITOR)

    rows = rows_of(client)
    assert rows["Watched"].escalations.count == 2
    assert rows["Watched"].escalations.severity_text == "1 high, 1 medium"
    assert rows["Calm"].escalations is None
    html = client.get(reverse("model-list")).content.decode()
    link = f'href="{reverse("escalation-list")}?model={model.pk}">2 open escalations</a>'
    assert link in html
    assert "1 high, 1 medium" in html


def _risky_model(levels, robin, index: int):
    model = AIModelFactory(current_level=levels[index % len(levels)])
    snapshot = SnapshotFactory(model=model)
    evaluate(snapshot, "CBRN-4", "crossed")
    evaluate(snapshot, "Cyber", "inconclusive")
    escalation = escalate(model)
    Restriction.objects.create(
        model=model,
        kind=RestrictionKind.PAUSE_TRAINING,
        state=RestrictionState.PROPOSED,
        escalation=escalation,
        reason="crossed",
        activation_rso=robin,
    )
    return model


def test_query_count_is_the_same_for_one_model_and_twenty(
    client_for, frameworks, make_user, django_assert_max_num_queries
):
    levels = list(frameworks["2.2"].levels.all())
    robin = make_user(Role.RSO, username="robin")
    client = client_for(Role.AUDITOR)
    _risky_model(levels, robin, 0)

    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("model-list")).status_code == 200
    for index in range(1, 20):
        _risky_model(levels, robin, index)
    with django_assert_max_num_queries(len(one)):
        page = client.get(reverse("model-list"))
    assert len(page.context["rows"]) == 20
    assert all(row.standing.outcome == "crossed" for row in page.context["rows"])
    assert all(row.restrictions[0].awaits for row in page.context["rows"])


# Contrast: every colour risk.css puts on text, against its own background or, without one, the
# white table and the grey page.

RISK_CSS = Path(settings.BASE_DIR) / "static" / "css" / "risk.css"
PAGE_BACKGROUNDS = ("#ffffff", "#f5f7fa")


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_helper_can_fail():
    assert contrast("#1f6feb", "#f5f7fa") < 4.5  # the link blue of the issue: 4.32:1
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0


def test_every_risk_colour_meets_aa_contrast():
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", RISK_CSS.read_text())
    checked = 0
    for selector, body in rules:
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", body)
        if not colour:
            continue
        background = re.search(r"background:\s*(#[0-9a-fA-F]{6})", body)
        for behind in [background.group(1)] if background else PAGE_BACKGROUNDS:
            ratio = contrast(colour.group(1), behind)
            assert ratio >= 4.5, f"{selector.strip()}: {ratio:.2f}:1 on {behind}"
            checked += 1
    assert checked >= 15
