from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed

        from . import navigation
        from .services import user_record_lockout, user_record_login_failure

        def login_failed(sender, credentials, request=None, **kwargs):
            username = str((credentials or {}).get("username") or "")
            user_record_login_failure(request=request, username=username)

        def locked_out(sender, request, username, **kwargs):
            user_record_lockout(request=request, username=str(username or ""))

        user_login_failed.connect(login_failed, dispatch_uid="audit-login-failed", weak=False)
        user_locked_out.connect(locked_out, dispatch_uid="audit-locked-out", weak=False)
        from .choices import Role
        from .permissions import BOARD_READERS, can_read, can_view_audit_log

        nav = navigation

        def board_readers(user) -> bool:
            return can_read(user, BOARD_READERS)

        nav.register(nav.NavItem("Home", "home", order=0))
        nav.register(nav.NavItem("Escalations", "escalation-list", order=5, group=nav.OVERSIGHT))
        nav.register(
            nav.NavItem("Noncompliance", "noncompliance-list", order=88, group=nav.OVERSIGHT)
        )
        nav.register(nav.NavItem("Models", "model-list", order=10, group=nav.MODELS_AND_EVALS))
        nav.register(
            nav.NavItem("Determinations", "determination-list", order=60, group=nav.DECISIONS)
        )
        nav.register(nav.NavItem("Safeguards", "safeguards-list", order=70, group=nav.DECISIONS))
        nav.register(nav.NavItem("Frameworks", "framework-list", order=80, group=nav.DECISIONS))
        nav.register(
            nav.NavItem(
                "Board", "board", order=84, visible_to=board_readers, group=nav.BOARD_AND_TRUST
            )
        )
        nav.register(
            nav.NavItem("Policy changes", "policy-change-list", order=85, group=nav.BOARD_AND_TRUST)
        )
        nav.register(
            nav.NavItem(
                "RSO reports",
                "quarterly-report-list",
                order=86,
                visible_to=board_readers,
                group=nav.BOARD_AND_TRUST,
            )
        )
        nav.register(
            nav.NavItem(
                "Audit log",
                "audit-list",
                order=900,
                visible_to=can_view_audit_log,
                group=nav.RECORDS,
            )
        )
        nav.register(
            nav.NavItem(
                "Webhooks",
                "webhook-list",
                order=920,
                visible_to=lambda user: user.is_staff or can_read(user, [Role.RSO]),
                group=nav.RECORDS,
            )
        )
        nav.register(nav.NavItem("API", "api-docs", order=950, group=nav.RECORDS))
        nav.register(
            nav.NavItem(
                "Admin",
                "admin:index",
                order=990,
                visible_to=lambda user: user.is_staff,
                group=nav.RECORDS,
            )
        )
