"""Inspect AI eval logs: `.json` (streamed, so large logs are never held whole in memory) and
`.eval` (a zip with one member per sample). Each sample is one task; its epochs are attempts."""

import json
import re
from pathlib import Path
from typing import Any

import ijson

from ..choices import LogFormat, LogStatus
from .base import (
    LogHeader,
    LogParseError,
    ParsedLog,
    ParsedSample,
    loads_lenient,
    nan_to_none,
    parse_time,
    score_value,
)
from .nan_filter import NaNAsNull
from .zipzstd import EvalZip

_EVAL_KEY = re.compile(rb'"eval"\s*:\s*\{')
_HEAD_BYTES = 1 << 20
HEADER_LIMIT = 16 * 1024 * 1024
_TOP_LEVEL = {"status", "eval", "plan", "results", "stats", "error"}
_STATUSES = {status.value for status in LogStatus}


def header_from_eval(eval_spec: dict[str, Any], fmt: LogFormat) -> LogHeader:
    if not isinstance(eval_spec, dict) or not eval_spec.get("model") or not eval_spec.get("task"):
        raise LogParseError("the Inspect log's `eval` section lacks `model` or `task`")
    return LogHeader(
        format=fmt,
        model_name=str(eval_spec["model"]),
        task_names=(str(eval_spec["task"]),),
        natural_id=str(eval_spec.get("eval_id") or ""),
    )


def sniff_json(path: Path) -> LogHeader:
    """Read only the `eval` section near the top of a `.json` log."""
    with path.open("rb") as file:
        head = file.read(_HEAD_BYTES)
    match = _EVAL_KEY.search(head)
    if match is None:
        raise LogParseError("the Inspect log has no `eval` section in its first megabyte")
    text = head[match.end() - 1 :].decode("utf-8", errors="replace")
    try:
        eval_spec, _ = json.JSONDecoder(parse_constant=lambda _: None).raw_decode(text)
    except ValueError as error:
        raise LogParseError(
            f"the Inspect log's `eval` section is not valid JSON: {error}"
        ) from None
    header = header_from_eval(eval_spec, LogFormat.INSPECT_JSON)
    try:
        _check_times(_top_level_sections(path))  # they come before the samples: cheap
    except ijson.JSONError as error:
        raise LogParseError(f"the Inspect log is not valid JSON (truncated?): {error}") from None
    return header


def sniff_eval(path: Path) -> LogHeader:
    with EvalZip(path) as archive:
        spec = _eval_zip_header(archive)
    header = header_from_eval(spec.get("eval"), LogFormat.INSPECT_EVAL)
    _check_times(spec)
    return header


def _check_times(top: dict[str, Any]) -> None:
    """At upload, so a time the database cannot hold is a 400 naming the field."""
    stats = top.get("stats")
    if isinstance(stats, dict):
        for key in ("started_at", "completed_at"):
            parse_time(stats.get(key), f"stats.{key}")


def _eval_zip_header(archive: EvalZip) -> dict[str, Any]:
    names = set(archive.names())
    if "header.json" in names:
        header = loads_lenient(archive.read("header.json", limit=HEADER_LIMIT), "header.json")
    elif "_journal/start.json" in names:
        start = archive.read("_journal/start.json", limit=HEADER_LIMIT)
        header = {**_mapping(loads_lenient(start, "start.json"), "start.json"), "status": "started"}
    else:
        raise LogParseError("the .eval file has neither header.json nor _journal/start.json")
    return _mapping(header, "header.json")


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise LogParseError(f"{what} is not a JSON object")
    return value


def _sample(raw: Any) -> ParsedSample:
    if not isinstance(raw, dict) or "id" not in raw or "epoch" not in raw:
        raise LogParseError("a sample lacks its `id` or `epoch`")
    scores = raw.get("scores") or {}
    if not isinstance(scores, dict):
        raise LogParseError(f"sample {raw['id']!r} has scores that are not a mapping")
    values = {}
    for name, score in scores.items():
        value = score.get("value") if isinstance(score, dict) else score
        if isinstance(value, dict):
            # A scorer that returns several values ({"solved": 1, "partial": 0.5}): each is
            # read as "scorer/key", which a suite names to score with it.
            for key, item in value.items():
                values[f"{name}/{key}"] = score_value(item)
        else:
            values[str(name)] = score_value(value)
    try:
        epoch = int(raw["epoch"])
    except (TypeError, ValueError):
        raise LogParseError(f"sample {raw['id']!r} has a non-numeric epoch") from None
    return ParsedSample(task=str(raw["id"]), epoch=epoch, values=values)


