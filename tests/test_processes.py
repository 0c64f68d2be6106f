"""The test run's own processes (tests/processes.py): readiness waits that survive a loaded
machine, children stopped with their whole group, children that die with the run, and the
clean-up of what a killed run left behind."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests import processes
from tests.conftest import PROJECT_DIR

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent has not collected it yet


def _wait_until_gone(pid: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


class SlowThenReadyServer:
    """Accepts connections but answers none of the first `silent` requests (the client times
    out, as against a server on a loaded machine), then answers 200."""

    def __init__(self, silent: int):
        self.silent = silent
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/healthz/"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            connection.recv(4096)
            if self.silent > 0:
                self.silent -= 1
                self.held.append(connection)  # never answered: the client's read times out
                continue
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            connection.close()

    def close(self):
        self.sock.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def sleeper(tmp_path):
    child = processes.start(
        "sleeper", SLEEPER, env=dict(os.environ), cwd=tmp_path, log_dir=tmp_path
    )
    yield child
    child.stop(grace=1)


def test_readiness_wait_retries_a_server_too_busy_to_answer(sleeper):
    server = SlowThenReadyServer(silent=2)
    try:
        processes.wait_until_answering(server.url, sleeper, timeout=30, request_timeout=0.3)
    finally:
        server.close()
    assert server.silent == 0  # both timed-out requests were retried, not raised


def test_readiness_wait_gives_up_at_its_deadline_with_the_servers_log(tmp_path):
    child = processes.start(
        "quiet-server",
        [
            sys.executable,
            "-c",
            "print('listening... not really', flush=True); import time; time.sleep(600)",
        ],
        env=dict(os.environ),
        cwd=tmp_path,
        log_dir=tmp_path,
    )
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    try:
        with pytest.raises(AssertionError) as failure:
            processes.wait_until_answering(f"http://127.0.0.1:{port}/", child, timeout=1.5)
    finally:
        child.stop(grace=1)
    message = str(failure.value)
    assert "timed out after 2s waiting for quiet-server" in message
    assert "ConnectionRefusedError" in message or "Connection refused" in message
    assert "listening... not really" in message


def test_readiness_wait_fails_at_once_when_the_server_exits(tmp_path):
    child = processes.start(
        "crashing-server",
        [sys.executable, "-c", "import sys; print('bad config', flush=True); sys.exit(3)"],
        env=dict(os.environ),
        cwd=tmp_path,
        log_dir=tmp_path,
    )
    with pytest.raises(AssertionError, match=r"crashing-server exited with 3:\nbad config"):
        processes.wait_until_answering("http://127.0.0.1:9/", child, timeout=120)


def test_stopping_a_child_ends_its_whole_process_group(tmp_path):
    # Like gunicorn's master and its workers: the grandchild prints its pid, then both sleep.
    script = (
        "import subprocess, sys, time; "
        f"p = subprocess.Popen({SLEEPER!r}); print(p.pid, flush=True); time.sleep(600)"
    )
    child = processes.start(
        "parent",
        [sys.executable, "-c", script],
        env=dict(os.environ),
        cwd=tmp_path,
        log_dir=tmp_path,
    )
    grandchild = int(processes.wait_for(lambda: child.log().strip(), timeout=60, what="a pid"))
    assert _alive(grandchild)
    child.stop(grace=5)
    assert _wait_until_gone(grandchild)
    assert child.process.returncode is not None


INTERMEDIATE = """
import os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from tests import processes
child = processes.start(
    "server", [sys.executable, "-c", "import time; time.sleep(600)"],
    env=dict(os.environ), cwd=Path(sys.argv[2]), log_dir=Path(sys.argv[2]),
)
print(child.process.pid, flush=True)
time.sleep(600)
"""


def test_children_die_when_the_test_run_is_killed(tmp_path):
    """A run killed midway (SIGKILL: no finalizer runs) takes its servers with it."""
    run = subprocess.Popen(
        [sys.executable, "-c", INTERMEDIATE, str(PROJECT_DIR), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        server = int(run.stdout.readline())
        assert _alive(server)
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
        assert _wait_until_gone(server)
    finally:
        os.killpg(run.pid, signal.SIGKILL) if run.poll() is None else None
        run.stdout.close()


def _finished_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def test_the_next_run_ends_what_a_killed_run_left_behind(tmp_path):
    dead_run = _finished_pid()
    orphan = subprocess.Popen(  # as if started by a run that is gone, outside its group
        SLEEPER,
        env={**os.environ, processes.RUN_ID_VARIABLE: str(dead_run)},
        start_new_session=True,
    )
    ours = subprocess.Popen(SLEEPER, env=dict(os.environ), start_new_session=True)
    try:
        killed = processes.reap_leftover_processes()
        assert orphan.pid in killed
        assert ours.pid not in killed  # this run's own, and its id is alive
        assert orphan.wait(timeout=30) == -signal.SIGKILL
        assert ours.poll() is None
    finally:
        for process in (orphan, ours):
            if process.poll() is None:
                process.kill()
            process.wait()


def test_only_test_databases_of_runs_that_are_gone_are_leftovers():
    dead_run = _finished_pid()
    names = [
        "governance_ci",  # the real database
        "test_governance_ci",  # no run id: not ours to judge
        f"test_governance_ci_run{dead_run}",
        f"test_governance_ci_gw1_run{dead_run}",
        f"test_governance_ci_run{processes.run_id()}",  # this run's own
        f"governance_ci_run{dead_run}",
    ]
    assert processes.leftover_test_databases(names) == [
        f"test_governance_ci_run{dead_run}",
        f"test_governance_ci_gw1_run{dead_run}",
    ]


def test_a_leftover_test_database_with_sessions_open_is_dropped(postgres):
    from psycopg import sql

    from tests.conftest import _drop_leftover_test_databases, postgres_connect

    name = f"test_governance_leftover_run{_finished_pid()}"
    with postgres_connect() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    # A session a killed run's server left open, which used to keep the database from being
    # dropped and recreated.
    left_open = postgres_connect(name)
    try:
        _drop_leftover_test_databases()
        with postgres_connect() as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            assert exists.fetchone() is None
    finally:
        left_open.close()
