from django.apps import AppConfig


class DeterminationsConfig(AppConfig):
    name = "governance.determinations"
    label = "determinations"
    verbose_name = "Determinations"
