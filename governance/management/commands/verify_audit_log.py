from django.core.management.base import BaseCommand, CommandError

from governance.audit import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain. Exit 0 when intact, 1 naming the first broken event."

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(report.describe(), returncode=1)
        self.stdout.write(report.describe())
        self.stdout.write(f"Last hash: {report.last_hash}")
