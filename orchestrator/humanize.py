"""Durations and times as people read them, for the terminal, status and Discord alike."""

import time


def timestamp(ts: float) -> str:
    """The one way a moment is shown to people: local time with its zone, e.g. '2026-12-07 18:41:16 UTC'."""
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(ts))


def duration(seconds: float) -> str:
    """The two largest non-zero units, e.g. '2d 3h', '15m 30s', '45s'."""
    remaining = max(0, round(seconds))
    parts = []
    for unit, unit_seconds in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        value, remaining = divmod(remaining, unit_seconds)
        if value:
            parts.append(f"{value}{unit}")
    return " ".join(parts[:2]) or "0s"
