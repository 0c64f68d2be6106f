import datetime as dt
import shutil
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from governance.audit import SYSTEM
from governance.models import CapabilityThreshold
from tests.factories import SnapshotFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "evals"
CROSSING_JSON = FIXTURES / "inspect_autonomy_crossing.json"
CROSSING_EVAL = FIXTURES / "inspect_autonomy_crossing.eval"
WARNING_EVAL = FIXTURES / "inspect_autonomy_warning.eval"
BELOW_JSON = FIXTURES / "inspect_autonomy_below.json"
ERROR_JSON = FIXTURES / "inspect_autonomy_error.json"
LM_EVAL = FIXTURES / "lm_eval_results_cyber_probe.json"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def autonomy_suite_named(name: str, task_names: list[str], **fields):
    """A suite measuring the autonomy thresholds of every framework version (the one in force
    is used)."""
    from evals.services import eval_suite_create

    return eval_suite_create(
        actor=SYSTEM,
        name=name,
        task_names=task_names,
        thresholds=CapabilityThreshold.objects.filter(code__in=["ARA", "Autonomy checkpoint"]),
        **fields,
    )


@pytest.fixture
def autonomy_suite(frameworks):
    return autonomy_suite_named("Autonomy tasks", ["autonomy_tasks"])


@pytest.fixture
def rsp_1_0_in_force(frameworks):
    """Put RSP 1.0 back in force from a moment before the fixture logs were written."""
    from governance.models import FrameworkAdoption

    FrameworkAdoption.objects.create(
        version=frameworks["1.0"], effective_from=dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    )
    return frameworks["1.0"]


@pytest.fixture
def snapshot(db):
    return SnapshotFactory(name="fx-autonomy", external_ids=["mockllm/model"])


@pytest.fixture
def eval_system(db):
    from evals.services import eval_system_create

    system, token = eval_system_create(
        actor=SYSTEM, name="inspect-ci", all_models=True, all_suites=True
    )
    system.token = token
    return system


@pytest.fixture
def machine(eval_system):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {eval_system.token}")
    return client


def post_log(client, path: Path, **data):
    with path.open("rb") as file:
        return client.post("/api/v1/ingestions/", {"file": file, **data}, format="multipart")


def copy_fixture(path: Path, tmp_path: Path, name: str | None = None) -> Path:
    target = tmp_path / (name or path.name)
    shutil.copyfile(path, target)
    return target


@pytest.fixture(autouse=True)
def queue_at_once(monkeypatch):
    """Tests run inside one transaction that never commits, so on_commit never fires: queue the
    work at once instead (tasks then run in-process). The integration tests use the real path."""
    import evals.services

    monkeypatch.setattr(evals.services, "_enqueue", evals.services._send)
