from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evals.models import EvalSystem
from evals.services import ingest_file
from governance.audit import SYSTEM
from governance.errors import DomainError


class Command(BaseCommand):
    help = (
        "Ingest eval logs from files (for air-gapped sites): the same checks and pipeline as the "
        "API, run here and now. Prints each outcome; exits 1 if any log failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--snapshot", help="Snapshot id or external identifier.")
        parser.add_argument("--suite", help="Eval suite name or id.")
        parser.add_argument("--system", help="Post as this eval system (its scope applies).")

    def handle(self, *args, paths, snapshot, suite, system, **options):
        principal = SYSTEM
        if system:
            principal = EvalSystem.objects.filter(name=system).first()
            if principal is None:
                raise CommandError(f"No eval system is called {system!r}.")
        failures = 0
        for path in paths:
            failures += not self._ingest(path, principal, snapshot, suite)
        if failures:
            raise CommandError(f"{failures} of {len(paths)} logs failed.")

    def _ingest(self, path: Path, principal, snapshot, suite) -> bool:
        try:
            submission = ingest_file(
                principal=principal, path=path, snapshot_ref=snapshot, suite_ref=suite
            )
        except OSError as error:
            self.stderr.write(f"{path}: cannot read: {error.strerror}")
            return False
        except DomainError as error:
            self.stderr.write(f"{path}: refused: {error}")
            return False
        ingestion = submission.ingestion
        if ingestion.status == "failed":
            self.stderr.write(f"{path}: failed: {ingestion.error}")
            return False
        run = ingestion.run
        outcomes = ", ".join(
            f"{e.threshold.code} {e.outcome.upper()} ({e.reason})" for e in run.evaluations.all()
        )
        repeat = "" if submission.created else " (already ingested)"
        if submission.notice:
            self.stderr.write(f"{path}: {submission.notice}")
        self.stdout.write(
            f"{path}: run {run.pk} on {run.snapshot}{repeat}: "
            + (outcomes or ("unmapped: no suite for this task" if run.unmapped else "not scored"))
        )
        return True
