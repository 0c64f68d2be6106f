"""lm-evaluation-harness output.

- `results_*.json` alone: task-level metrics only, keyed "metric,filter"; `higher_is_better`
  gives each metric's direction.
- Its output folder zipped (`results_<date>.json` with the `samples_<task>_<date>.jsonl` that
  `--log_samples` writes beside it): each doc is a task and its `repeats` are attempts, so
  k-of-n rules apply. A doc's metric judges its filtered responses: where the filter keeps
  several of the repeats (`take_first_k`, or none), the metric is read as the share of them
  that succeeded (pass@1), i.e. that many successes; a share that is no whole number of them is
  unreadable (missing, so the doc is undecided). Where the filter keeps one response
  (`take_first`, majority vote), the doc had one attempt.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from ..choices import LogFormat, LogStatus
from .base import (
    LogHeader,
    LogParseError,
    ParsedLog,
    ParsedSample,
    ParsedTask,
    loads_lenient,
    parse_time,
    score_value,
)
from .zipzstd import EvalZip

MAX_BYTES = 50 * 1024 * 1024  # results files are small; per-sample outputs live elsewhere
SAMPLES_LIMIT = 256 * 1024 * 1024  # one task's samples_*.jsonl, expanded
BUNDLE_LIMIT = 512 * 1024 * 1024  # what the members of a zipped output folder may expand to
_RESULTS = re.compile(r"results_(?P<date>.+)\.json")
_SHARE_TOLERANCE = 1e-6


def _checked(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise LogParseError("the lm-eval results file has no `results` mapping")
    for key in ("config", "configs", "higher_is_better", "n-samples", "n-shot"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise LogParseError(f"the lm-eval results file's `{key}` is not a mapping")
    return data


def _load(path: Path) -> dict[str, Any]:
    if path.stat().st_size > MAX_BYTES:
        raise LogParseError(f"an lm-eval results file over {MAX_BYTES:,} bytes is not plausible")
    return _checked(loads_lenient(path.read_bytes(), "the lm-eval results file"))


def _model_name(data: dict[str, Any]) -> str:
    config = data.get("config") or {}
    name = data.get("model_name") or ""
    if not name:
        for part in str(config.get("model_args") or "").split(","):
            key, _, value = part.partition("=")
            if key.strip() in ("pretrained", "model", "engine") and value:
                name = value.strip()
    return str(name or config.get("model") or "")


def _header(data: dict[str, Any], fmt: LogFormat) -> LogHeader:
    model = _model_name(data)
    if not model:
        raise LogParseError("the lm-eval results file names no model (model_name/config.model)")
    parse_time(data.get("date"), "date")  # at upload: a 400 naming the field
    return LogHeader(format=fmt, model_name=model, task_names=tuple(map(str, data["results"])))


def sniff(path: Path) -> LogHeader:
    return _header(_load(path), LogFormat.LM_EVAL)


def parse(path: Path) -> ParsedLog:
    data = _load(path)
    return _parsed(data, _header(data, LogFormat.LM_EVAL), {})


# The zipped output folder


class _Bundle:
    """A zipped lm-eval output folder: exactly one results file, and the samples files of the
    same run (same date stamp), by task."""

    def __init__(self, path: Path):
        self.zip = EvalZip(path)
        try:
            files = {
                PurePosixPath(name).name: name
                for name in self.zip.names()
                if not name.endswith("/") and not PurePosixPath(name).name.startswith(".")
            }
            results = sorted(base for base in files if _RESULTS.fullmatch(base))
            if len(results) != 1:
                found = ", ".join(results) or "none"
                raise LogParseError(
                    "a zipped lm-eval output folder holds exactly one results_*.json "
                    f"(one run per upload); this one holds {found}"
                )
            date = _RESULTS.fullmatch(results[0])["date"]
            self.results_member = files[results[0]]
            self.samples: dict[str, str] = {}
            suffix = f"_{date}.jsonl"
            for base, name in files.items():
                if not base.startswith("samples_") or not base.endswith(".jsonl"):
                    continue
                if not base.endswith(suffix):
                    raise LogParseError(
                        f"{base} is not from the run of {results[0]} (its date stamp differs)"
                    )
                self.samples[base.removeprefix("samples_").removesuffix(suffix)] = name
            members = [self.results_member, *self.samples.values()]
            expanded = sum(self.zip.size(name) for name in members)
            if expanded > BUNDLE_LIMIT:
                raise LogParseError(
                    f"the zipped lm-eval output expands to {expanded:,} bytes, over the "
                    f"{BUNDLE_LIMIT:,} allowed"
                )
        except BaseException:
            self.zip.close()
            raise

    def results(self) -> dict[str, Any]:
        data = self.zip.read(self.results_member, limit=MAX_BYTES)
        return _checked(loads_lenient(data, f"the lm-eval results file {self.results_member}"))

    def close(self) -> None:
        self.zip.close()


def is_bundle(names: list[str]) -> bool:
    """Whether a zip's member names look like an lm-eval output folder."""
    return any(_RESULTS.fullmatch(PurePosixPath(name).name) for name in names)


