"""Read eval logs. The format is detected from the content, never trusted from a file name."""

import re
from pathlib import Path

from ..choices import LogFormat
from . import inspect_log, lm_eval, native
from .base import (
    LogHeader,
    LogParseError,
    ParsedLog,
    ParsedSample,
    ParsedTask,
    checked_for_storage,
)
from .zipzstd import EvalZip

__all__ = [
    "LogHeader",
    "LogParseError",
    "ParsedLog",
    "ParsedSample",
    "ParsedTask",
    "detect_format",
    "parse_log",
    "sniff_log",
]

_ZIP_MAGIC = b"PK\x03\x04"
_HEAD = 1 << 18


def detect_format(path: Path) -> LogFormat:
    with path.open("rb") as file:
        head = file.read(_HEAD)
    if head.startswith(_ZIP_MAGIC):
        return _zip_format(path)
    stripped = head.lstrip()
    if not stripped.startswith(b"{"):
        raise LogParseError(
            "unknown format: expected an Inspect AI log (.json or .eval), an "
            "lm-evaluation-harness results_*.json (or its output folder zipped, with the "
            "samples_*.jsonl of --log_samples), or native JSON (see the API schema)"
        )
    if re.search(rb'"eval_id"\s*:', head) and re.search(rb'"eval"\s*:', head):
        return LogFormat.INSPECT_JSON
    if re.search(rb'"format"\s*:\s*"native/v1"', head) or (
        re.search(rb'"run_id"\s*:', head) and re.search(rb'"tasks"\s*:', head)
    ):
        return LogFormat.NATIVE
    if re.search(rb'"results"\s*:', head) and re.search(
        rb'"(higher_is_better|n-shot|versions|configs)"\s*:', head
    ):
        return LogFormat.LM_EVAL
    raise LogParseError(
        "unknown format: this JSON is not an Inspect AI log, an lm-evaluation-harness "
        "results file, or native JSON (native/v1)"
    )


def _zip_format(path: Path) -> LogFormat:
    """A zip is an Inspect `.eval` log or a zipped lm-eval output folder, by its members."""
    with EvalZip(path) as bundle:
        names = bundle.names()
    inspect = "header.json" in names or any(name.startswith("_journal/") for name in names)
    if lm_eval.is_bundle(names) and not inspect:
        return LogFormat.LM_EVAL_SAMPLES
    return LogFormat.INSPECT_EVAL


_SNIFF = {
    LogFormat.INSPECT_JSON: inspect_log.sniff_json,
    LogFormat.INSPECT_EVAL: inspect_log.sniff_eval,
    LogFormat.LM_EVAL: lm_eval.sniff,
    LogFormat.LM_EVAL_SAMPLES: lm_eval.sniff_bundle,
    LogFormat.NATIVE: native.sniff,
}
_PARSE = {
    LogFormat.INSPECT_JSON: inspect_log.parse_json,
    LogFormat.INSPECT_EVAL: inspect_log.parse_eval,
    LogFormat.LM_EVAL: lm_eval.parse,
    LogFormat.LM_EVAL_SAMPLES: lm_eval.parse_bundle,
    LogFormat.NATIVE: native.parse,
}


def sniff_log(path: Path) -> LogHeader:
    """The cheap read done at upload: format, model name, task names, natural id."""
    try:
        return _SNIFF[detect_format(path)](path)
    except RecursionError:
        raise LogParseError("the log is nested too deeply to read") from None


def parse_log(path: Path, fmt: LogFormat) -> ParsedLog:
    """The whole log, checked to be storable (see `checked_for_storage`)."""
    try:
        return checked_for_storage(_PARSE[LogFormat(fmt)](path))
    except RecursionError:
        raise LogParseError("the log is nested too deeply to read") from None
