"""Reading framework files: parse YAML or JSON, validate against the schema and the
cross-references, and say exactly what is wrong (file, field, why) when a file is invalid."""

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .choices import ScoreAggregate, ScoreDirection, ThresholdKind

FRAMEWORKS_DIR = Path(__file__).resolve().parent / "frameworks"
SCHEMA_PATH = FRAMEWORKS_DIR / "schema.json"
_VALIDATOR = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


class FrameworkFileError(ValueError):
    """An invalid framework file; the message names the file, the field and why."""

    def __init__(self, file: str, field: str, reason: str):
        self.file, self.field, self.reason = file, field, reason
        super().__init__(f"{file}: {field}: {reason}")


@dataclass(frozen=True)
class FrameworkFile:
    name: str
    document: dict[str, Any]
    sha256: str

    @property
    def slug(self) -> str:
        return self.document["framework"]["slug"]

    @property
    def version(self) -> str:
        return self.document["version"]


def shipped_framework_files() -> list[Path]:
    return sorted(
        path
        for path in FRAMEWORKS_DIR.iterdir()
        if path.suffix in {".yaml", ".yml", ".json"} and path != SCHEMA_PATH
    )


def _plain(name: str, value: Any, path: str = "") -> Any:
    """YAML turns unquoted dates into date objects (the schema expects ISO strings) and reads
    .nan/.inf as numbers, which no field may hold."""
    if isinstance(value, dict):
        return {
            key: _plain(name, item, f"{path}.{key}" if path else str(key))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_plain(name, item, f"{path}[{n}]") for n, item in enumerate(value)]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        raise FrameworkFileError(name, path or "(document)", "must be a finite number")
    return value


def _field_path(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def parse_framework_file(name: str, content: bytes) -> FrameworkFile:
    """Parse and validate one file's content. Raises FrameworkFileError on the first problem."""
    try:
        if name.endswith(".json"):
            data = json.loads(content)
        else:
            data = yaml.safe_load(content)
    except (ValueError, yaml.YAMLError) as error:
        raise FrameworkFileError(name, "(file)", f"not valid YAML/JSON: {error}") from None
    # JSON's NaN/Infinity too.
    if not isinstance(data, dict):
        raise FrameworkFileError(name, "(document)", "must be a mapping of fields")
    data = _plain(name, data)
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(data))
    if error is not None:
        raise FrameworkFileError(name, _field_path(error.absolute_path), error.message)
    _check_references(name, data)
    return FrameworkFile(name=name, document=data, sha256=hashlib.sha256(content).hexdigest())


def read_framework_file(path: Path) -> FrameworkFile:
    try:
        content = path.read_bytes()
    except OSError as error:
        raise FrameworkFileError(str(path), "(file)", error.strerror or str(error)) from None
    return parse_framework_file(path.name, content)


def _unique(name: str, items: list[dict], key: str, where: str) -> set[str]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item[key] in seen:
            raise FrameworkFileError(
                name, f"{where}[{index}].{key}", f"{item[key]!r} appears more than once"
            )
        seen.add(item[key])
    return seen


def _check_references(name: str, data: dict) -> None:
    """What a schema cannot say: codes unique, references resolve, levels in order."""
    if data.get("supersedes") == data["version"]:
        raise FrameworkFileError(name, "supersedes", "a version cannot supersede itself")
    try:
        dt.date.fromisoformat(data["effective_date"])
    except ValueError:
        raise FrameworkFileError(name, "effective_date", "not a real date") from None
    levels = _unique(name, data["levels"], "code", "levels")
    safeguards = data.get("safeguards", [])
    safeguard_codes = _unique(name, safeguards, "code", "safeguards")
    for index, safeguard in enumerate(safeguards):
        where = f"safeguards[{index}]"
        if safeguard.get("level") and safeguard["level"] not in levels:
            raise FrameworkFileError(
                name, f"{where}.level", f"unknown level {safeguard['level']!r}"
            )
        _unique(name, safeguard.get("criteria", []), "code", f"{where}.criteria")
    _unique(name, data["thresholds"], "code", "thresholds")
    for index, threshold in enumerate(data["thresholds"]):
        _check_threshold(name, f"thresholds[{index}]", threshold, levels, safeguard_codes)
    for index, cadence in enumerate(data.get("cadence", [])):
        if cadence.get("compute_multiple") is None and cadence.get("months") is None:
            raise FrameworkFileError(
                name, f"cadence[{index}]", "give a compute_multiple, months, or both"
            )
    _unique(name, data.get("governance", []), "decision", "governance")


def _check_threshold(name, where, threshold, levels, safeguard_codes) -> None:
    if threshold.get("required_level") and threshold["required_level"] not in levels:
        raise FrameworkFileError(
            name, f"{where}.required_level", f"unknown level {threshold['required_level']!r}"
        )
    for code in threshold.get("required_safeguards", []):
        if code not in safeguard_codes:
            raise FrameworkFileError(
                name, f"{where}.required_safeguards", f"unknown safeguard standard {code!r}"
            )
    scoring = threshold.get("scoring")
    if not scoring:
        return
    if threshold["kind"] == ThresholdKind.ONGOING_ASSESSMENT:
        raise FrameworkFileError(
            name, f"{where}.scoring", "an ongoing assessment has no crossing rule"
        )
    check_scoring(name, f"{where}.scoring", scoring)


_SCORING_VALIDATOR = jsonschema.Draft202012Validator(
    {**_VALIDATOR.schema["$defs"]["scoring"], "$defs": _VALIDATOR.schema["$defs"]}
)


def validate_scoring(scoring: Any, where: str = "scoring") -> dict[str, Any]:
    """A scoring rule given on its own (an eval suite's override), checked like one in a file."""
    error = jsonschema.exceptions.best_match(_SCORING_VALIDATOR.iter_errors(scoring))
    if error is not None:
        field = _field_path(error.absolute_path)
        raise FrameworkFileError(where, field if field != "(document)" else "", error.message)
    check_scoring(where, "", scoring)
    return scoring


def check_scoring(name: str, where: str, scoring: dict[str, Any]) -> None:
    """What the schema cannot say about a scoring rule."""
    prefix = f"{where}." if where else ""
    task_pass = scoring.get("task_pass")
    if scoring["aggregate"] == ScoreAggregate.FRACTION_OF_TASKS_PASSED and not task_pass:
        raise FrameworkFileError(
            name, f"{prefix}task_pass", "fraction_of_tasks_passed needs a per-task pass rule"
        )
    if task_pass and task_pass["min_successes"] > task_pass["attempts"]:
        raise FrameworkFileError(name, f"{prefix}task_pass.min_successes", "cannot exceed attempts")
    warning = scoring.get("warning_level")
    crossing = scoring["crossing_level"]
    if warning is not None:
        higher = scoring.get("direction", ScoreDirection.HIGHER) == ScoreDirection.HIGHER
        if (higher and warning >= crossing) or (not higher and warning <= crossing):
            raise FrameworkFileError(
                name,
                f"{prefix}warning_level",
                "the warning level must trip before the crossing level "
                f"({'below' if higher else 'above'} {crossing})",
            )
