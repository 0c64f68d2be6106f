from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = "Trust"

    def ready(self) -> None:
        from governance import demo, navigation, sitting
        from governance.permissions import can_read

        from . import workflows  # noqa: F401  (registers the declarations)
        from .demo import seed_trustee_term
        from .selectors import trustees_sitting
        from .views import TRUST_READERS

        demo.register_seeder(seed_trustee_term, order=50)
        sitting.register_trustees_sitting(trustees_sitting)

        navigation.register(
            navigation.NavItem(
                "Trust",
                "trust:home",
                order=86,
                visible_to=lambda user: can_read(user, TRUST_READERS),
                group=navigation.BOARD_AND_TRUST,
            )
        )
