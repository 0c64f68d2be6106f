"""Shared by the benchmarks that run Django in-process on a throwaway SQLite database."""

import os
import sys
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def django_on_throwaway_sqlite() -> tempfile.TemporaryDirectory:
    """Set Django up on a fresh SQLite file, tasks in-process; keep the result alive while the
    benchmark runs (the database goes with it)."""
    tmp = tempfile.TemporaryDirectory()
    os.environ.update(
        DATABASE_URL=f"sqlite:///{tmp.name}/bench.sqlite3",
        DEBUG="1",
        ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="governance.settings",
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()
    return tmp
