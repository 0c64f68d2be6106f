"""Registry read speed: time and queries per request for the model and snapshot lists (API and
page) and the framework API, on a throwaway database filled with many rows.

    .venv/bin/python benchmarks/registry_api.py [--models 500] [--snapshots-per-model 8]
"""

import argparse
import datetime as dt
import os
import statistics
import time

from throwaway import django_on_throwaway_sqlite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--snapshots-per-model", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    tmp = django_on_throwaway_sqlite()  # noqa: F841 (kept alive: it holds the database)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from governance.registry.models import AIModel, Snapshot, SnapshotIdentifier

    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    models = AIModel.objects.bulk_create(
        AIModel(name=f"Model {n:05d}", developer="Bench Lab", family=f"F{n % 7}")
        for n in range(args.models)
    )
    snapshots = Snapshot.objects.bulk_create(
        Snapshot(
            model=model,
            name=f"s{k}",
            stage="post_trained",
            training_compute_flop=1e24 * (k + 1),
            created_on=dt.date(2026, 1, 1) + dt.timedelta(days=k),
        )
        for model in models
        for k in range(args.snapshots_per_model)
    )
    SnapshotIdentifier.objects.bulk_create(
        SnapshotIdentifier(snapshot=s, identifier=f"bench/{s.model_id}/{s.name}") for s in snapshots
    )
    user = get_user_model().objects.create_user("bench", password="x" * 12)
    user.groups.add(Group.objects.get(name="auditor"))
    client = Client()
    client.force_login(user)
    print(f"rows: {len(models)} models, {len(snapshots)} snapshots, 4 framework versions")

    for label, url in [
        ("API models page 1", "/api/v1/models/"),
        ("API models search", "/api/v1/models/?q=bench/42/"),
        ("API snapshots page 1", "/api/v1/snapshots/"),
        ("API snapshot lookup", f"/api/v1/snapshots/lookup/?identifier=bench/{models[7].pk}/s3"),
        ("API frameworks", "/api/v1/frameworks/"),
        ("page: models list", "/models/"),
        (f"page: model detail ({args.snapshots_per_model} snapshots)", f"/models/{models[0].pk}/"),
    ]:
        timings = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(
            f"{label:<38} median {statistics.median(timings):7.1f} ms   "
            f"p95 {sorted(timings)[int(0.95 * (len(timings) - 1))]:7.1f} ms   "
            f"{len(queries)} queries"
        )
    tmp.cleanup()


if __name__ == "__main__":
    main()
