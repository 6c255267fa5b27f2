"""A period of the journal in a few lines: attempts by category, LaunchInstance calls against the
launch budget, the newest capacity report, the next attempt.

The loop sends it as the `digest` notification every DIGEST_INTERVAL_SECONDS (loop/digest.py);
`status` shows it for the last 24 hours. Everything comes from the journal, so a restart loses
nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .config import Settings
from .journal import Event
from .launch_budget import WINDOW_SECONDS, Pacing, launch_call_times
from .size import Size


@dataclass(frozen=True)
class Summary:
    since: float
    counts: dict[str, int]  # the period's attempts by category, most first
    pacing: Pacing
    capacity_report: str | None  # the newest capacity report's answers (CAPACITY_PROBE)
    next_attempt_at: float | None  # None: none is waited for (under way, or no run)

    @property
    def attempts(self) -> int:
        return sum(self.counts.values())

    def notify_fields(self) -> dict[str, Any]:
        """The `digest` notification's fields (notify/events.py)."""
        return {
            "since": self.since,
            "counts_per_category": self.counts,
            "calls_last_24h": self.pacing.calls,
            "budget": self.pacing.budget,
            "capacity_report": self.capacity_report,
            "next_attempt_at": self.next_attempt_at,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "by_category": self.counts,
            **self.pacing.to_dict(),
            "capacity_report": self.capacity_report,
        }

    def lines(self) -> list[str]:
        """For `status`: what the digest says of the last 24 hours (the run line has the next attempt)."""
        counts = ", ".join(f"{category} {count}" for category, count in self.counts.items())
        lines = [
            f"last 24 h:     {self.attempts} attempt(s)" + (f" ({counts})" if counts else ""),
            f"  launches:    {self.pacing.describe()}",
        ]
        lines += [f"  warning:     {warning}" for warning in self.pacing.warnings]
        if self.capacity_report:
            lines.append(f"  capacity:    the last capacity report: {self.capacity_report}")
        return lines


def summarize(
    entries: Iterable[Mapping[str, Any]],
    settings: Settings,
    *,
    since: float,
    now: float,
    next_attempt_at: float | None,
    call_times: Iterable[float] | None = None,
) -> Summary:
    """The journal's entries from `since` to `now`; the calls are counted over the last 24 hours,
    from `call_times` if given (a target of a targets file: its tenancy's), else the entries'."""
    entries = list(entries)
    counts = Counter(
        str(entry.get("category", "unknown"))
        for entry in entries
        if entry.get("event") == Event.ATTEMPT and since < entry["ts"] <= now
    )
    report = next((entry for entry in reversed(entries) if entry.get("event") == Event.CAPACITY_REPORT), None)
    return Summary(
        since=since,
        counts=dict(counts.most_common()),
        pacing=Pacing.of(settings, launch_call_times(entries) if call_times is None else call_times, now),
        capacity_report=None if report is None else capacity_answer(report),
        next_attempt_at=next_attempt_at,
    )


def capacity_answer(report: Mapping[str, Any]) -> str:
    """CAPACITY_PROBE's journaled report (run_events.capacity_reported) in a line: each AD's answer."""
    size = Size.from_spec(str(report.get("size"))) or report.get("size")
    availability = report.get("availability")
    if not isinstance(availability, dict):
        return f"{size}: not read ({report.get('error') or 'no answer'})"
    return f"{size}: " + ", ".join(f"{ad} {answer}" for ad, answer in availability.items())


def last_day(
    entries: Iterable[Mapping[str, Any]], settings: Settings, now: float, next_attempt_at: float | None
) -> Summary:
    """`status`'s summary: the last 24 hours."""
    return summarize(entries, settings, since=now - WINDOW_SECONDS, now=now, next_attempt_at=next_attempt_at)
