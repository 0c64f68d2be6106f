from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "governance.oversight"
    label = "oversight"
    verbose_name = "Oversight"

    def ready(self) -> None:
        from . import workflows  # noqa: F401  (registers the declarations and rules)
