"""Sections other apps add to core pages (the model page), so the core never imports them."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelPanel:
    template: str
    context: Callable[[Any], dict[str, Any]]
    order: int = 100


_model_panels: list[ModelPanel] = []


def register_model_panel(panel: ModelPanel) -> None:
    if panel not in _model_panels:
        _model_panels.append(panel)
        _model_panels.sort(key=lambda item: item.order)


def model_panels(model) -> list[tuple[str, dict[str, Any]]]:
    return [(panel.template, panel.context(model)) for panel in _model_panels]


@dataclass(frozen=True)
class HomePanel:
    """An overview on the home page (and under `overview` in /api/v1/me/work/) for those it is
    `visible_to`: `rows(user)` returns dicts with `label`, `url`, `detail` and optionally
    `badge` (words, shown as a tag) and `count`."""

    key: str
    title: str
    rows: Callable[[Any], list[dict[str, Any]]]
    visible_to: Callable[[Any], bool]
    empty: str = "Nothing now."
    order: int = 100


_home_panels: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    _home_panels[panel.key] = panel


def home_panels_for(user) -> list[tuple[HomePanel, list[dict[str, Any]]]]:
    return [
        (panel, panel.rows(user))
        for panel in sorted(_home_panels.values(), key=lambda item: (item.order, item.key))
        if panel.visible_to(user)
    ]
