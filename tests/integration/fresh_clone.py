"""Run `make run` in a fresh copy of the project, as a new user would, and sign in over HTTP.

Shared by tests/integration/test_make_run.py (does it work?) and
benchmarks/make_run_startup.py (how long does it take?).
"""

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def copy_working_tree(destination: Path) -> Path:
    """Tracked and untracked-but-not-ignored files: what a clone of this change would hold."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in listed:
        source = PROJECT_DIR / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class MakeRun:
    process: subprocess.Popen
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_make_run(checkout: Path) -> MakeRun:
    """`make run` with the embedded defaults: no DATABASE_URL, no broker, nothing else set."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "CELERY_BROKER_URL", "REQUIRE_SERVICES", "DEBUG", "VIRTUAL_ENV"}
    }
    # A virtualenv's bin on PATH would hide the machine's python3 from the Makefile.
    env["PATH"] = os.pathsep.join(
        part for part in env.get("PATH", "").split(os.pathsep) if "/.venv/" not in part + "/"
    )
    port = free_port()
    log_path = checkout / "make-run.log"
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=checkout,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return MakeRun(process=process, base_url=f"http://127.0.0.1:{port}", log_path=log_path)


def wait_for_login_page(run: MakeRun, *, timeout: float) -> float:
    """Seconds until the login page answers 200; raises if `make run` dies or time runs out."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if run.process.poll() is not None:
            raise RuntimeError(f"make run exited with {run.process.returncode}:\n{run.log()}")
        try:
            if urllib.request.urlopen(f"{run.base_url}/login/", timeout=2).status == 200:
                return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"no login page after {timeout}s:\n{run.log()}")


def sign_in(base_url: str, username: str, password: str) -> tuple[int, str, str]:
    """Sign in through the login form; returns (status, final URL, page)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base_url}/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    response = opener.open(f"{base_url}/login/", data=form, timeout=10)
    return response.status, response.geturl(), response.read().decode()
