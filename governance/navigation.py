"""The navigation bar. Apps register their entries in AppConfig.ready(), so the core never
imports them; each entry says who may see it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from .permissions import can_read


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    order: int = 100
    visible_to: Callable[[object], bool] = can_read

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_registry: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _registry[item.url_name] = item


def items_for(user) -> list[NavItem]:
    return sorted(
        (item for item in _registry.values() if item.visible_to(user)),
        key=lambda item: (item.order, item.label),
    )
