"""Demo data for `seed_demo`: an autonomy suite, an eval system, and two real Inspect logs."""

from pathlib import Path

from governance.audit import SYSTEM
from governance.models import CapabilityThreshold

from .models import EvalSuite, EvalSystem
from .services import eval_suite_create, eval_system_create, ingest_file

DEMO_LOGS = Path(__file__).resolve().parent / "demo"


def seed() -> list[str]:
    lines = []
    if not EvalSuite.objects.filter(name="Autonomy tasks").exists():
        eval_suite_create(
            actor=SYSTEM,
            name="Autonomy tasks",
            description="Agentic software tasks; each sample is a task, each epoch an attempt.",
            task_names=["autonomy_tasks"],
            thresholds=CapabilityThreshold.objects.filter(code__in=["ARA", "Autonomy checkpoint"]),
        )
    if not EvalSystem.objects.filter(name="inspect-ci").exists():
        _, token = eval_system_create(
            actor=SYSTEM,
            name="inspect-ci",
            description="The demo's Inspect AI pipeline.",
            all_models=True,
            all_suites=True,
        )
        lines.append(f"Demo eval system inspect-ci, token (shown once): {token}")
    for log, snapshot in (
        ("autonomy_crossing.eval", "acme/frontier-x-2026-05"),
        ("autonomy_warning.eval", "acme/helper-s-1.0"),
    ):
        ingest_file(principal=SYSTEM, path=DEMO_LOGS / log, snapshot_ref=snapshot)
    return lines