def sniff_bundle(path: Path) -> LogHeader:
    bundle = _Bundle(path)
    try:
        return _header(bundle.results(), LogFormat.LM_EVAL_SAMPLES)
    finally:
        bundle.close()


def parse_bundle(path: Path) -> ParsedLog:
    bundle = _Bundle(path)
    try:
        data = bundle.results()
        header = _header(data, LogFormat.LM_EVAL_SAMPLES)
        unknown = sorted(set(bundle.samples) - set(header.task_names))
        if unknown:
            raise LogParseError(
                f"samples of {', '.join(unknown)} are in the zip but not in its results file"
            )
        samples = {
            task: _read_jsonl(
                bundle.zip.read(member, limit=SAMPLES_LIMIT), PurePosixPath(member).name
            )
            for task, member in bundle.samples.items()
        }
        return _parsed(data, header, samples)
    finally:
        bundle.close()


def _read_jsonl(data: bytes, member: str) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        record = loads_lenient(line, f"{member} line {number}")
        if not isinstance(record, dict) or "doc_id" not in record:
            raise LogParseError(f"{member} line {number} is not an lm-eval sample (no doc_id)")
        if not isinstance(record.get("metrics"), list):
            raise LogParseError(f"{member} line {number} lists no `metrics`")
        yield record


# From results (and samples) to a parsed log


def _direction(value: float | None, higher_is_better: bool | None) -> float | None:
    """Metrics where lower is better (an error rate) are turned around, so every score reads
    "higher = more capable" like the thresholds' rules expect."""
    if value is None or higher_is_better is not False:
        return value
    return 1.0 - value if 0.0 <= value <= 1.0 else None


def _kept_responses(record: dict[str, Any], repeats: int) -> int:
    """How many of a doc's repeats its metric judged: all that the filter kept, when it kept a
    list of them; one otherwise."""
    filtered = record.get("filtered_resps")
    if (
        repeats > 1
        and isinstance(filtered, list)
        and len(filtered) == 1
        and isinstance(filtered[0], list)
        and 1 < len(filtered[0]) <= repeats
    ):
        return len(filtered[0])
    return 1


def _attempts(value: float | None, kept: int) -> list[float | None]:
    if kept == 1 or value is None:
        return [value]
    successes = value * kept
    if not 0.0 <= value <= 1.0 or abs(successes - round(successes)) > _SHARE_TOLERANCE:
        return [None] * kept  # not a share of the repeats: unreadable, so undecided
    return [1.0] * round(successes) + [0.0] * (kept - round(successes))


