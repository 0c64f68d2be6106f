"""Processes a test run starts (gunicorn, Celery workers, writers, `make run`), and what a killed
run leaves behind.

Every child gets a process group of its own and is stopped with its whole group, in a finalizer
that runs when the test or its fixture fails too. It also dies with the run: the kernel kills it
when pytest dies (PR_SET_PDEATHSIG), so an interrupted run does not leave servers holding
connections to its test database. What slips past both (a grandchild, or a run killed before its
children were set up) carries the run's id in its environment, and the next run ends it and drops
the test databases of runs that are gone.

Stdlib only: `.ci/run` may call it before the virtualenv exists.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import http.client
import os
import re
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Set by the run's first process (pytest's controller) and inherited by everything it starts:
# xdist workers, servers, browsers. Its value is the controller's pid.
RUN_ID_VARIABLE = "RSP_TEST_RUN"
TEST_DATABASE_PATTERN = re.compile(r"^test_.*_run(\d+)$")

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_prctl = _libc.prctl


def _die_with_parent() -> None:  # runs in the child between fork and exec: nothing that allocates
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def mark_run() -> str:
    """This process starts a run: its pid becomes the id every child carries."""
    return os.environ.setdefault(RUN_ID_VARIABLE, str(os.getpid()))


def run_id() -> str:
    return os.environ.get(RUN_ID_VARIABLE) or mark_run()


@dataclass
class Child:
    """A started process group and the file its output goes to (a pipe nobody reads would
    fill up and stall the server)."""

    name: str
    process: subprocess.Popen
    log_path: Path
    _stopped: bool = field(default=False, repr=False)

    def log(self, *, tail: int = 20_000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError as error:
            return f"(no log: {error})"

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, *, grace: float = 15) -> str:
        """SIGTERM to the whole group, SIGKILL after `grace` seconds; returns the log."""
        if not self._stopped:
            self._stopped = True
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
            _signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait()
            _wait_for_group_to_end(self.process.pid, timeout=10)
        return self.log()


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _wait_for_group_to_end(pgid: int, *, timeout: float) -> None:
    """Grandchildren (gunicorn's workers, Celery's beat) hold database connections too."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.1)
        _signal_group(pgid, signal.SIGKILL)


def start(
    name: str,
    command: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    log_dir: Path,
    stdin=subprocess.DEVNULL,
) -> Child:
    """Start `command` in a process group of its own that dies with this run."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}-{time.monotonic_ns()}.log"
    env = {**env, RUN_ID_VARIABLE: run_id()}
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (commands are the tests' own)
            command,
            cwd=cwd,
            env=env,
            stdin=stdin,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # only prctl: safe between fork and exec
        )
    return Child(name=name, process=process, log_path=log_path)


def real_clock_env() -> dict[str, str]:
    """This environment without libfaketime (tests/on_dates.py), for the services a test starts
    that stand in for the machine's own (Redis): they keep the machine's clock, as PostgreSQL
    does, and Redis's allocator does not survive libfaketime."""
    return {
        key: value
        for key, value in os.environ.items()
        if key != "LD_PRELOAD" and not key.startswith("FAKETIME")
    }


TRANSIENT_ERRORS = (OSError, http.client.HTTPException)  # refused, reset, timed out, cut short


def wait_for(
    condition: Callable[[], object],
    *,
    timeout: float,
    interval: float = 0.2,
    what: str = "condition",
    retry_on: tuple[type[BaseException], ...] = (),
    diagnostics: Callable[[], str] | None = None,
):
    """Poll `condition` until it returns something truthy, retrying on `retry_on`; fail with a
    clear message (and `diagnostics()`, e.g. a server's log) once `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            result = condition()
            if result:
                return result
        except retry_on as error:
            last_error = error
        if time.monotonic() >= deadline:
            message = f"timed out after {timeout:.0f}s waiting for {what}"
            if last_error is not None:
                message += f" (last error: {last_error!r})"
            if diagnostics is not None:
                message += f"\n--- log ---\n{diagnostics()}"
            raise AssertionError(message)
        time.sleep(interval)


def wait_until_answering(
    url: str, child: Child, *, timeout: float = 240, request_timeout: float = 5
) -> float:
    """Seconds until `url` answers 200. Every connection error is transient until the deadline;
    a server that exits fails at once. Either way the failure shows the server's log."""
    started = time.monotonic()

    def answering() -> bool:
        if not child.running():
            raise AssertionError(
                f"{child.name} exited with {child.process.returncode}:\n{child.log()}"
            )
        with urllib.request.urlopen(url, timeout=request_timeout) as response:  # noqa: S310
            return response.status == 200

    wait_for(
        answering,
        timeout=timeout,
        interval=0.25,
        what=f"{child.name} to answer {url}",
        retry_on=TRANSIENT_ERRORS,
        diagnostics=child.log,
    )
    return time.monotonic() - started


def _pytest_run_alive(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"pytest" in cmdline


def _run_of(pid: int) -> int | None:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    for entry in environ.split(b"\0"):
        if entry.startswith(RUN_ID_VARIABLE.encode() + b"="):
            value = entry.split(b"=", 1)[1]
            return int(value) if value.isdigit() else None
    return None


def reap_leftover_processes() -> list[int]:
    """SIGKILL every process carrying the id of a test run that is no longer running."""
    mine = os.getpid()
    killed = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == mine:
            continue
        pid = int(entry.name)
        owner = _run_of(pid)
        if owner is None or owner == pid or _pytest_run_alive(owner):
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    return killed


def leftover_test_databases(names: list[str]) -> list[str]:
    """Of these database names, the test databases of runs that are no longer running."""
    return [
        name
        for name in names
        if (match := TEST_DATABASE_PATTERN.match(name)) and not _pytest_run_alive(int(match[1]))
    ]
