from django.apps import AppConfig


class DeterminationsConfig(AppConfig):
    name = "governance.determinations"
    label = "determinations"
    verbose_name = "Determinations"

    def ready(self) -> None:
        from governance.panels import register_home_panel

        from . import workflows  # noqa: F401  (registers the declarations and rules)
        from .panels import DETERMINATIONS_PANELS

        for panel in DETERMINATIONS_PANELS:
            register_home_panel(panel)
