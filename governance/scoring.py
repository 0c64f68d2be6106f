"""A capability threshold's scoring rule, as a plain value: how per-task attempts become a pass,
how passes become one number, and where the warning and crossing lines are."""

from dataclasses import dataclass

from .choices import ScoreAggregate, ScoreDirection


@dataclass(frozen=True)
class ScoringRule:
    aggregate: ScoreAggregate
    direction: ScoreDirection
    crossing_level: float
    warning_level: float | None = None
    min_successes: int | None = None
    attempts: int | None = None

    def describe(self) -> str:
        """The rule in one sentence, for pages and reports."""
        compare = ">=" if self.direction == ScoreDirection.HIGHER else "<="
        parts = []
        if self.min_successes is not None and self.attempts is not None:
            parts.append(
                f"a task passes with at least {self.min_successes} success"
                f"{'es' if self.min_successes != 1 else ''} in {self.attempts} attempts"
            )
        measure = ScoreAggregate(self.aggregate).label.lower()
        if self.warning_level is not None:
            parts.append(f"warning at {measure} {compare} {_percent(self.warning_level)}")
        parts.append(f"crossed at {measure} {compare} {_percent(self.crossing_level)}")
        text = "; ".join(parts)
        return text[0].upper() + text[1:] + "."


def _percent(value: float) -> str:
    return f"{value * 100:g}%"
