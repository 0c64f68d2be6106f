"""Real processes for integration tests: an HTTP server (gunicorn) and a Celery worker, each
using this test run's database."""

import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import global_settings
from django.core.management import call_command

from governance.celery import app as celery_app
from tests.conftest import PROJECT_DIR, REQUIRE_SERVICES, subprocess_env, wait_for
from tests.integration.fresh_clone import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def start_project_process(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start one of the virtualenv's console scripts (gunicorn, celery) in the project folder."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / command[0]), *command[1:]],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_process(process: subprocess.Popen) -> str:
    """Terminate (then kill) a child process; returns what it printed."""
    process.terminate()
    try:
        out, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out or ""


@pytest.fixture
def seeded_db(transactional_db, settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path / "media"  # the demo's eval logs are stored here
    # The server process verifies passwords with the real hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)


@pytest.fixture
def http_server(seeded_db):
    """gunicorn serving the project on a free port, as `make run` users and browsers see it."""
    port = free_port()
    env = subprocess_env(DEBUG="1", ALLOWED_HOSTS="127.0.0.1,localhost")
    env.pop("CELERY_BROKER_URL", None)  # the web process runs tasks in-process here
    process = start_project_process(
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
    base_url = f"http://127.0.0.1:{port}"

    def answering():
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.stdout.read()}")
        try:
            return urllib.request.urlopen(f"{base_url}/healthz/", timeout=2).status == 200
        except (urllib.error.URLError, ConnectionError):
            return False

    try:
        wait_for(answering, timeout=60, what="gunicorn to answer")
        yield base_url
    finally:
        stop_process(process)


@pytest.fixture
def chromium():
    available = os.path.exists(CHROMIUM)
    if not available:
        if REQUIRE_SERVICES:
            pytest.fail(f"Chromium is required here (REQUIRE_SERVICES=1) but {CHROMIUM} is missing")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def celery_worker_queue(transactional_db, redis_url):
    """A real Celery worker process on a queue of its own; yields the queue's name."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    process = start_project_process(
        [
            "celery",
            "-A",
            "governance",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        subprocess_env(CELERY_BROKER_URL=redis_url, DEBUG="1"),
    )
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        print(stop_process(process))  # pytest shows the worker's log when a test fails
