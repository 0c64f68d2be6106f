"""What every log parser produces, and the error it raises."""

import dataclasses
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


# What the database can store: checked once for every format, so a log that cannot be stored
# fails at once with the field named, instead of being retried as if the database were down.

INT_MAX = 2**31 - 1  # PositiveIntegerField, on every database
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
MAX_DEPTH = 64


def parse_time(value: Any, field: str = "a time") -> dt.datetime | None:
    """A log's timestamp, refused (naming `field`) when it cannot be read or lies outside
    1970-2100: PostgreSQL would store times Python cannot read back, breaking every list."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int | float):
            moment = dt.datetime.fromtimestamp(value, tz=dt.UTC)
        else:
            moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
            moment = moment.astimezone(dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise LogParseError(f"{field}: {str(value)[:60]!r} is not a readable time") from None
    if not EARLIEST <= moment < LATEST:
        raise LogParseError(f"{field}: {str(value)[:60]!r} lies outside 1970-2100")
    return moment


def check_text(value: Any, field: str) -> None:
    if not isinstance(value, str):
        return
    if "\x00" in value:
        raise LogParseError(f"{field}: {value[:60]!r} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise LogParseError(
            f"{field}: {value[:60]!r} contains an unpaired surrogate (not valid Unicode)"
        ) from None


def check_count(value: Any, field: str, *, minimum: int = 0) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise LogParseError(f"{field}: {str(value)[:60]!r} is not a whole number")
    if not minimum <= value <= INT_MAX:
        raise LogParseError(f"{field}: {value} is out of range ({minimum} to {INT_MAX:,})")


def check_json(value: Any, field: str) -> None:
    """Free-form JSON (elicitation) as PostgreSQL's jsonb can store it: text without NUL or
    unpaired surrogates, finite numbers, nested at most MAX_DEPTH deep. Iterative, so no depth
    breaks the check itself."""
    stack = [(value, field, 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise LogParseError(f"{where}: nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, float) and not math.isfinite(item):
            raise LogParseError(f"{where}: {item} is not a finite number")
        if isinstance(item, str):
            check_text(item, where)
        elif isinstance(item, dict):
            for key, child in item.items():
                check_text(key, f"{where} (a key)")
                stack.append((child, f"{where}.{key}", depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{n}]", depth + 1) for n, child in enumerate(item))


def _unique_samples(samples: list[ParsedSample]) -> list[ParsedSample]:
    """Each (sample id, epoch) counts once: a repeat (the same sample written twice, or a
    `.eval` member copied under another name) is one attempt, never an extra one that could
    flip a k-of-n pass; repeats that disagree make the log unreadable."""
    seen: dict[tuple[str, int], ParsedSample] = {}
    for sample in samples:
        key = (sample.task, sample.epoch)
        first = seen.setdefault(key, sample)
        if first is not sample and first.values != sample.values:
            raise LogParseError(
                f"sample {sample.task!r} epoch {sample.epoch} appears more than once with "
                "different scores"
            )
    return list(seen.values()) if len(seen) < len(samples) else samples


def checked_for_storage(log: ParsedLog) -> ParsedLog:
    """The parsed log, refused with the field named where the database could not store it."""
    header = log.header
    check_text(header.model_name, "model name")
    check_text(header.natural_id, "eval id")
    for name in header.task_names:
        check_text(name, "task name")
    check_text(log.error, "error")
    check_text(log.subset, "subset")
    for name in log.score_names:
        check_text(name, "score name")
    for name in log.dataset_task_names or ():
        check_text(name, "dataset sample id")
    check_count(log.total_samples, "total_samples")
    check_count(log.completed_samples, "completed_samples")
    check_json(log.elicitation, "elicitation")
    for key in ("epochs", "attempts"):
        if log.elicitation.get(key) is not None:
            check_count(log.elicitation[key], f"elicitation.{key}", minimum=1)
    for sample in log.samples:
        check_text(sample.task, "sample id")
        check_count(sample.epoch, f"sample {sample.task[:60]!r} epoch")
        for name in sample.values:
            check_text(name, "score name")
    for task in log.tasks:
        check_text(task.name, "task name")
        check_count(task.attempts, f"task {task.name[:60]!r} attempts")
        check_count(task.successes, f"task {task.name[:60]!r} successes")
        for name in task.metrics:
            check_text(name, "metric name")
    return dataclasses.replace(log, samples=_unique_samples(log.samples))
