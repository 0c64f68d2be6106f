"""Wall time of the README's `make test` on a fresh copy of the project, as a new user runs it:
no .venv, no services (SQLite, tasks in-process). Prints the time and the suite's summary line.

    .venv/bin/python benchmarks/suite_wall_time.py            # make test
    .venv/bin/python benchmarks/suite_wall_time.py --ci       # CI=true bash .ci/run instead

A measurement, never an assertion: run it on a quiet machine, or under load to see the effect
(e.g. `stress-ng --cpu 2` alongside).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.integration.fresh_clone import copy_working_tree  # noqa: E402

SERVICE_VARIABLES = {"DATABASE_URL", "CELERY_BROKER_URL", "REQUIRE_SERVICES", "VIRTUAL_ENV"}


def main() -> int:
    ci = "--ci" in sys.argv[1:]
    command = ["bash", ".ci/run"] if ci else ["make", "test"]
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env["PATH"] = os.pathsep.join(
        part for part in env.get("PATH", "").split(os.pathsep) if "/.venv/" not in part + "/"
    )
    if ci:
        env["CI"] = "true"
    with tempfile.TemporaryDirectory() as tmp:
        checkout = copy_working_tree(Path(tmp) / "checkout")
        started = time.monotonic()
        result = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
        seconds = time.monotonic() - started
    summary = [line for line in result.stdout.splitlines() if " passed" in line]
    print(f"{' '.join(command)} on a fresh copy: {seconds:.0f} s wall, exit {result.returncode}")
    for line in summary:
        print(f"  {line.strip('= ')}")
    if result.returncode:
        print(result.stdout[-3000:], result.stderr[-2000:], sep="\n")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
