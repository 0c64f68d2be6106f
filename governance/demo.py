"""Demo data that other apps add to `seed_demo`, so the core command never imports them."""

from collections.abc import Callable

# Each seeder is idempotent and returns lines to print after the demo logins.
Seeder = Callable[[], list[str]]
_seeders: list[tuple[int, Seeder]] = []


def register_seeder(seeder: Seeder, *, order: int = 100) -> None:
    if all(existing is not seeder for _, existing in _seeders):
        _seeders.append((order, seeder))
        _seeders.sort(key=lambda item: item[0])


def run_seeders() -> list[str]:
    lines: list[str] = []
    for _, seeder in _seeders:
        lines += seeder()
    return lines
