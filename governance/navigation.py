"""The navigation bar. Apps register their entries in AppConfig.ready(), so the core never
imports them; each entry says who may see it and under which heading it sits.

Seventeen links in one row wrap to six rows on a phone, so entries are grouped: the page shows
each group as a labelled cluster on wide screens and as sections of one "Menu" on phones."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from .permissions import can_read

# The groups in the order the bar shows them. "" is the top level (Home): no heading.
TOP = ""
OVERSIGHT = "Oversight"
MODELS_AND_EVALS = "Models & evals"
DECISIONS = "Decisions"
BOARD_AND_TRUST = "Board & Trust"
RECORDS = "Records"
GROUP_ORDER = (TOP, OVERSIGHT, MODELS_AND_EVALS, DECISIONS, BOARD_AND_TRUST, RECORDS)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    order: int = 100
    visible_to: Callable[[object], bool] = can_read
    group: str = TOP

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    @property
    def group_rank(self) -> int:
        # A group nobody declared in GROUP_ORDER still shows, after the known ones.
        return GROUP_ORDER.index(self.group) if self.group in GROUP_ORDER else len(GROUP_ORDER)


_registry: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _registry[item.url_name] = item


def items_for(user) -> list[NavItem]:
    """The entries this user may see, each group's entries next to each other (the template
    regroups them by `group`), groups in GROUP_ORDER, entries by their order within a group."""
    return sorted(
        (item for item in _registry.values() if item.visible_to(user)),
        key=lambda item: (item.group_rank, item.group, item.order, item.label),
    )
