from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "governance.board"
    label = "board"
    verbose_name = "Board"

    def ready(self) -> None:
        from governance import demo, sitting

        from . import workflows  # noqa: F401  (registers the declarations and rules)
        from .demo import seed_board_seat, seed_quarterly_report
        from .services.board import directors_sitting

        sitting.register_directors_sitting(directors_sitting)
        # The seat before anything that needs a board; the report after every other record.
        demo.register_seeder(seed_board_seat, order=1)
        demo.register_seeder(seed_quarterly_report, order=1000)
