"""Durations as people read them, for the terminal, status and Discord alike."""


def duration(seconds: float) -> str:
    """The two largest non-zero units, e.g. '2d 3h', '15m 30s', '45s'."""
    remaining = max(0, round(seconds))
    parts = []
    for unit, unit_seconds in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        value, remaining = divmod(remaining, unit_seconds)
        if value:
            parts.append(f"{value}{unit}")
    return " ".join(parts[:2]) or "0s"
