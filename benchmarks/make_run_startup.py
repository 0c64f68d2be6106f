"""Seconds from `make run` on a fresh copy of the project to a served login page: first with no
.venv (what a new user waits), then again with .venv in place.

    .venv/bin/python benchmarks/make_run_startup.py
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.integration.fresh_clone import (  # noqa: E402
    copy_working_tree,
    sign_in,
    start_make_run,
    wait_for_login_page,
)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        checkout = copy_working_tree(Path(tmp) / "checkout")
        for label in ("fresh copy, no .venv", "second start, .venv in place"):
            run = start_make_run(checkout)
            try:
                seconds = wait_for_login_page(run, timeout=900)
                status, _, _ = sign_in(run.base_url, "rso", "governance-demo")
                print(f"{label:<30} login page after {seconds:6.1f}s (demo sign-in: {status})")
            finally:
                run.stop()


if __name__ == "__main__":
    main()