def _finish(header: LogHeader, top: dict[str, Any], samples: list[ParsedSample]) -> ParsedLog:
    eval_spec, plan, results, stats = (
        _mapping(top.get(key) or {}, f"`{key}`") for key in ("eval", "plan", "results", "stats")
    )
    config = _mapping(eval_spec.get("config") or {}, "`eval.config`")
    status = str(top.get("status") or "")
    if status not in _STATUSES:
        raise LogParseError(f"unknown Inspect log status {status!r}")
    headline = (results.get("headline") or {}).get("scorer")
    names = [s.get("name") for s in results.get("scores") or [] if isinstance(s, dict)]
    names += [s.get("name") for s in eval_spec.get("scorers") or [] if isinstance(s, dict)]
    score_names = _readable_score_names([headline, *names], samples)
    error = top.get("error") or {}
    dataset = eval_spec.get("dataset") if isinstance(eval_spec.get("dataset"), dict) else {}
    sample_ids = dataset.get("sample_ids")
    return ParsedLog(
        dataset_task_names=(
            tuple(str(sample_id) for sample_id in sample_ids)
            if isinstance(sample_ids, list) and sample_ids
            else None
        ),
        subset=_subset(config),
        header=header,
        status=LogStatus(status),
        started_at=parse_time(stats.get("started_at"), "stats.started_at"),
        completed_at=parse_time(stats.get("completed_at"), "stats.completed_at"),
        total_samples=results.get("total_samples"),
        completed_samples=results.get("completed_samples"),
        elicitation=nan_to_none(
            {
                "epochs": config.get("epochs"),
                "epochs_reducer": config.get("epochs_reducer"),
                "solver_plan": [
                    {"solver": step.get("solver"), "params": step.get("params") or {}}
                    for step in plan.get("steps") or []
                ],
                "generation_config": {
                    **(eval_spec.get("model_generate_config") or {}),
                    **(plan.get("config") or {}),
                },
                "model_args": eval_spec.get("model_args") or {},
                "task_args": eval_spec.get("task_args") or {},
                "sandbox": eval_spec.get("sandbox"),
                "limits": {
                    key: config.get(key)
                    for key in ("message_limit", "token_limit", "time_limit", "working_limit")
                    if config.get(key) is not None
                },
                "inspect_version": (eval_spec.get("packages") or {}).get("inspect_ai"),
            }
        ),
        score_names=score_names,
        samples=samples,
        error=str(error.get("message", "")) if isinstance(error, dict) else str(error),
    )


def _subset(config: dict[str, Any]) -> str:
    """Inspect's `--limit` and `--sample-id`, as the run page says them ("" for neither)."""
    parts = []
    limit = config.get("limit")
    if limit not in (None, "", []):
        parts.append(
            f"--limit {limit if not isinstance(limit, list) else ','.join(map(str, limit))}"
        )
    sample_id = config.get("sample_id")
    if sample_id not in (None, "", []):
        ids = sample_id if isinstance(sample_id, list) else [sample_id]
        parts.append(f"--sample-id {','.join(str(i) for i in ids)}")
    return " ".join(parts)


def _readable_score_names(declared: list, samples: list[ParsedSample]) -> list[str]:
    """The score names a suite can choose: those the samples carry a number for, the log's
    headline first. A scorer whose values are mappings is offered as its "scorer/key" parts."""
    declared = list(dict.fromkeys(str(name) for name in declared if name))
    if not samples:
        return declared
    readable = {}
    for sample in samples:
        for name, value in sample.values.items():
            if value is not None:
                readable[name] = True
    parts = [name for name in readable if "/" in name]
    ordered = [n for n in declared if n in readable]
    ordered += [p for d in declared for p in parts if p.startswith(f"{d}/")]
    return list(dict.fromkeys([*ordered, *readable]))


def parse_eval(path: Path) -> ParsedLog:
    with EvalZip(path) as archive:
        top = _eval_zip_header(archive)
        header = header_from_eval(top.get("eval"), LogFormat.INSPECT_EVAL)
        samples = [
            _sample(loads_lenient(archive.read(name), name))
            for name in archive.names()
            if name.startswith("samples/") and name.endswith(".json")
        ]
    return _finish(header, top, samples)


def parse_json(path: Path) -> ParsedLog:
    """Stream the log in two passes, never holding it whole: the top-level sections (which
    Inspect writes before `samples`), then one sample at a time."""
    try:
        top = _top_level_sections(path)
        if "eval" not in top:
            raise LogParseError("the Inspect log has no `eval` section")
        header = header_from_eval(top["eval"], LogFormat.INSPECT_JSON)
        with path.open("rb") as raw:
            samples = [
                _sample(item)
                for item in ijson.items(NaNAsNull(raw), "samples.item", use_float=True)
            ]
        if top.get("status") == LogStatus.ERROR and "error" not in top:
            with path.open("rb") as raw:
                top["error"] = next(ijson.items(NaNAsNull(raw), "error", use_float=True), "")
    except ijson.JSONError as error:
        raise LogParseError(f"the Inspect log is not valid JSON (truncated?): {error}") from None
    return _finish(header, top, samples)


def _top_level_sections(path: Path) -> dict[str, Any]:
    top: dict[str, Any] = {}
    building_key, builder = None, None
    with path.open("rb") as raw:
        for prefix, event, value in ijson.parse(NaNAsNull(raw), use_float=True):
            if builder is not None:
                builder.event(event, value)
                if prefix == building_key and event in ("end_map", "end_array"):
                    top[building_key] = builder.value
                    building_key, builder = None, None
            elif prefix == "" and event == "map_key" and value == "samples":
                break  # everything wanted comes before the samples
            elif prefix in _TOP_LEVEL:
                if event in ("start_map", "start_array"):
                    building_key, builder = prefix, ijson.ObjectBuilder()
                    builder.event(event, value)
                else:
                    top[prefix] = value
    return top
