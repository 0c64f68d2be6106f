from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from governance.celery import app


class Command(BaseCommand):
    help = (
        "Run every Celery beat task once, here and now. For sites without a broker (the "
        "embedded setup), run it from cron; with a broker, beat does this on its own."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", action="append", default=[], help="A beat entry's name.")

    def handle(self, *args, only, **options):
        schedule = settings.CELERY_BEAT_SCHEDULE
        unknown = set(only) - set(schedule)
        if unknown:
            raise CommandError(f"Unknown beat entries: {', '.join(sorted(unknown))}")
        app.loader.import_default_modules()
        for name, entry in schedule.items():
            if only and name not in only:
                continue
            result = app.tasks[entry["task"]].apply()
            self.stdout.write(f"{name}: {result.result}")
