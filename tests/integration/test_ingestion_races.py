"""Exactly once under concurrency: bursts of identical posts, at the same moment, over real HTTP
against PostgreSQL. Every repeat gets the original (one 202, the rest 200 with the same id) and
one evaluation is stored, whatever the timing, with or without an Idempotency-Key."""

import json
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from evals.models import Ingestion
from evals.services import eval_system_create
from governance.audit import SYSTEM
from tests.conftest import need
from tests.evals.conftest import CROSSING_JSON
from tests.integration.test_ingestion_pipeline import post_multipart

BURSTS = 12
POSTS_PER_BURST = 20


@pytest.fixture
def race_setup(transactional_db, frameworks, monkeypatch):
    need(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL=postgres://...)")
    import evals.services
    from evals.services import eval_suite_create
    from governance.models import CapabilityThreshold
    from tests.factories import SnapshotFactory

    # Only the acceptance races here; what the worker does with the run is tested elsewhere.
    monkeypatch.setattr(evals.services, "_enqueue", lambda ingestion_id: None)
    SnapshotFactory(name="fx-race", external_ids=["mockllm/model"])
    eval_suite_create(
        actor=SYSTEM,
        name="Autonomy tasks",
        task_names=["autonomy_tasks"],
        thresholds=CapabilityThreshold.objects.filter(code="Autonomy checkpoint"),
    )
    _, token = eval_system_create(actor=SYSTEM, name="racer", all_models=True, all_suites=True)
    return token


def _a_new_evaluation(tmp_path, burst: int):
    """The crossing log as another evaluation: its own eval id, so each burst races anew."""
    log = json.loads(CROSSING_JSON.read_text())
    log["eval"]["eval_id"] = f"race-{burst}-{uuid.uuid4().hex}"
    path = tmp_path / f"race-{burst}.json"
    path.write_text(json.dumps(log))
    return path, log["eval"]["eval_id"]


@pytest.mark.parametrize("with_key", [False, True], ids=["no-key", "same-key"])
def test_identical_posts_at_once_are_one_run_and_every_repeat_gets_the_original(
    race_setup, live_server, tmp_path, with_key
):
    url = f"{live_server.url}/api/v1/ingestions/"
    outcomes = Counter()
    for burst in range(BURSTS):
        path, eval_id = _a_new_evaluation(tmp_path, burst)
        headers = {"Idempotency-Key": f"key-{eval_id}"} if with_key else {}
        start = threading.Barrier(POSTS_PER_BURST)

        def post(_, start=start, path=path, headers=headers):
            start.wait(timeout=120)  # all at once
            return post_multipart(url, race_setup, path, timeout=120, headers=headers)

        with ThreadPoolExecutor(POSTS_PER_BURST) as pool:
            answers = list(pool.map(post, range(POSTS_PER_BURST)))
        statuses = Counter(status for status, _ in answers)
        outcomes.update(statuses)
        assert statuses == {202: 1, 200: POSTS_PER_BURST - 1}, (burst, answers)
        assert len({body["id"] for _, body in answers}) == 1, burst
        assert Ingestion.objects.filter(natural_id=eval_id).count() == 1
    print(f"{BURSTS} bursts of {POSTS_PER_BURST} identical posts: {dict(outcomes)}")
