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
