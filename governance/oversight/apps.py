from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "governance.oversight"
    label = "oversight"
    verbose_name = "Oversight"
