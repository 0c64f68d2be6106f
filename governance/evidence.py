"""Evidence that lives in other apps (eval runs, threshold evaluations), reached through a small
registry so the core never imports them. The evals app registers itself in AppConfig.ready()."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class EvidenceSource:
    # (model, threshold) -> the outcome of the latest evaluation, or None
    latest_outcome: Callable[[object, object], str | None]
    # a reference like {"type": "evaluation", "id": 12} -> (label, url); ValueError if unknown
    describe: Callable[[dict], tuple[str, str]]


_source: EvidenceSource | None = None


def register(source: EvidenceSource) -> None:
    global _source
    _source = source


def latest_outcome(model, threshold) -> str | None:
    return _source.latest_outcome(model, threshold) if _source else None


def describe(reference: dict) -> tuple[str, str]:
    if _source is None:
        raise ValueError("no evidence source is installed")
    return _source.describe(reference)
