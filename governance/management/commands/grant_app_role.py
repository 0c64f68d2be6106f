import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from governance.db_roles import grant_app_role


class Command(BaseCommand):
    help = (
        "Run as the tables' owner after migrate: create or update the PostgreSQL role the "
        "application connects as, with rights on rows only (no UPDATE, DELETE or TRUNCATE on "
        "the audit tables, and no ownership, so no ALTER TABLE ... DISABLE TRIGGER)."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="The application's database role, e.g. governance_app.")
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="Set the role's password from this environment variable.",
        )

    def handle(self, *args, role, password_env=None, **options):
        password = None
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"--password-env {password_env}: that variable is not set")
        try:
            with transaction.atomic():
                grant_app_role(connection, role, password)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Role {role} may read and write rows; the audit tables are append-only.")
