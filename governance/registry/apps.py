from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "governance.registry"
    label = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the declarations and rules)