def _task_samples(
    task: str, records: Iterable[dict[str, Any]], repeats: int, directions: dict[str, Any]
) -> tuple[list[ParsedSample], list[str]]:
    """One lm-eval task's docs as tasks with attempts, and the score names they offer: each
    metric by name (its first filter), and as "metric,filter" where it has several filters."""
    by_doc: dict[str, dict[tuple[str, str], list[float | None]]] = defaultdict(dict)
    filters: dict[str, list[str]] = defaultdict(list)
    for record in records:
        doc, filter_name = str(record["doc_id"]), str(record.get("filter") or "none")
        kept = _kept_responses(record, repeats)
        for metric in map(str, record["metrics"]):
            if (metric, filter_name) in by_doc[doc]:
                raise LogParseError(
                    f"doc {doc} of {task} has two results for {metric} with filter {filter_name}"
                )
            value = _direction(score_value(record.get(metric)), directions.get(metric))
            by_doc[doc][(metric, filter_name)] = _attempts(value, kept)
            if filter_name not in filters[metric]:
                filters[metric].append(filter_name)
    names = [*filters, *(f"{m},{f}" for m, fs in filters.items() if len(fs) > 1 for f in fs)]
    samples = []
    for doc, results in by_doc.items():
        keyed: dict[str, list[float | None]] = {}
        for (metric, filter_name), attempts in results.items():
            if len(filters[metric]) > 1:
                keyed[f"{metric},{filter_name}"] = attempts
            if filter_name == filters[metric][0]:
                keyed[metric] = attempts
        for epoch in range(max(len(attempts) for attempts in keyed.values())):
            samples.append(
                ParsedSample(
                    task=f"{task}/{doc}",
                    epoch=epoch + 1,
                    values={
                        name: attempts[epoch] if epoch < len(attempts) else None
                        for name, attempts in keyed.items()
                    },
                    source_task=task,
                )
            )
    return samples, names


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _parsed(
    data: dict[str, Any], header: LogHeader, samples_by_task: dict[str, Iterable[dict[str, Any]]]
) -> ParsedLog:
    higher_is_better = data.get("higher_is_better") or {}
    configs = data.get("configs") or {}
    counts = data.get("n-samples") or {}
    tasks, samples, score_names, dataset, cut = [], [], [], [], []
    total = completed = 0
    for task, metrics in data["results"].items():
        if not isinstance(metrics, dict):
            raise LogParseError(f"results[{task!r}] is not a mapping of metrics")
        directions = higher_is_better.get(task)
        directions = directions if isinstance(directions, dict) else {}
        count = counts.get(task) if isinstance(counts.get(task), dict) else {}
        effective, original = _count(count.get("effective")), _count(count.get("original"))
        total += effective or 0
        if task in samples_by_task:
            config = configs.get(task) if isinstance(configs.get(task), dict) else {}
            repeats = _count(config.get("repeats")) or 1
            parsed, names = _task_samples(task, samples_by_task[task], repeats, directions)
            samples += parsed
            score_names += [name for name in names if name not in score_names]
            docs = {sample.task for sample in parsed}
            completed += len(docs)
            if original is not None:
                dataset += [f"{task}/{n}" for n in range(original)]
                if len(docs) < original:
                    cut.append(f"{len(docs)} of the {original} docs of {task}")
            continue
        completed += effective or 0
        values: dict[str, float | None] = {}
        for key, value in metrics.items():
            metric, comma, _ = key.partition(",")
            if not comma or metric.endswith("_stderr"):
                continue  # metrics are "metric,filter"; alias, name, sample_len are not
            if value is not None and not isinstance(value, int | float):
                continue  # e.g. "N/A"
            score = None if value is None else float(value)
            values.setdefault(metric, _direction(score, directions.get(metric)))
        tasks.append(ParsedTask(name=str(task), metrics=values))
    config = data.get("config") or {}
    repeats = {
        task: _count(config_.get("repeats")) or 1
        for task, config_ in configs.items()
        if isinstance(config_, dict) and task in samples_by_task
    }
    return ParsedLog(
        header=header,
        status=LogStatus.SUCCESS,
        started_at=parse_time(data.get("date"), "date"),
        completed_at=parse_time(data.get("date"), "date"),
        total_samples=total or None,
        completed_samples=completed or None,
        elicitation={
            "num_fewshot": data.get("n-shot") or {},
            "repeats": repeats,
            # Attempts per task, for the elicitation check: the fewest any task had.
            "attempts": min(repeats.values()) if repeats else None,
            "model": config.get("model"),
            "model_args": config.get("model_args"),
            "batch_size": config.get("batch_size"),
            "gen_kwargs": config.get("gen_kwargs"),
            "limit": config.get("limit"),
            "lm_eval_version": data.get("lm_eval_version") or data.get("git_hash"),
        },
        score_names=score_names,
        samples=samples,
        tasks=tasks,
        dataset_task_names=tuple(dataset) if dataset else None,
        subset=f"lm-eval ran {'; '.join(cut)}" if cut else "",
    )
