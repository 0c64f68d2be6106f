"""Run `make run` in a fresh copy of the project, as a new user would, and sign in over HTTP.

Shared by tests/integration/test_make_run.py (does it work?) and
benchmarks/make_run_startup.py (how long does it take?).
"""

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests import processes

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
    child: processes.Child
    base_url: str

    @property
    def process(self):
        return self.child.process

    def log(self) -> str:
        return self.child.log()

    def stop(self) -> None:
        self.child.stop(grace=20)


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
    child = processes.start(
        "make-run", ["make", "run", f"PORT={port}"], env=env, cwd=checkout, log_dir=checkout
    )
    return MakeRun(child=child, base_url=f"http://127.0.0.1:{port}")


def wait_for_login_page(run: MakeRun, *, timeout: float) -> float:
    """Seconds until the login page answers 200; fails with `make run`'s log if it dies or
    time runs out."""
    return processes.wait_until_answering(f"{run.base_url}/login/", run.child, timeout=timeout)


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
