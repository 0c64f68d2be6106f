import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from governance.audit import SYSTEM
from governance.choices import Role
from governance.demo import run_seeders
from governance.framework_files import shipped_framework_files
from governance.models import FrameworkAdoption, FrameworkVersion
from governance.services import (
    audit_log_check,
    framework_files_load,
    framework_version_adopt,
    roles_ensure_groups,
    user_record_access_change,
    user_set_roles,
)

DEMO_PASSWORD = "governance-demo"  # noqa: S105 - printed for the demo; DEBUG only
# (username, full name, roles, is_staff)
DEMO_USERS = [
    ("safety", "Sam Safety", [Role.SAFETY_STAFF], False),
    ("reviewer", "Riley Reviewer", [Role.INTERNAL_REVIEWER], False),
    ("rso", "Robin Officer", [Role.RSO], False),
    ("ceo", "Casey Chief", [Role.CEO], False),
    ("director", "Dana Director", [Role.BOARD_DIRECTOR], False),
    ("trustee", "Taylor Trustee", [Role.TRUSTEE], False),
    ("auditor", "Avery Auditor", [Role.AUDITOR], False),
    ("admin", "Alex Admin", [], True),
]
# The organisation's policy history: (framework, version, in force from).
DEMO_ADOPTIONS = [("anthropic-rsp", "1.0", "2023-09-19"), ("anthropic-rsp", "2.2", "2025-05-14")]


class Command(BaseCommand):
    help = "Create one demo user per role and sample data (idempotent). Development only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with a published password; it runs only with DEBUG=1."
            )
        with transaction.atomic():
            roles_ensure_groups()
            for username, full_name, roles, is_staff in DEMO_USERS:
                self._ensure_user(username, full_name, roles, is_staff)
            framework_files_load(actor=SYSTEM, paths=shipped_framework_files())
            self._ensure_adoptions()
            # Each app seeds its own records (registry, board, evals, Trust), in their order.
            notes = run_seeders()
        audit_log_check()
        self._print_logins()
        for line in notes:
            self.stdout.write(line)

    def _ensure_user(self, username, full_name, roles, is_staff):
        user_model = get_user_model()
        first, last = full_name.split(" ", 1)
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.invalid",
                "is_staff": is_staff,
                "is_superuser": is_staff,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user_record_access_change(actor=SYSTEM, user=user, before=None)
        user_set_roles(actor=SYSTEM, user=user, roles=roles)

    def _ensure_adoptions(self):
        if FrameworkAdoption.objects.exists():
            return  # the organisation's own policy history is never overwritten
        for slug, version, start in DEMO_ADOPTIONS:
            framework_version_adopt(
                actor=SYSTEM,
                version=FrameworkVersion.objects.get(framework__slug=slug, version=version),
                effective_from=dt.datetime.combine(
                    dt.date.fromisoformat(start), dt.time.min, tzinfo=dt.UTC
                ),
                note="Demo data",
            )

    def _print_logins(self):
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, full_name, roles, _ in DEMO_USERS:
            what = ", ".join(Role(role).label for role in roles) or "administrator"
            self.stdout.write(f"  {username:<10} {full_name:<16} {what}")
