"""Time from POST of a crossing result to its escalation being visible, with everything real:
gunicorn, Redis, a Celery worker process, PostgreSQL. Prints median and 95th percentile.

    .venv/bin/python benchmarks/escalation_latency.py [--posts 50] \
        [--postgres postgres://postgres@127.0.0.1:5432] [--redis redis://127.0.0.1:6379/0]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    import psycopg

    server_url = args.postgres.rstrip("/")
    admin_dsn = server_url.replace("postgres://", "postgresql://") + "/postgres"
    name = f"bench_escalation_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    tmp = tempfile.TemporaryDirectory()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": f"{server_url}/{name}",
        "CELERY_BROKER_URL": args.redis,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": tmp.name,
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "governance.settings",
    }
    os.environ.update(env)
    sys.path.insert(0, str(PROJECT_DIR))
    processes = []
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from evals.services import eval_suite_create, eval_system_create
        from governance.audit import SYSTEM
        from governance.models import CapabilityThreshold
        from governance.oversight.models import Escalation
        from tests.factories import SnapshotFactory, UserFactory

        quiet = open(os.devnull, "w")  # noqa: SIM115
        call_command("migrate", verbosity=0)
        call_command("load_frameworks", stdout=quiet)
        call_command(
            "adopt_framework", "anthropic-rsp", "2.2", "--from", "2025-05-14", stdout=quiet
        )
        UserFactory(username="rso", roles=["rso"])
        eval_suite_create(
            actor=SYSTEM,
            name="Autonomy",
            task_names=["autonomy_tasks"],
            thresholds=CapabilityThreshold.objects.filter(code="Autonomy checkpoint"),
        )
        _, token = eval_system_create(actor=SYSTEM, name="bench", all_models=True, all_suites=True)
        snapshots = [SnapshotFactory(external_ids=[f"bench/model-{n}"]) for n in range(args.posts)]

        port = free_port()
        processes.append(
            subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "governance.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                ],
                cwd=PROJECT_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        processes.append(
            subprocess.Popen(
                [
                    str(BIN / "celery"),
                    "-A",
                    "governance",
                    "worker",
                    "--pool=solo",
                    "-Q",
                    queue,
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=WARNING",
                ],
                cwd=PROJECT_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/healthz/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(2)  # let the worker connect to the broker

        latencies = []
        for n, snapshot in enumerate(snapshots):
            body = json.dumps(
                {
                    "format": "native/v1",
                    "run_id": f"bench-{n}",
                    "model": f"bench/model-{n}",
                    "suite": "Autonomy",
                    "tasks": [
                        {"name": f"t{k}", "attempts": 10, "successes": int(k < 6)}
                        for k in range(10)
                    ],
                }
            ).encode()
            request = urllib.request.Request(
                f"{base}/api/v1/ingestions/",
                data=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 202, response.status
            while not Escalation.objects.filter(model_id=snapshot.model_id).exists():
                if time.perf_counter() - started > 60:
                    raise SystemExit(f"no escalation for post {n} after 60 s")
                time.sleep(0.01)
            latencies.append(time.perf_counter() - started)
        latencies.sort()
        p95 = latencies[max(0, int(round(0.95 * len(latencies))) - 1)]
        print(f"posts: {len(latencies)} (each a crossing result for its own model)")
        print(
            f"POST -> escalation visible: median {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms (target: median < 2 s)"
        )
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        tmp.cleanup()


if __name__ == "__main__":
    main()
