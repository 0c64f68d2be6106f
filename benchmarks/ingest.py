"""Ingestion speed and memory: an Inspect-format log of many samples, ingested end to end through
the Celery task on PostgreSQL, against the floor (JSON parse plus COPY of the same sample rows
into a bare table). Prints both rates, their ratio, and peak memory against the file size.

    .venv/bin/python benchmarks/ingest.py [--tasks 1000] [--epochs 10] \
        [--postgres postgres://postgres@127.0.0.1:5432]

Each phase runs in its own process so its peak memory is its own.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def build_log(path: Path, tasks: int, epochs: int) -> int:
    """An Inspect EvalLog (.json) with realistic bulk per sample: messages, events, output."""
    rng = random.Random(7)
    filler = "The agent inspected the repository, ran the tests and edited two files. " * 6
    with path.open("w") as out:
        header = {
            "version": 2,
            "status": "success",
            "eval": {
                "eval_id": uuid.uuid4().hex,
                "run_id": uuid.uuid4().hex,
                "created": "2026-11-01T10:00:00+00:00",
                "task": "autonomy_tasks",
                "task_id": "bench",
                "model": "mockllm/model",
                "dataset": {"samples": tasks},
                "config": {"epochs": epochs},
                "packages": {"inspect_ai": "0.3.285"},
                "scorers": [{"name": "designed"}],
            },
            "plan": {"steps": [{"solver": "generate", "params": {}}], "config": {}},
            "results": {
                "total_samples": tasks * epochs,
                "completed_samples": tasks * epochs,
                "headline": {"scorer": "designed"},
                "scores": [{"name": "designed", "metrics": {"accuracy": {"value": "__NAN__"}}}],
            },
            "stats": {
                "started_at": "2026-11-01T10:00:00+00:00",
                "completed_at": "2026-11-01T12:00:00+00:00",
            },
        }
        text = json.dumps(header)[:-1].replace('"__NAN__"', "NaN")
        out.write(text + ', "samples": [')
        for task in range(1, tasks + 1):
            for epoch in range(1, epochs + 1):
                sample = {
                    "id": task,
                    "epoch": epoch,
                    "input": f"Task {task}: {filler}",
                    "target": "done",
                    "messages": [
                        {"role": "system", "content": filler},
                        {"role": "user", "content": f"Task {task}. {filler}"},
                        {"role": "assistant", "content": filler + str(rng.random())},
                    ],
                    "output": {
                        "model": "mockllm/model",
                        "choices": [{"message": {"content": filler}}],
                    },
                    "scores": {"designed": {"value": "C" if rng.random() < 0.08 else "I"}},
                    "events": [
                        {"event": "model", "input": filler, "output": filler, "timestamp": "x"},
                        {"event": "tool", "function": "bash", "result": filler[:200]},
                    ],
                    "metadata": {},
                }
                if task > 1 or epoch > 1:
                    out.write(",")
                out.write(json.dumps(sample))
        out.write('], "reductions": []}')
    return path.stat().st_size


def _setup_django(database_url: str, media: str) -> None:
    os.environ.update(
        DATABASE_URL=database_url,
        DEBUG="1",
        MEDIA_ROOT=media,
        DJANGO_SETTINGS_MODULE="governance.settings",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("CELERY_BROKER_URL", None)  # the task runs in this process
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_end_to_end(database_url: str, media: str, log: str) -> dict:
    _setup_django(database_url, media)
    from django.core.management import call_command

    from evals.services import eval_suite_create, ingestion_submit, store_upload
    from governance.audit import SYSTEM
    from governance.models import CapabilityThreshold
    from tests.factories import SnapshotFactory

    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command(
        "adopt_framework",
        "anthropic-rsp",
        "2.2",
        "--from",
        "2025-05-14",
        stdout=open(os.devnull, "w"),
    )  # noqa: SIM115
    eval_suite_create(
        actor=SYSTEM,
        name="Autonomy",
        task_names=["autonomy_tasks"],
        thresholds=CapabilityThreshold.objects.filter(code="Autonomy checkpoint"),
    )
    SnapshotFactory(external_ids=["mockllm/model"])
    # One-time process warm-up a running worker has long done: Django's URL resolver is built
    # on the first reverse() (links in escalations and notifications).
    from django.urls import reverse

    reverse("home")
    baseline = _peak_mb()
    started = time.perf_counter()
    with open(log, "rb") as file:
        path, sha256, size = store_upload(iter(lambda: file.read(1 << 20), b""), limit=1 << 40)
    submission = ingestion_submit(
        principal=SYSTEM, path=path, sha256=sha256, size=size, file_name="bench.json"
    )
    seconds = time.perf_counter() - started
    submission.ingestion.refresh_from_db()
    run = submission.ingestion.run
    return {
        "seconds": seconds,
        "status": submission.ingestion.status,
        "samples": sum(t.attempts + t.missing for t in run.task_results.all()),
        "outcome": [e.outcome for e in run.evaluations.all()],
        "peak_mb": _peak_mb(),
        "baseline_mb": baseline,
    }


def phase_floor(database_url: str, log: str) -> dict:
    import psycopg

    baseline = _peak_mb()
    started = time.perf_counter()
    with open(log, "rb") as file:
        data = json.loads(file.read(), parse_constant=lambda _: None)
    rows = []
    for n, sample in enumerate(data["samples"]):
        value = sample["scores"]["designed"]["value"]
        rows.append((n // 10, sample["epoch"], 1.0 if value == "C" else 0.0))
    dsn = database_url.replace("postgres://", "postgresql://")
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE floor_scores (task_id bigint, epoch int, value float8)")
        with cursor.copy("COPY floor_scores (task_id, epoch, value) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return {
        "seconds": time.perf_counter() - started,
        "samples": len(rows),
        "peak_mb": _peak_mb(),
        "baseline_mb": baseline,
    }


def _in_subprocess(phase: str, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT_DIR,
    )
    if result.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--phase")
    parser.add_argument("args", nargs="*")
    args = parser.parse_args()
    if args.phase == "e2e":
        print(json.dumps(phase_end_to_end(*args.args)))
        return
    if args.phase == "floor":
        print(json.dumps(phase_floor(*args.args)))
        return

    import psycopg

    server = args.postgres.rstrip("/")
    name = f"bench_ingest_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(
        server.replace("postgres://", "postgresql://") + "/postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = f"{server}/{name}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "bench.json"
            size = build_log(log, args.tasks, args.epochs)
            size_mb = size / 1e6
            samples = args.tasks * args.epochs
            print(
                f"log: {samples:,} samples ({args.tasks} x {args.epochs} epochs), {size_mb:.1f} MB"
            )
            floor = _in_subprocess("floor", database_url, str(log))
            e2e = _in_subprocess("e2e", database_url, str(Path(tmp) / "media"), str(log))
            assert e2e["status"] == "done", e2e
            for label, result in (("floor (json.loads + COPY)", floor), ("end to end (task)", e2e)):
                rate = result["samples"] / result["seconds"]
                growth = result["peak_mb"] - result["baseline_mb"]
                throughput = size_mb / result["seconds"]
                print(
                    f"{label:<27} {result['seconds']:6.2f} s  {rate:9,.0f} samples/s  "
                    f"{throughput:6.1f} MB/s  peak RSS {result['peak_mb']:6.0f} MB "
                    f"(+{growth:.0f} MB over start, {growth / size_mb:.2f}x the file)"
                )
            print(
                f"end to end / floor time: {e2e['seconds'] / floor['seconds']:.2f}x (target <= 3x)"
            )
            print(f"outcome: {e2e['outcome']}")
    finally:
        with psycopg.connect(
            server.replace("postgres://", "postgresql://") + "/postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
