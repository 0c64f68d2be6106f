"""Setting fields from a service's keyword arguments, the same way everywhere."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError


def refuse_unknown(changes: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})


def apply_changes(instance, changes: dict[str, Any], allowed: Iterable[str]) -> list[str]:
    """Set the allowed fields that differ; returns their names. Unknown fields are refused."""
    refuse_unknown(changes, allowed)
    changed = [name for name, value in changes.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, changes[name])
    return changed
