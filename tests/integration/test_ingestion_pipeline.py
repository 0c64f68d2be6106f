"""The ingestion pipeline with every real part: gunicorn over HTTP, Redis, a Celery worker
process, and a broker outage in the middle."""

import json
import shutil
import time
import urllib.error
import urllib.request
import uuid

import pytest

from evals.models import EvalRun, Ingestion
from evals.services import eval_system_create
from governance.audit import SYSTEM
from tests import processes
from tests.conftest import need, subprocess_env, wait_for
from tests.evals.conftest import CROSSING_JSON
from tests.integration.conftest import (
    celery_worker_command,
    gunicorn_command,
    start_project_process,
)
from tests.integration.fresh_clone import free_port


def post_multipart(
    url: str, token: str, path, timeout: float = 60, headers: dict | None = None
) -> tuple[int, dict]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url,
        data=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def get_json(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def pipeline_setup(seeded_db):
    """Demo data (Helper S answers to mockllm/model; the Autonomy tasks suite) and a token."""
    _, token = eval_system_create(actor=SYSTEM, name="ci", all_models=True, all_suites=True)
    return token


@pytest.fixture
def start_stack(settings, tmp_path):
    """`start_stack(broker_url)`: gunicorn and a Celery worker on a queue of their own; both are
    stopped when the test ends, however it ends."""
    started: list[processes.Child] = []

    def start(broker_url: str, *, sweep: bool = False) -> str:
        queue = f"test-{uuid.uuid4().hex[:10]}"
        env = subprocess_env(
            DEBUG="1",
            ALLOWED_HOSTS="127.0.0.1",
            CELERY_BROKER_URL=broker_url,
            CELERY_TASK_DEFAULT_QUEUE=queue,
            MEDIA_ROOT=str(settings.MEDIA_ROOT),
            INGESTION_SWEEP_INTERVAL="1",
            INGESTION_REQUEUE_AFTER="1",
        )
        port = free_port()
        server = start_project_process("gunicorn", gunicorn_command(port), env, tmp_path)
        started.append(server)
        worker_command = celery_worker_command(queue)
        if sweep:
            worker_command += ["--beat", "--schedule", str(tmp_path / "beat-schedule")]
        started.append(start_project_process("celery-worker", worker_command, env, tmp_path))
        base = f"http://127.0.0.1:{port}"
        processes.wait_until_answering(f"{base}/healthz/", server)
        return base

    yield start
    for child in started:
        print(child.stop())  # pytest shows the logs when a test fails


def test_a_posted_log_is_processed_by_a_real_worker(pipeline_setup, redis_url, start_stack):
    base = start_stack(redis_url)
    status, body = post_multipart(f"{base}/api/v1/ingestions/", pipeline_setup, CROSSING_JSON)
    assert status == 202, body
    done = wait_for(
        lambda: (
            (s := get_json(body["status_url"], pipeline_setup))["status"] in ("done", "failed")
            and s
        ),
        timeout=180,
        what="the worker to store the run",
        retry_on=processes.TRANSIENT_ERRORS,
    )
    assert done["status"] == "done", done
    assert done["outcomes"] == {"Autonomy checkpoint": "crossed"}
    assert EvalRun.objects.get(pk=done["run"]).task_results.count() == 10
    repeat_status, repeat = post_multipart(
        f"{base}/api/v1/ingestions/", pipeline_setup, CROSSING_JSON
    )
    assert (repeat_status, repeat["id"]) == (200, body["id"])


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of this test's own, so stopping it disturbs nothing else."""
    binary = shutil.which("redis-server")
    need(binary is not None, "redis-server")
    port = free_port()
    command = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]

    def start() -> processes.Child:
        child = processes.start(
            "redis-server", command, env=processes.real_clock_env(), cwd=tmp_path, log_dir=tmp_path
        )
        wait_for(lambda: _redis_pings(port), timeout=60, what="redis-server", diagnostics=child.log)
        return child

    state = {"redis": start()}

    class Handle:
        url = f"redis://127.0.0.1:{port}/0"

        @staticmethod
        def stop():
            state["redis"].stop()

        @staticmethod
        def restart():
            state["redis"] = start()

    yield Handle
    state["redis"].stop()


def _redis_pings(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_a_log_posted_while_the_broker_is_down_is_processed_once_it_is_back(
    pipeline_setup, private_redis, start_stack
):
    base = start_stack(private_redis.url, sweep=True)
    private_redis.stop()
    started = time.monotonic()
    status, body = post_multipart(f"{base}/api/v1/ingestions/", pipeline_setup, CROSSING_JSON)
    assert status == 202, body  # accepted and committed, though nothing could be queued
    print(f"accepted with the broker down in {time.monotonic() - started:.1f}s")
    assert Ingestion.objects.get(pk=body["id"]).status == "queued"
    time.sleep(2)
    assert Ingestion.objects.get(pk=body["id"]).status == "queued"

    private_redis.restart()
    ingestion = wait_for(
        lambda: (i := Ingestion.objects.get(pk=body["id"])).status in ("done", "failed") and i,
        timeout=180,
        what="the sweep to re-queue it and the worker to store the run",
    )
    assert ingestion.status == "done", ingestion.error
    assert EvalRun.objects.filter(ingestion=ingestion).count() == 1
