"""Evidence that lives in other apps (eval runs, threshold evaluations), reached through a small
registry so the core never imports them. The evals app registers itself in AppConfig.ready()."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class EvidenceSource:
    # (model, threshold, snapshots) -> the worst outcome over those snapshots' evaluations
    worst_outcome: Callable[..., str | None]
    # ({"type": "evaluation", "id": 12}, model) -> (label, url); ValueError if not of the model
    describe: Callable[..., tuple[str, str]]
    # (reference) -> how hard the run behind it tried: {"run": id, "attempts": epochs or None,
    # "helpful_only": bool}; None if the reference names nothing
    elicitation: Callable[..., dict | None] = lambda reference: None
    # (models) -> {model id: its standing on every threshold of the policy in force}
    standings: Callable[..., dict] = lambda models: {}
    # (models, until=moment) -> {model id: [a trajectory per threshold with a numeric rule]}
    trajectories: Callable[..., dict] = lambda models, until=None: {}
    # (model id) -> None: a snapshot's compute changed, so the model's forecasts may have moved
    compute_changed: Callable[[int], None] = lambda model_id: None


_source: EvidenceSource | None = None


def register(source: EvidenceSource) -> None:
    global _source
    _source = source


def worst_outcome(model, threshold, snapshots=None) -> str | None:
    return _source.worst_outcome(model, threshold, snapshots) if _source else None


def standings(models) -> dict:
    return _source.standings(models) if _source else {}


def trajectories(models, *, until=None) -> dict:
    return _source.trajectories(models, until=until) if _source else {}


def compute_changed(model_id: int) -> None:
    if _source is not None:
        _source.compute_changed(model_id)


def elicitation(reference: dict) -> dict | None:
    return _source.elicitation(reference) if _source else None


def describe(reference: dict, model=None) -> tuple[str, str]:
    if _source is None:
        raise ValueError("no evidence source is installed")
    return _source.describe(reference, model)
