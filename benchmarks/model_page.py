"""The model page's standing, charts and forecasts: time and queries of the model page, of
GET /api/v1/models/{id}/standing/ and of the models list, for a model with many snapshots and
runs (target: the page under 300 ms, the same number of queries however many runs).

    .venv/bin/python benchmarks/model_page.py [--snapshots 50] [--runs 500] [--repeat 10]
"""

import argparse
import datetime as dt
import math
import os
import statistics
import time

from throwaway import django_on_throwaway_sqlite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=int, default=50)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    tmp = django_on_throwaway_sqlite()  # noqa: F841 (kept alive: it holds the database)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from governance.registry.models import AIModel, Snapshot
    from governance.selectors import framework_version_in_force
    from tests.factories import stored_evaluation

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    quiet = open(os.devnull, "w")  # noqa: SIM115
    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0, stdout=quiet)
    call_command("seed_demo", verbosity=0, stdout=quiet)

    version = framework_version_in_force()
    threshold = next(t for t in version.thresholds.all() if t.scoring_rule is not None)

    def build(name: str, snapshots: int, runs: int) -> AIModel:
        """A model whose snapshots grow 10^0.05 in compute each; runs spread over them (the
        later ones on a snapshot are elicitation progress), on a logistic curve."""
        model = AIModel.objects.create(name=name, developer="Bench")
        rows = Snapshot.objects.bulk_create(
            Snapshot(
                model=model,
                name=f"{name}-{i}",
                effective_compute_flop=10 ** (24 + i * 0.05),
                created_on=dt.date(2026, 1, 1) + dt.timedelta(days=i),
            )
            for i in range(snapshots)
        )
        for r in range(runs):
            snapshot = rows[r % snapshots]
            exponent = math.log10(snapshot.effective_compute_flop)
            value = 1 / (1 + math.exp(-2 * (exponent - 26.5)))
            outcome = "crossed" if value >= 0.5 else "warning" if value >= 0.3 else "below"
            stored_evaluation(snapshot, threshold, outcome, value=value)
        return model

    small = build("Small", 3, 3)
    big = build("Big", args.snapshots, args.runs)
    print(f"rows: the demo, plus {big.name} with {args.snapshots} snapshots and {args.runs} runs")

    client = Client()
    client.force_login(get_user_model().objects.get(username="rso"))

    def measure(label: str, url: str) -> None:
        client.get(url)  # warm
        times, queries = [], 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(captured)
        times.sort()
        p95 = times[max(0, math.ceil(len(times) * 0.95) - 1)]
        print(
            f"{label:<36} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
            f"{queries:3d} queries"
        )

    for model in (small, big):
        measure(f"model page ({model.name})", f"/models/{model.pk}/")
        measure(f"API standing ({model.name})", f"/api/v1/models/{model.pk}/standing/")
    measure("models list", "/models/")


if __name__ == "__main__":
    main()
