from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "governance.oversight"
    label = "oversight"
    verbose_name = "Oversight"

    def ready(self) -> None:
        from governance.selectors import register_audit_redaction

        from . import workflows  # noqa: F401  (registers the declarations and rules)
        from .selectors import audit_events_without_reports_about_the_rso

        register_audit_redaction(audit_events_without_reports_about_the_rso)

        from governance.panels import register_home_panel

        from .panels import OVERSIGHT_PANELS

        for panel in OVERSIGHT_PANELS:
            register_home_panel(panel)
