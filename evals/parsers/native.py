"""The native JSON format (evals/native_schema.json) for systems that report attempts directly."""

import json
from pathlib import Path
from typing import Any

import jsonschema

from ..choices import LogFormat, LogStatus
from .base import (
    LogHeader,
    LogParseError,
    ParsedLog,
    ParsedSample,
    ParsedTask,
    checked_for_storage,
    loads_lenient,
    parse_time,
)

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "native_schema.json").read_text())
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
SCORE_NAME = "score"


def _field(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(body)"


def validate(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise LogParseError("the native result must be a JSON object")
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(data))
    if error is not None:
        raise LogParseError(f"{_field(error.absolute_path)}: {error.message}")
    seen = set()
    for index, task in enumerate(data["tasks"]):
        if task["name"] in seen:
            raise LogParseError(f"tasks[{index}].name: {task['name']!r} appears more than once")
        seen.add(task["name"])
        if "attempts" in task and task["successes"] > task["attempts"]:
            raise LogParseError(f"tasks[{index}].successes: more successes than attempts")
        for key in ("started_at", "completed_at"):
            parse_time(task.get(key), f"tasks[{index}].{key}")
    # At upload, so a bad time or value is a 400 naming the field, not a failed ingestion.
    for key in ("started_at", "completed_at"):
        parse_time(data.get(key), key)
    checked_for_storage(parse_data(data))
    return data


MAX_BYTES = 100 * 1024 * 1024


def _load(path: Path) -> dict[str, Any]:
    if path.stat().st_size > MAX_BYTES:
        raise LogParseError(f"a native result over {MAX_BYTES:,} bytes: split it into several runs")
    return validate(loads_lenient(path.read_bytes(), "the native result"))


def header_of(data: dict[str, Any]) -> LogHeader:
    return LogHeader(
        format=LogFormat.NATIVE,
        model_name=data["model"],
        task_names=(data["suite"],) if data.get("suite") else (),
        natural_id=f"native:{data['run_id']}",
    )


def sniff(path: Path) -> LogHeader:
    return header_of(_load(path))


def parse(path: Path) -> ParsedLog:
    return parse_data(_load(path))


def parse_data(data: dict[str, Any]) -> ParsedLog:
    samples, tasks = [], []
    for task in data["tasks"]:
        if "scores" in task and not task["scores"]:
            tasks.append(ParsedTask(name=task["name"]))  # declared, but nothing to decide it
        elif "scores" in task:
            samples += [
                ParsedSample(task=task["name"], epoch=n, values={SCORE_NAME: score})
                for n, score in enumerate(task["scores"], start=1)
            ]
        else:
            tasks.append(
                ParsedTask(
                    name=task["name"], attempts=task["attempts"], successes=task["successes"]
                )
            )
    return ParsedLog(
        header=header_of(data),
        status=LogStatus(data.get("status", LogStatus.SUCCESS)),
        started_at=parse_time(data.get("started_at"), "started_at"),
        completed_at=parse_time(data.get("completed_at"), "completed_at"),
        elicitation=data.get("elicitation") or {},
        score_names=[SCORE_NAME],
        samples=samples,
        tasks=tasks,
    )
