from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "governance.registry"
    label = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        from governance import demo

        from . import rules  # noqa: F401  (registers the rules)
        from .demo import seed_models

        demo.register_seeder(seed_models, order=5)
