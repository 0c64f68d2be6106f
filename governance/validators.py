"""Field validators shared by the apps' models (and named by their migrations)."""

import math

from django.core.exceptions import ValidationError


def validate_finite(value: float) -> None:
    if value is not None and not math.isfinite(value):
        raise ValidationError("Enter a finite number of FLOP.")
