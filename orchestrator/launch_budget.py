"""The launch budget against bans: LaunchInstance calls in any sliding 24 hours, counted from
call times, and when the next call may be made (LAUNCH_BUDGET_PER_DAY).

The counting takes plain timestamps, so the calls of several workdirs of one tenancy pool
(tenancy_gate.py, target_status.py); `launch_call_times` reads them from one workdir's journal, so
a restart does not reset the count. `Pacing` is what `doctor` and `status` show: the calls made, the budget, and what the
interval settings imply.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Settings
from .journal import Event, Journal
from .operation import Kind

WINDOW_SECONDS = 24 * 3600
# Users report accounts disabled after days at 2-minute intervals; every minute is "probably bannable".
SAFE_INTERVAL_SECONDS = 60


def launch_call_times(entries: Iterable[Mapping[str, Any]]) -> list[float]:
    """When the journal's launch attempts were recorded: each made at most one LaunchInstance call
    (a start or a resize makes other calls). Journals older than the `operation` field hold only launches."""
    return [
        entry["ts"]
        for entry in entries
        if entry.get("event") == Event.ATTEMPT and entry.get("operation", Kind.LAUNCH) == Kind.LAUNCH
    ]


def journal_call_times(path: Path) -> list[float]:
    """launch_call_times of the journal at `path` (none if it does not exist yet)."""
    return launch_call_times(Journal(path).entries())


def calls_in_window(times: Iterable[float], now: float) -> list[float]:
    """The calls of the last 24 hours, oldest first; a time ahead of `now` (a clock set back)
    counts as made now, so no wait is ever longer than the window."""
    return sorted(min(ts, now) for ts in times if ts > now - WINDOW_SECONDS)


def next_slot(times: Iterable[float], now: float, per_day: int) -> float | None:
    """When the next call fits in the budget: None if it fits now (or per_day is 0, no budget),
    else the moment enough of the window's calls have left it."""
    if not per_day:
        return None
    recent = calls_in_window(times, now)
    if len(recent) < per_day:
        return None
    return recent[len(recent) - per_day] + WINDOW_SECONDS


def implied_per_day(interval_seconds: int) -> int | None:
    """Calls a day the capacity interval allows (attempts rotate over the ADs and sizes, one
    interval apart); None for no interval: as many as Terraform can make."""
    return math.ceil(WINDOW_SECONDS / interval_seconds) if interval_seconds else None


@dataclass(frozen=True)
class Pacing:
    """The calls of the last 24 hours beside the budget and what the settings imply."""

    calls: int  # LaunchInstance calls in the last 24 hours
    budget: int  # LAUNCH_BUDGET_PER_DAY; 0: no budget
    interval: int  # RETRY_INTERVAL_SECONDS
    implied: int | None  # calls a day the interval allows; None: no limit

    @classmethod
    def of(cls, settings: Settings, times: Iterable[float], now: float) -> Pacing:
        interval = settings.retry_interval_seconds
        return cls(
            len(calls_in_window(times, now)), settings.launch_budget_per_day, interval, implied_per_day(interval)
        )

    @property
    def warnings(self) -> list[str]:
        warnings = []
        if self.interval < SAFE_INTERVAL_SECONDS:
            warnings.append(
                f"RETRY_INTERVAL_SECONDS={self.interval} is under {SAFE_INTERVAL_SECONDS} s: users report "
                "accounts disabled after days at 2-minute intervals"
            )
        if self.budget and (self.implied is None or self.implied > self.budget):
            allowed = "no limit" if self.implied is None else f"{self.implied} a day"
            warnings.append(
                f"RETRY_INTERVAL_SECONDS={self.interval} allows more calls than LAUNCH_BUDGET_PER_DAY={self.budget} "
                f"({allowed}): the loop waits for the budget"
            )
        return warnings

    def describe(self) -> str:
        budget = f"of LAUNCH_BUDGET_PER_DAY={self.budget}" if self.budget else "(LAUNCH_BUDGET_PER_DAY=0: no budget)"
        return (
            f"{self.calls} LaunchInstance call(s) in the last 24 h {budget}; "
            f"RETRY_INTERVAL_SECONDS={self.interval} implies {self._implied_text}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls_last_24h": self.calls,
            "budget_per_day": self.budget,
            "retry_interval_seconds": self.interval,
            "implied_per_day": self.implied,
            "warnings": self.warnings,
        }

    @property
    def _implied_text(self) -> str:
        return "no limit (as fast as Terraform runs)" if self.implied is None else f"{self.implied} calls a day"
