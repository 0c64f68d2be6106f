"""Audit log throughput: appends per second (one writer, then two processes racing) and
verification speed. Uses a throwaway database: a temporary SQLite file by default, or a new
database on the PostgreSQL server named by --postgres (e.g. postgres://postgres@127.0.0.1:5432/).

    .venv/bin/python benchmarks/audit_append.py [--events 2000] [--postgres URL]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
WRITER = """
import sys, time
import django
django.setup()
from governance.audit import SYSTEM, audit_record
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
for n in range(int(sys.argv[1])):
    audit_record(actor=SYSTEM, action="bench.race", after={"n": n})
"""


def _postgres_database(server_url: str) -> tuple[str, callable]:
    import psycopg

    name = f"bench_audit_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(server_url.rstrip("/") + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return server_url.rstrip("/") + "/" + name, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--postgres", help="PostgreSQL server URL; default: SQLite")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    drop = None
    if args.postgres:
        database_url, drop = _postgres_database(args.postgres)
    else:
        database_url = f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.update(
        DATABASE_URL=database_url, DEBUG="1", DJANGO_SETTINGS_MODULE="governance.settings"
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, str(PROJECT_DIR))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from governance.audit import SYSTEM, audit_chain_verify, audit_record

        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor} (throwaway)")

        started = time.perf_counter()
        for n in range(args.events):
            audit_record(actor=SYSTEM, action="bench.single", after={"n": n, "flop": 1e25})
        single = time.perf_counter() - started
        rate = args.events / single
        print(f"one writer:   {args.events} appends in {single:.2f}s = {rate:,.0f}/s")

        per_writer = args.events // 2
        start_at = time.time() + 3
        env = dict(os.environ)
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, str(per_writer), str(start_at)],
                cwd=PROJECT_DIR,
                env=env,
            )
            for _ in range(2)
        ]
        for writer in writers:
            writer.wait()
        raced = time.time() - start_at
        print(
            f"two writers:  {2 * per_writer} appends in {raced:.2f}s = "
            f"{2 * per_writer / raced:,.0f}/s (serialized on one chain)"
        )

        started = time.perf_counter()
        report = audit_chain_verify()
        took = time.perf_counter() - started
        print(
            f"verify:       {report.events_verified} events in {took:.2f}s = "
            f"{report.events_verified / took:,.0f}/s; intact={report.ok}"
        )
        connection.close()
    finally:
        if drop:
            drop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
