import re

from django.core.management.base import BaseCommand, CommandError

from governance.audit import Anchor, audit_chain_verify, record_head

_ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain, and that it still holds the end seen by the latest "
        "scheduled check (and by --anchor). Exit 0 when intact, 1 naming the first broken event."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="SEQUENCE:HASH",
            help="A sequence and hash kept outside the database, e.g. from an earlier run.",
        )

    def handle(self, *args, anchor, **options):
        anchors = []
        for text in anchor:
            match = _ANCHOR.fullmatch(text.strip().lower())
            if not match:
                raise CommandError(f"--anchor {text!r}: expected SEQUENCE:HASH (64 hex digits)")
            anchors.append(Anchor(int(match[1]), match[2], source=f"--anchor {match[1]}"))
        report = audit_chain_verify(anchors)
        if not report.ok:
            raise CommandError(report.describe(), returncode=1)
        record_head(report)
        self.stdout.write(report.describe())
        self.stdout.write(f"Last event: {report.events_verified}:{report.last_hash}")
