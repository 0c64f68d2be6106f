from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        from . import navigation
        from .permissions import can_view_audit_log

        navigation.register(navigation.NavItem("Home", "home", order=0))
        navigation.register(navigation.NavItem("Models", "model-list", order=10))
        navigation.register(navigation.NavItem("Frameworks", "framework-list", order=80))
        navigation.register(
            navigation.NavItem("Audit log", "audit-list", order=900, visible_to=can_view_audit_log)
        )
        navigation.register(navigation.NavItem("API", "api-docs", order=950))
