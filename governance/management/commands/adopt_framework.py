import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from governance.audit import SYSTEM
from governance.models import FrameworkVersion
from governance.services import framework_version_adopt


class Command(BaseCommand):
    help = "Put a loaded framework version in force from a date (UTC midnight)."

    def add_arguments(self, parser):
        parser.add_argument("framework", help="framework slug, e.g. anthropic-rsp")
        parser.add_argument("version", help="version, e.g. 2.2")
        parser.add_argument("--from", dest="effective_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--note", default="")

    def handle(self, *args, framework, version, effective_from, note, **options):
        try:
            day = dt.date.fromisoformat(effective_from)
        except ValueError:
            raise CommandError(f"--from: {effective_from!r} is not a date (YYYY-MM-DD)") from None
        found = FrameworkVersion.objects.filter(framework__slug=framework, version=version).first()
        if found is None:
            raise CommandError(
                f"No version {version} of framework {framework!r} is loaded (see load_frameworks)."
            )
        start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        try:
            framework_version_adopt(actor=SYSTEM, version=found, effective_from=start, note=note)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"{found} is in force from {day:%Y-%m-%d}.")
