"""Run the whole suite with the clock moved to other dates: proof that no test depends on today.

    .venv/bin/python tests/on_dates.py                      # the dates below
    .venv/bin/python tests/on_dates.py 2030-06-30T12:00:00Z # any others
    make test-dates DATES="..."                             # the same through make

Each run goes under libfaketime (Debian's `faketime`) with a fixed offset from the real clock,
so every process of the run, pytest and the gunicorn, Celery and Chromium processes it starts,
sees the same moved clock, and the clock keeps ticking: the year-end date crosses midnight
while the suite runs. It uses the environment as it is (DATABASE_URL and the rest), so under
`.ci/run`'s variables it moves PostgreSQL-backed runs too (the database server's own clock stays
real; the application never asks it for the time).

Prints one line per date and exits non-zero if any run failed.
"""

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATES = [
    "2027-01-31T12:00:00Z",  # a 31st: month arithmetic that caps the day shows here
    "2028-02-29T12:00:00Z",  # a leap day: "a year on" has no 29 February
    "2026-12-31T23:59:30Z",  # the year turns over half a minute into the run
    "2027-04-30T09:00:00Z",  # a month's 30th, at the end of a 30-day month
]


# What checks no calendar and costs minutes: the API fuzz checks the OpenAPI document against
# the answers, once per CI run (in `make test`), not once per moved clock.
DATE_FREE = ["--deselect=tests/integration/test_api_schema.py"]


def faketime_binary() -> str:
    found = shutil.which("faketime")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing libfaketime (Debian's faketime) to move the clock", flush=True)
        quiet = {"stdout": subprocess.DEVNULL, "check": True}
        subprocess.run(["apt-get", "update", "-qq"], **quiet)  # noqa: S607
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "faketime"],  # noqa: S607
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            **quiet,
        )
        found = shutil.which("faketime")
    if not found:
        sys.exit("faketime is needed to move the clock: apt-get install faketime")
    return found


def real_now() -> dt.datetime:
    """The machine's clock, even when this script itself runs under libfaketime (a whole CI run
    moved to another date): libfaketime offsets count from the real clock, not the moved one."""
    clean = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKE")}
    seconds = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dt.datetime.fromtimestamp(float(seconds), dt.UTC)


def run_on(moment: dt.datetime, faketime: str, pytest_args: list[str]) -> tuple[int, float]:
    offset = round((moment - real_now()).total_seconds())
    command = [
        faketime,
        "-m",  # the thread-safe library: Python, gunicorn and Chromium all run threads
        "-f",
        f"{offset:+d}",
        str(Path(sys.executable).parent / "pytest"),
        "-p",
        "no:cacheprovider",
        *pytest_args,
    ]
    # The monotonic clock moves by the same offset: durations stay true. (Keeping it real with
    # FAKETIME_DONT_FAKE_MONOTONIC breaks Python's time.sleep, which sleeps to a monotonic
    # deadline.)
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    started = time.monotonic()
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, check=False)  # noqa: S603
    return result.returncode, time.monotonic() - started


def main(argv: list[str]) -> int:
    dates = [a for a in argv if not a.startswith("-")] or DATES
    pytest_args = [a for a in argv if a.startswith("-")] or ["-n", "auto", "-q", *DATE_FREE]
    faketime = faketime_binary()
    results = []
    for text in dates:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        print(f"\n=== the whole suite with the clock at {moment.isoformat()} ===", flush=True)
        code, seconds = run_on(moment, faketime, pytest_args)
        results.append((moment, code, seconds))
    print("\nClock moved to                  result  wall time")
    for moment, code, seconds in results:
        print(f"{moment.isoformat():<31} {'passed' if code == 0 else 'FAILED':<7} {seconds:6.0f}s")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
