from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from governance.audit import SYSTEM
from governance.framework_files import FrameworkFileError, shipped_framework_files
from governance.services import framework_files_load


class Command(BaseCommand):
    help = (
        "Load framework version files (YAML or JSON). With no FILE, loads the shipped ones. "
        "Loading a file twice changes nothing; an invalid file is refused whole."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path, metavar="FILE")

    def handle(self, *args, files, **options):
        try:
            outcomes = framework_files_load(actor=SYSTEM, paths=files or shipped_framework_files())
        except FrameworkFileError as error:
            raise CommandError(f"Nothing loaded. {error}") from None
        for outcome in outcomes:
            state = "loaded" if outcome.created else "unchanged"
            self.stdout.write(f"{state:<9} {outcome.version} ({outcome.file})")
