"""My work: time and queries of the home page (the queue) and GET /api/v1/me/work/ for the
RSO and a director, on the demo's data plus many scheduled board meetings (each awaits the
directors), and of the sweep that tells whoever an open record awaits.

    .venv/bin/python benchmarks/my_work.py [--meetings 200] [--repeat 10]
"""

import argparse
import datetime as dt
import os
import statistics
import time

from throwaway import django_on_throwaway_sqlite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    tmp = django_on_throwaway_sqlite()  # noqa: F841 (kept alive: it holds the database)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from governance.board.models import Meeting
    from governance.services.awaited import awaited_sweep

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    quiet = open(os.devnull, "w")  # noqa: SIM115
    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0, stdout=quiet)
    call_command("seed_demo", verbosity=0, stdout=quiet)
    users = get_user_model().objects
    convener = users.get(username="director")
    Meeting.objects.bulk_create(
        Meeting(
            title=f"Meeting {n}",
            scheduled_for=timezone.now() + dt.timedelta(days=1 + n),
            convened_by=convener,
        )
        for n in range(args.meetings)
    )
    print(f"rows: the demo's records and {args.meetings} scheduled meetings")

    started = time.perf_counter()
    told = awaited_sweep()
    print(f"sweep (first, tells {told}): {(time.perf_counter() - started) * 1000:7.1f} ms")
    started = time.perf_counter()
    awaited_sweep()
    print(f"sweep (again, tells none): {(time.perf_counter() - started) * 1000:7.1f} ms")

    for username in ("rso", "director"):
        client = Client()
        client.force_login(users.get(username=username))
        for label, url in [("home page", "/"), ("GET /api/v1/me/work/", "/api/v1/me/work/")]:
            timings = []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            print(
                f"{username:<9} {label:<22} median {statistics.median(timings):7.1f} ms   "
                f"p95 {sorted(timings)[int(0.95 * (len(timings) - 1))]:7.1f} ms   "
                f"{len(queries)} queries"
            )
    tmp.cleanup()


if __name__ == "__main__":
    main()
