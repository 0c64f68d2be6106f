"""Shared fixtures. Services (PostgreSQL, Redis) are skipped when absent, unless
REQUIRE_SERVICES=1 (CI), where their absence fails the test."""

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

from governance.celery import app as celery_app
from governance.choices import Role
from tests import processes
from tests.factories import UserFactory
from tests.processes import wait_for  # noqa: F401 (the tests' one polling helper)

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
PROJECT_DIR = Path(__file__).resolve().parent.parent

# Where the clock starts for tests whose dates are relative to "today" (module constants such
# as TODAY): `pytestmark = pytest.mark.time_machine(FIXED_NOW)`. The clock ticks on from there,
# so such a test means the same on any day, and a run that crosses midnight cannot split it.
FIXED_NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


def pytest_configure(config):
    processes.mark_run()  # xdist workers inherit the controller's id


def pytest_sessionstart(session):
    """A run that was killed may have left servers and test databases behind: end them."""
    if hasattr(session.config, "workerinput"):
        return  # the controller cleans up once for the whole run
    processes.reap_leftover_processes()
    _drop_leftover_test_databases()


def postgres_connect(dbname: str = "postgres"):
    """A psycopg connection (autocommit) to the configured PostgreSQL server, outside Django:
    to its maintenance database by default, where databases are created and dropped."""
    import psycopg

    database = settings.DATABASES["default"]
    params = {key.lower(): database.get(key) for key in ("HOST", "PORT", "USER", "PASSWORD")}
    params = {key: value for key, value in params.items() if value}
    return psycopg.connect(dbname=dbname, autocommit=True, connect_timeout=10, **params)


def _drop_leftover_test_databases() -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return
    import psycopg
    from psycopg import sql

    try:
        connection = postgres_connect()
    except psycopg.Error:
        return  # the run itself reports an unreachable server
    with connection:
        names = [row[0] for row in connection.execute("SELECT datname FROM pg_database")]
        for name in processes.leftover_test_databases(names):
            # FORCE ends the sessions a killed run's servers left open (PostgreSQL 13+).
            with contextlib.suppress(psycopg.Error):
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """PostgreSQL test databases carry the run's id: two runs at once never share one, and the
    next run knows which were left by a run that is gone."""
    for database in settings.DATABASES.values():
        if database["ENGINE"] == "django.db.backends.postgresql":
            test = database.setdefault("TEST", {})
            name = test.get("NAME") or f"test_{database['NAME']}"
            test["NAME"] = f"{name}_run{processes.run_id()}"


@pytest.fixture(scope="session", autouse=True)
def flush_can_empty_the_audit_tables():
    """The audit tables refuse TRUNCATE (a trigger), and Django empties the database between
    transactional tests with TRUNCATE. Only there, as the owner the tests connect as, the
    triggers are switched off for the one statement's transaction."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush
    tables = ("governance_auditevent", "governance_auditverification")

    def execute_sql_flush(self, sql_list):
        if any(table in statement for statement in sql_list for table in tables):
            switch = "ALTER TABLE {0} {1} TRIGGER {0}_no_truncate;"
            sql_list = [
                *(switch.format(table, "DISABLE") for table in tables),
                *sql_list,
                *(switch.format(table, "ENABLE") for table in tables),
            ]
        return original(self, sql_list)

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


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
def audit_head_file(settings, tmp_path):
    """Each test keeps the audit chain's verified end in a file of its own."""
    settings.AUDIT_HEAD_FILE = str(tmp_path / "audit-head")
    return tmp_path / "audit-head"


@pytest.fixture(autouse=True)
def fresh_cache():
    """API throttles count in the cache: each test starts with none counted."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for production; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db):
    def make(*roles: str, **fields):
        return UserFactory(roles=list(roles), **fields)

    return make


def sign_in_with_password(client, username: str, password: str) -> bool:
    """Sign in through the sign-in page, as a person does (the lockout applies)."""
    from django.urls import reverse

    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


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
    env["AUDIT_HEAD_FILE"] = settings.AUDIT_HEAD_FILE  # the test's own (see audit_head_file)
    env.update(extra)
    return env


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
