from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "governance.board"
    label = "board"
    verbose_name = "Board"
