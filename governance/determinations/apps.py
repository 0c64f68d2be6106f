from django.apps import AppConfig


class DeterminationsConfig(AppConfig):
    name = "governance.determinations"
    label = "determinations"
    verbose_name = "Determinations"

    def ready(self) -> None:
        from . import workflows  # noqa: F401  (registers the declarations and rules)
