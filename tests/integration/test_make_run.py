"""The first of the README's two commands, on a fresh copy: `make run` creates .venv, installs,
migrates, seeds, prints the demo logins and serves a login page where each login works."""

import os

import pytest

from governance.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from tests.conftest import REQUIRE_SERVICES
from tests.integration.fresh_clone import (
    copy_working_tree,
    sign_in,
    start_make_run,
    wait_for_login_page,
)


@pytest.fixture
def make_run(tmp_path):
    # It builds a second .venv from the package index: CI runs it; locally, ask with RUN_SLOW=1.
    if not (REQUIRE_SERVICES or os.environ.get("RUN_SLOW") == "1"):
        pytest.skip("slow: set RUN_SLOW=1 (CI runs it with REQUIRE_SERVICES=1)")
    run = start_make_run(copy_working_tree(tmp_path / "checkout"))
    try:
        yield run
    finally:
        run.stop()


def test_make_run_on_a_fresh_copy_serves_working_demo_logins(make_run):
    # A generous wait, not a speed check: benchmarks/make_run_startup.py measures the time.
    wait_for_login_page(make_run, timeout=600)
    log = make_run.log()
    assert f"password for all: {DEMO_PASSWORD}" in log
    for username, full_name, _, _ in DEMO_USERS:
        assert username in log
        status, final_url, page = sign_in(make_run.base_url, username, DEMO_PASSWORD)
        assert (status, final_url) == (200, f"{make_run.base_url}/"), username
        assert full_name in page
