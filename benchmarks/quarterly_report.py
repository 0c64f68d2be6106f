"""RSO quarterly report speed: generating the contents from a busy quarter's records, and
drawing the PDF, on a throwaway SQLite database (or DATABASE_URL if you pass --use-env-db).

    .venv/bin/python benchmarks/quarterly_report.py [--escalations 2000] [--reports 500]
"""

import argparse
import datetime as dt
import os
import statistics
import time

from throwaway import django_on_throwaway_sqlite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--escalations", type=int, default=2000)
    parser.add_argument("--reports", type=int, default=500, help="noncompliance reports")
    parser.add_argument("--models", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    tmp = django_on_throwaway_sqlite()  # noqa: F841 (kept alive: it holds the database)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance.board.models import QuarterlyReport
    from governance.board.report_rendering import quarterly_report_pdf
    from governance.board.services.quarterly_reports import quarterly_report_contents
    from governance.choices import EscalationKind, EscalationState, Severity
    from governance.dates import quarter_bounds
    from governance.oversight.models import Escalation, NoncomplianceReport
    from governance.registry.models import AIModel

    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    start, end = quarter_bounds(2026, 3)
    span = (end - start).total_seconds()
    models = AIModel.objects.bulk_create(
        AIModel(name=f"Model {n:04d}", developer="Bench Lab") for n in range(args.models)
    )
    states = [EscalationState.OPEN, EscalationState.ACKNOWLEDGED, EscalationState.RESOLVED]
    escalations = []
    for n in range(args.escalations):
        opened = start + dt.timedelta(seconds=span * n / args.escalations)
        state = states[n % 3]
        escalations.append(
            Escalation(
                kind=EscalationKind.WARNING,
                subject=f"subject {n}",
                scope=f"model:{models[n % len(models)].pk}",
                model=models[n % len(models)],
                severity=Severity.MEDIUM,
                state=state,
                title=f"Warning {n}",
                due_at=opened + dt.timedelta(days=30),
                opened_at=opened,
                acknowledged_at=opened + dt.timedelta(hours=3) if n % 3 else None,
                closed_at=opened + dt.timedelta(days=2)
                if state == EscalationState.RESOLVED
                else None,
                created_at=opened,
                updated_at=opened,
            )
        )
    Escalation.objects.bulk_create(escalations, batch_size=500)
    NoncomplianceReport.objects.bulk_create(
        NoncomplianceReport(
            summary=f"Report {n}",
            details="...",
            filed_at=start + dt.timedelta(seconds=span * n / args.reports),
            concerns_rso=n % 10 == 0,
        )
        for n in range(args.reports)
    )
    now = end + dt.timedelta(days=3)

    timings, queries = [], 0
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            contents = quarterly_report_contents(start, end, now=now)
            timings.append(time.perf_counter() - began)
        queries = len(captured.captured_queries)
    rso = get_user_model().objects.create(username="bench-rso")
    report = QuarterlyReport.objects.create(
        year=2026,
        quarter=3,
        period_start=start,
        period_end=end,
        contents=contents,
        generated_at=now,
        created_by=rso,
        commentary="Benchmark.",
    )
    pdf_timings = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        pdf = quarterly_report_pdf(report)
        pdf_timings.append(time.perf_counter() - began)

    print(
        f"records: {args.escalations} escalations, {args.reports} noncompliance reports, "
        f"{args.models} models ({connection.vendor})"
    )
    print(
        f"contents: median {statistics.median(timings) * 1000:.0f} ms, "
        f"{queries} queries, {len(contents['escalations']['items'])} escalation rows"
    )
    print(
        f"pdf:      median {statistics.median(pdf_timings) * 1000:.0f} ms, "
        f"{len(pdf) / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
