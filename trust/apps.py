from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = "Trust"

    def ready(self) -> None:
        from governance import navigation
        from governance.permissions import can_read

        from .views import TRUST_READERS

        navigation.register(
            navigation.NavItem(
                "Trust",
                "trust:home",
                order=86,
                visible_to=lambda user: can_read(user, TRUST_READERS),
            )
        )
