"""Shared fixtures. Services (PostgreSQL, Redis) are skipped when absent, unless
REQUIRE_SERVICES=1 (CI), where their absence fails the test."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

from governance.celery import app as celery_app
from governance.choices import Role
from tests.factories import UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
PROJECT_DIR = Path(__file__).resolve().parent.parent


def need(available: bool, what: str) -> None:
    """Skip (or, under REQUIRE_SERVICES=1, fail) a test whose service is missing."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required here (REQUIRE_SERVICES=1) but is not available")
    pytest.skip(f"{what} is not available")


@pytest.fixture
def postgres(db):
    from django.db import connection

    need(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL=postgres://...)")
    return connection


@pytest.fixture
def redis_url():
    url = settings.CELERY_BROKER_URL
    reachable = False
    if url.startswith("redis://"):
        parsed = urlparse(url)
        try:
            with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2) as s:
                s.sendall(b"PING\r\n")
                reachable = s.recv(16).startswith(b"+PONG")
        except OSError:
            reachable = False
    need(reachable, "Redis (set CELERY_BROKER_URL=redis://...)")
    return url


@pytest.fixture(autouse=True)
def eager_celery():
    """Unit tests run tasks in-process even when a broker is configured."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for production; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db):
    def make(*roles: str, **fields):
        return UserFactory(roles=list(roles), **fields)

    return make


@pytest.fixture
def client_for(client, make_user):
    """A test client signed in as a fresh user holding the given roles."""

    def sign_in(*roles: str, **fields):
        user = make_user(*roles, **fields)
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def api(client):
    """`api(user).post(url, data)`: JSON requests to the API as `user`."""

    class Session:
        def __init__(self, user):
            client.force_login(user)

        def get(self, url, params=None):
            return client.get(url, params or {})

        def post(self, url, data=None):
            return client.post(
                url, data if data is not None else {}, content_type="application/json"
            )

    return Session


@pytest.fixture
def rso(make_user):
    return make_user(Role.RSO)


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child process that must use this test run's database."""
    from django.db import connection

    env = dict(os.environ)
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    env.update(extra)
    return env


def wait_for(condition, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def run_manage(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def frameworks(db):
    """The shipped framework files, loaded, with RSP 1.0 then 2.2 in force as in the demo."""
    import datetime as dt

    from governance.audit import SYSTEM
    from governance.framework_files import shipped_framework_files
    from governance.models import FrameworkVersion
    from governance.services import framework_files_load, framework_version_adopt

    framework_files_load(actor=SYSTEM, paths=shipped_framework_files())
    versions = {
        v.version: v for v in FrameworkVersion.objects.filter(framework__slug="anthropic-rsp")
    }
    for version, start in (("1.0", "2023-09-19"), ("2.2", "2025-05-14")):
        framework_version_adopt(
            actor=SYSTEM,
            version=versions[version],
            effective_from=dt.datetime.fromisoformat(start).replace(tzinfo=dt.UTC),
        )
    return versions
