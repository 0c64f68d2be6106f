"""Reading a trajectory dict safely, and saying its numbers in words.

The dict comes from the database (a stored quarterly report) or from a builder that may change:
anything unexpected reads as None or "", never as an exception, and every text is cleared of the
characters XML cannot hold (names are typed by people)."""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass
from typing import Any

# Estimated advance of one character, in font sizes: text is laid out without font metrics so
# the SVG and the PDF place it the same way.
CHAR = 0.56
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def text_of(value: Any, limit: int = 300) -> str:
    if value is None:
        return ""
    text = _NOT_XML.sub("", str(value)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number_of(value: Any) -> float | None:
    if type(value) is float:  # the usual case, first
        return value if math.isfinite(value) else None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def positive_of(value: Any) -> float | None:
    number = number_of(value)
    return number if number is not None and number > 0 else None


def dict_of(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def list_of(value: Any) -> list:
    return value if isinstance(value, list | tuple) else []


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def sci(compute: float) -> str:
    """3e25 -> "3.0e25"."""
    mantissa, _, exponent = f"{compute:.1e}".partition("e")
    return f"{mantissa}e{int(exponent)}"


def pct(value: float) -> str:
    return f"{value * 100:.3g}%"


def value_text(value: float, fraction: bool) -> str:
    return pct(value) if fraction else f"{value:.3g}"


def multiple_text(value: float) -> str:
    return f"{value:.2g}×" if value < 100 else f"{value:,.0f}×"


def width_of(text: str, size: float) -> float:
    return len(text) * CHAR * size


def wrap(text: str, width: float, size: float) -> tuple[str, ...]:
    return tuple(textwrap.wrap(text, max(20, int(width / (CHAR * size))))) or ("",)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


def css_word(value: Any) -> str:
    """An outcome or level name as it may appear in a class name."""
    return re.sub(r"[^a-z0-9-]", "", str(value or "").lower()) or "unknown"


def chart_heading(trajectory: dict) -> str:
    """ "Claude-Next — ARA": the heading a page or the PDF gives a chart."""
    trajectory = dict_of(trajectory)
    model = text_of(dict_of(trajectory.get("model")).get("name")) or "Model"
    code = text_of(dict_of(trajectory.get("threshold")).get("code")) or "threshold"
    return f"{model} — {code}"


def threshold_words(trajectory: dict) -> str:
    """ "Autonomous replication and adaptation (Anthropic Responsible Scaling Policy v1.0)"."""
    threshold = dict_of(dict_of(trajectory).get("threshold"))
    name, version = text_of(threshold.get("name")), text_of(threshold.get("version"))
    return f"{name} ({version})" if name and version else name or version


def phrase(measure: str, fraction: bool) -> tuple[str, str]:
    """What goes before and after a value in words: ("", " of tasks passed") for "Fraction of
    tasks passed" (42% of tasks passed); ("Accuracy ", "") otherwise."""
    for prefix in ("fraction of ", "share of ", "proportion of "):
        if fraction and measure.lower().startswith(prefix):
            return "", f" of {measure[len(prefix) :]}"
    return f"{measure or 'Value'} ", ""


@dataclass(frozen=True)
class ForecastWords:
    status: str
    message: str
    # One sentence per level: where the fit puts it, and its multiple of the latest snapshot.
    levels: tuple[str, ...]
    fit: str

    @property
    def sentences(self) -> list[str]:
        # A forecast's own message sums up its levels, which the level sentences give in full.
        message = "" if self.status == "forecast" and self.levels else self.message
        return [text for text in (message, *self.levels, self.fit) if text]


def _level_sentence(level: dict, fraction: bool) -> str:
    name = text_of(level.get("name"), 40) or "level"
    value, compute = number_of(level.get("value")), positive_of(level.get("compute"))
    if compute is None:
        return ""
    words = f"{name.capitalize()} level"
    if value is not None:
        words += f" {value_text(value, fraction)}"
    low, high = positive_of(level.get("compute_low")), positive_of(level.get("compute_high"))
    where = f"about {sci(compute)} FLOP"
    if low is not None and high is not None:
        where += f" (band {sci(low)} to {sci(high)})"
    if level.get("reached") is True:
        sentence = f"{words}: already reached by the fit's central estimate, {where}"
    else:
        sentence = f"{words}: reached at {where}"
    multiple = positive_of(level.get("multiple"))
    if multiple is not None:
        sentence += f", {multiple_text(multiple)} the latest snapshot"
        m_low, m_high = (
            positive_of(level.get("multiple_low")),
            positive_of(level.get("multiple_high")),
        )
        if m_low is not None and m_high is not None:
            sentence += f" ({multiple_text(m_low)} to {multiple_text(m_high)})"
    return sentence + "."


def _buffer_sentence(level: dict, buffer_multiple: float | None) -> str:
    """Whether the crossing falls within the safety buffer: by the central estimate, or only by
    the low end of its band (it could come that early)."""
    multiple = positive_of(level.get("multiple"))
    if level.get("name") != "crossing" or level.get("reached") is True:
        return ""  # an already reached crossing is said as such
    if not buffer_multiple or multiple is None:
        return ""
    buffer = multiple_text(buffer_multiple)
    if multiple <= buffer_multiple:
        return f"The forecast puts the crossing within the {buffer} safety buffer."
    low = positive_of(level.get("multiple_low"))
    if low is not None and low <= buffer_multiple:
        return f"The low end of the band puts the crossing within the {buffer} safety buffer."
    return ""


def forecast_words(
    forecast: Any, *, fraction: bool, buffer_multiple: float | None
) -> ForecastWords:
    """The forecast dict (evals/forecast.py) in words: its own message, then for a forecast each
    level's compute and multiple, whether the crossing is within the buffer, and the fit."""
    forecast = dict_of(forecast)
    if not forecast:
        return ForecastWords("", "No forecast was made.", (), "")
    status = text_of(forecast.get("status"), 40)
    message = text_of(forecast.get("message"), 600)
    if status != "forecast":
        return ForecastWords(
            status, message or "No forecast: the evaluations do not support one.", (), ""
        )
    levels: list[str] = []
    for level in list_of(forecast.get("levels")):
        level = dict_of(level)
        levels += [
            s
            for s in (_level_sentence(level, fraction), _buffer_sentence(level, buffer_multiple))
            if s
        ]
    band = text_of(forecast.get("band"), 200)
    fit = f"Logistic fit in log10 compute, band {band}" if band else "Logistic fit in log10 compute"
    r_squared = number_of(forecast.get("r_squared"))
    if r_squared is not None:
        fit += f", R² {r_squared:.2f}"
    used = number_of(forecast.get("points_used"))
    if used is not None:
        fit += f", over {int(used)} evaluations"
    return ForecastWords(status, message, tuple(levels), fit + ".")
