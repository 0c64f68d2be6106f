"""Real processes for integration tests: an HTTP server (gunicorn) and a Celery worker, each
using this test run's database."""

import os
import shutil
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import global_settings
from django.core.management import call_command
from django.db import connections

from governance.celery import app as celery_app
from tests import processes
from tests.conftest import PROJECT_DIR, REQUIRE_SERVICES, subprocess_env
from tests.integration.fresh_clone import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def start_project_process(name: str, command: list[str], env: dict[str, str], log_dir: Path):
    """Start one of the virtualenv's console scripts (gunicorn, celery) in the project folder,
    in a process group of its own that dies with the test run (see tests/processes.py)."""
    executable = str(Path(sys.executable).parent / command[0])
    return processes.start(
        name, [executable, *command[1:]], env=env, cwd=PROJECT_DIR, log_dir=log_dir
    )


def gunicorn_command(port: int) -> list[str]:
    return [
        "gunicorn",
        "governance.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        # Room for a slow request on a loaded machine; not more, because a worker whose master
        # was killed (with the test run) notices only every timeout/2 seconds and exits then.
        "--timeout",
        "60",
    ]


def celery_worker_command(queue: str) -> list[str]:
    return [
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
    ]


@pytest.fixture
def seeded_db(transactional_db, settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path / "media"  # the demo's eval logs are stored here
    # The server process verifies passwords with the real hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)


@pytest.fixture
def http_server(seeded_db, tmp_path):
    """gunicorn serving the project on a free port, as `make run` users and browsers see it."""
    port = free_port()
    env = subprocess_env(DEBUG="1", ALLOWED_HOSTS="127.0.0.1,localhost")
    env.pop("CELERY_BROKER_URL", None)  # the web process runs tasks in-process here
    server = start_project_process("gunicorn", gunicorn_command(port), env, tmp_path)
    base_url = f"http://127.0.0.1:{port}"
    try:
        processes.wait_until_answering(f"{base_url}/healthz/", server)
        yield base_url
    finally:
        print(server.stop())  # pytest shows the server's log when a test fails


@pytest.fixture
def chromium(monkeypatch):
    available = os.path.exists(CHROMIUM)
    if not available:
        if REQUIRE_SERVICES:
            pytest.fail(f"Chromium is required here (REQUIRE_SERVICES=1) but {CHROMIUM} is missing")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in browser tests
    # are plain synchronous test code, not async handlers.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    expect.set_options(timeout=PatientBrowser.TIMEOUT_MS)
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
            yield PatientBrowser(browser)
        finally:
            browser.close()
            # ORM calls made while Playwright's loop runs open a connection of their own that
            # would outlive the test and keep the test database from being dropped.
            connections.close_all()


class PatientBrowser:
    """New pages wait up to 90 s for the server, not Playwright's 30: a loaded two-core machine
    serving Django over gunicorn can be slow without being wrong."""

    TIMEOUT_MS = 90_000

    def __init__(self, browser):
        self._browser = browser

    def new_page(self, **options):
        return self._patient(self._browser.new_page(**options))

    def new_context(self, **options):
        return self._patient(self._browser.new_context(**options))

    def _patient(self, page_or_context):
        page_or_context.set_default_timeout(self.TIMEOUT_MS)
        page_or_context.set_default_navigation_timeout(self.TIMEOUT_MS)
        return page_or_context

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def celery_worker_queue(transactional_db, redis_url, tmp_path):
    """A real Celery worker process on a queue of its own; yields the queue's name."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = start_project_process(
        "celery-worker",
        celery_worker_command(queue),
        subprocess_env(CELERY_BROKER_URL=redis_url, DEBUG="1"),
        tmp_path,
    )
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        print(worker.stop())  # pytest shows the worker's log when a test fails
