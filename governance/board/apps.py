from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "governance.board"
    label = "board"
    verbose_name = "Board"

    def ready(self) -> None:
        from . import workflows  # noqa: F401  (registers the declarations and rules)
