"""The ingestion pipeline with every real part: gunicorn over HTTP, Redis, a Celery worker
process, and a broker outage in the middle."""

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest

from evals.models import EvalRun, Ingestion
from evals.services import eval_system_create
from governance.audit import SYSTEM
from tests.conftest import need, subprocess_env, wait_for
from tests.evals.conftest import CROSSING_JSON
from tests.integration.conftest import start_project_process, stop_process
from tests.integration.fresh_clone import free_port


def post_multipart(url: str, token: str, path, timeout: float = 60) -> tuple[int, dict]:
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


def start_stack(broker_url: str, media_root, tmp_path, *, sweep: bool = False):
    queue = f"test-{uuid.uuid4().hex[:10]}"
    env = subprocess_env(
        DEBUG="1",
        ALLOWED_HOSTS="127.0.0.1",
        CELERY_BROKER_URL=broker_url,
        CELERY_TASK_DEFAULT_QUEUE=queue,
        MEDIA_ROOT=str(media_root),
        INGESTION_SWEEP_INTERVAL="1",
        INGESTION_REQUEUE_AFTER="1",
    )
    port = free_port()
    server = start_project_process(
        [
            "gunicorn",
            "governance.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        env,
    )
    worker_command = ["celery", "-A", "governance", "worker", "--pool=solo", "--queues", queue]
    worker_command += ["--without-gossip", "--without-mingle", "--loglevel=INFO"]
    if sweep:
        worker_command += ["--beat", "--schedule", str(tmp_path / "beat-schedule")]
    worker = start_project_process(worker_command, env)
    base = f"http://127.0.0.1:{port}"

    def answering():
        try:
            return urllib.request.urlopen(f"{base}/healthz/", timeout=2).status == 200
        except (urllib.error.URLError, ConnectionError):
            return False

    wait_for(answering, timeout=60, what="gunicorn")
    return base, [server, worker]


def test_a_posted_log_is_processed_by_a_real_worker(pipeline_setup, redis_url, settings, tmp_path):
    base, processes = start_stack(redis_url, settings.MEDIA_ROOT, tmp_path)
    try:
        status, body = post_multipart(f"{base}/api/v1/ingestions/", pipeline_setup, CROSSING_JSON)
        assert status == 202, body
        done = wait_for(
            lambda: (
                (s := get_json(body["status_url"], pipeline_setup))["status"] in ("done", "failed")
                and s
            ),
            timeout=90,
            what="the worker to store the run",
        )
        assert done["status"] == "done", done
        assert done["outcomes"] == {"Autonomy checkpoint": "crossed"}
        assert EvalRun.objects.get(pk=done["run"]).task_results.count() == 10
        repeat_status, repeat = post_multipart(
            f"{base}/api/v1/ingestions/", pipeline_setup, CROSSING_JSON
        )
        assert (repeat_status, repeat["id"]) == (200, body["id"])
    finally:
        for process in processes:
            print(stop_process(process))


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

    def start():
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: _redis_pings(port), timeout=20, what="redis-server")
        return process

    state = {"process": start()}

    class Handle:
        url = f"redis://127.0.0.1:{port}/0"

        @staticmethod
        def stop():
            state["process"].terminate()
            state["process"].wait(timeout=10)

        @staticmethod
        def restart():
            state["process"] = start()

    yield Handle
    if state["process"].poll() is None:
        Handle.stop()


def _redis_pings(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_a_log_posted_while_the_broker_is_down_is_processed_once_it_is_back(
    pipeline_setup, private_redis, settings, tmp_path
):
    need(shutil.which("redis-server") is not None, "redis-server")
    base, processes = start_stack(private_redis.url, settings.MEDIA_ROOT, tmp_path, sweep=True)
    try:
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
            timeout=120,
            what="the sweep to re-queue it and the worker to store the run",
        )
        assert ingestion.status == "done", ingestion.error
        assert EvalRun.objects.filter(ingestion=ingestion).count() == 1
    finally:
        for process in processes:
            print(stop_process(process))
