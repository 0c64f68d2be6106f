"""lm-evaluation-harness `results_*.json`: task-level metrics only (per-sample outputs live in
separate files), keyed "metric,filter"; `higher_is_better` gives each metric's direction."""

from pathlib import Path
from typing import Any

from ..choices import LogFormat, LogStatus
from .base import LogHeader, LogParseError, ParsedLog, ParsedTask, loads_lenient, parse_time

MAX_BYTES = 50 * 1024 * 1024  # results files are small; per-sample outputs live elsewhere


def _load(path: Path) -> dict[str, Any]:
    if path.stat().st_size > MAX_BYTES:
        raise LogParseError(f"an lm-eval results file over {MAX_BYTES:,} bytes is not plausible")
    data = loads_lenient(path.read_bytes(), "the lm-eval results file")
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise LogParseError("the lm-eval results file has no `results` mapping")
    for key in ("config", "higher_is_better", "n-samples", "n-shot"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise LogParseError(f"the lm-eval results file's `{key}` is not a mapping")
    return data


def _model_name(data: dict[str, Any]) -> str:
    config = data.get("config") or {}
    name = data.get("model_name") or ""
    if not name:
        for part in str(config.get("model_args") or "").split(","):
            key, _, value = part.partition("=")
            if key.strip() in ("pretrained", "model", "engine") and value:
                name = value.strip()
    return str(name or config.get("model") or "")


def sniff(path: Path) -> LogHeader:
    data = _load(path)
    model = _model_name(data)
    if not model:
        raise LogParseError("the lm-eval results file names no model (model_name/config.model)")
    return LogHeader(
        format=LogFormat.LM_EVAL, model_name=model, task_names=tuple(map(str, data["results"]))
    )


def parse(path: Path) -> ParsedLog:
    data = _load(path)
    header = sniff(path)
    higher_is_better = data.get("higher_is_better") or {}
    tasks = []
    for task, metrics in data["results"].items():
        if not isinstance(metrics, dict):
            raise LogParseError(f"results[{task!r}] is not a mapping of metrics")
        values: dict[str, float | None] = {}
        for key, value in metrics.items():
            metric, comma, _ = key.partition(",")
            if not comma or metric.endswith("_stderr"):
                continue  # metrics are "metric,filter"; alias, name, sample_len are not
            if value is not None and not isinstance(value, int | float):
                continue  # e.g. "N/A"
            score = None if value is None else float(value)
            # Metrics where lower is better (an error rate) are turned around, so every
            # score reads "higher = more capable" like the thresholds' rules expect.
            directions = higher_is_better.get(task)
            if (
                score is not None
                and isinstance(directions, dict)
                and directions.get(metric) is False
            ):
                score = 1.0 - score if 0.0 <= score <= 1.0 else None
            values.setdefault(metric, score)
        tasks.append(ParsedTask(name=str(task), metrics=values))
    config = data.get("config") or {}
    samples = data.get("n-samples") or {}
    total = (
        sum(int(n.get("effective") or 0) for n in samples.values() if isinstance(n, dict)) or None
    )
    return ParsedLog(
        header=header,
        status=LogStatus.SUCCESS,
        started_at=parse_time(data.get("date")),
        completed_at=parse_time(data.get("date")),
        total_samples=total,
        completed_samples=total,
        elicitation={
            "num_fewshot": data.get("n-shot") or {},
            "model": config.get("model"),
            "model_args": config.get("model_args"),
            "batch_size": config.get("batch_size"),
            "gen_kwargs": config.get("gen_kwargs"),
            "limit": config.get("limit"),
            "lm_eval_version": data.get("lm_eval_version") or data.get("git_hash"),
        },
        tasks=tasks,
    )
