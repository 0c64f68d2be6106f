"""What every log parser produces, and the error it raises."""

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from typing import Any

from ..choices import LogFormat, LogStatus


class LogParseError(ValueError):
    """The log cannot be read; the message says what is wrong, for the uploader."""


@dataclass(frozen=True)
class LogHeader:
    """What can be read cheaply at upload time, before the log is queued."""

    format: LogFormat
    model_name: str
    task_names: tuple[str, ...]
    natural_id: str = ""  # Inspect eval_id or a native run_id: a repeat of it is the same run


@dataclass
class ParsedSample:
    task: str
    epoch: int
    values: dict[str, float | None]  # scorer or metric name -> value (None: missing or NaN)
    source_task: str = ""  # the log's task it belongs to, where a log holds several (lm-eval)


@dataclass
class ParsedTask:
    """A task-level result where the log has no samples (lm-eval) or counts only (native)."""

    name: str
    attempts: int | None = None
    successes: int | None = None
    metrics: dict[str, float | None] = field(default_factory=dict)


@dataclass
class ParsedLog:
    header: LogHeader
    status: LogStatus
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    total_samples: int | None = None
    completed_samples: int | None = None
    elicitation: dict[str, Any] = field(default_factory=dict)
    score_names: list[str] = field(default_factory=list)  # headline first
    samples: list[ParsedSample] = field(default_factory=list)
    tasks: list[ParsedTask] = field(default_factory=list)
    error: str = ""
    # The tasks the log's dataset declares (Inspect: eval.dataset.sample_ids), when it says.
    dataset_task_names: tuple[str, ...] | None = None
    # How the run was cut down, if it was (Inspect --limit / --sample-id): "" for a full run.
    subset: str = ""


def score_value(value: Any) -> float | None:
    """A score as a number: Inspect's C/I/P/N letters, booleans and numbers; NaN is missing."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        letter = {"C": 1.0, "I": 0.0, "P": 0.5, "N": 0.0}.get(value.strip().upper())
        if letter is not None:
            return letter
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None  # lists and dicts (multi-valued scores) cannot be one attempt's success


def parse_time(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def loads_lenient(data: bytes | str, what: str) -> Any:
    """json.loads that takes Inspect's bare NaN/Infinity (as None) and names bad JSON."""
    try:
        return json.loads(data, parse_constant=lambda _: None)
    except (ValueError, UnicodeDecodeError) as error:
        raise LogParseError(f"{what} is not valid JSON: {error}") from None
    except RecursionError:
        raise LogParseError(f"{what} is nested too deeply") from None


def nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: nan_to_none(item) for key, item in value.items()}
    if isinstance(value, list):
        return [nan_to_none(item) for item in value]
    return value
