"""The API says what it does: schemathesis fuzzes every operation of the OpenAPI document
against a real gunicorn (on PostgreSQL in CI), signed in as several roles and as an eval system,
and fails on any 5xx, any status code the document does not list, and any response that breaks
its schema. Bounded (a fixed number of examples per operation, a fixed seed) so CI stays quick
and a failure can be replayed."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from evals.services import eval_system_create
from governance.audit import SYSTEM
from tests import processes
from tests.conftest import run_manage, subprocess_env
from tests.integration.conftest import gunicorn_command, start_project_process
from tests.integration.fresh_clone import free_port

EXAMPLES_PER_OPERATION = 10
CSRF = "schemathesisschemathesiscsrf0123"  # any token works when cookie and header agree


@pytest.fixture
def fuzzed_server(seeded_db, tmp_path):
    """gunicorn on the seeded database, with rates high enough for a fuzzer."""
    port = free_port()
    env = subprocess_env(
        DEBUG="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        THROTTLE_ANONYMOUS="1000000/minute",
        THROTTLE_PERSON="1000000/minute",
        THROTTLE_EVAL_SYSTEM="1000000/minute",
        THROTTLE_TOKEN_FAILURES="1000000/hour",
    )
    env.pop("CELERY_BROKER_URL", None)
    server = start_project_process("gunicorn", gunicorn_command(port), env, tmp_path)
    base_url = f"http://127.0.0.1:{port}"
    try:
        processes.wait_until_answering(f"{base_url}/healthz/", server)
        yield base_url
    finally:
        print(server.stop())


def _session_cookie(username: str) -> str:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=username))
    return client.cookies["sessionid"].value


def _fuzz(
    base_url: str, schema: str, headers: list[str], report_dir
) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),  # installed beside this Python
        "run",
        schema,
        "--url",
        base_url,
        "--checks",
        "not_a_server_error,status_code_conformance,response_schema_conformance",
        "--phases",
        "examples,fuzzing",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--seed",
        "20261129",
        "--workers",
        "1",
        "--continue-on-failure",
        "--generation-database",
        ":memory:",
        "--report-dir",
        str(report_dir),
        "--no-color",
    ]
    for header in headers:
        command += ["--header", header]
    return subprocess.run(command, capture_output=True, text=True, timeout=1200, cwd=report_dir)


@pytest.mark.parametrize("who", ["rso", "safety", "auditor", "eval-system"])
def test_every_operation_answers_as_documented(fuzzed_server, tmp_path, who):
    schema = tmp_path / "schema.yaml"
    result = run_manage("spectacular", "--file", str(schema), env=subprocess_env(DEBUG="1"))
    assert result.returncode == 0, result.stderr
    if who == "eval-system":
        _, token = eval_system_create(actor=SYSTEM, name="fuzzer", all_models=True, all_suites=True)
        headers = [f"Authorization: Bearer {token}"]
    else:
        cookie = f"sessionid={_session_cookie(who)}; csrftoken={CSRF}"
        headers = [f"Cookie: {cookie}", f"X-CSRFToken: {CSRF}"]
    result = _fuzz(fuzzed_server, str(schema), headers, tmp_path)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "generated" in result.stdout
