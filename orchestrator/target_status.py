"""`status --targets FILE`: one row per target of a targets file, from what `status` reads for each
(status.py): its state, journal and the run holding its workdir; then, for a tenancy shared by
several targets, its LaunchInstance calls pooled as its shared budget counts them
(launch_budget.py, tenancy_gate.py). No call to OCI."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

from .humanize import timestamp
from .journal import Event
from .launch_budget import Pacing, calls_in_window, implied_per_day, journal_call_times
from .status import collect_status
from .targets import Target, tenancy_of

# The journal's last run event, as the STATE column says it when no instance is in the state.
_ENDED = {Event.DESTROY: "destroyed", Event.STOP: "stopped", Event.GAVE_UP: "gave up", Event.INTERRUPTED: "interrupted"}
COLUMNS = ("TARGET", "STATE", "INSTANCE", "IP", "ATTEMPTS", "LAST", "NEXT ATTEMPT", "CALLS 24H")


@dataclass(frozen=True)
class TargetRow:
    target: str
    state: str  # the instance's lifecycle state; without one, what the workdir's runs did
    instance_id: str | None
    public_ip: str | None
    attempts: int
    last_category: str | None  # of the latest attempt
    next_attempt_at: float | None  # while a retry waits
    calls_last_24h: int  # LaunchInstance calls of the last 24 hours (its journal's)
    workdir: str

    def cells(self) -> tuple[str, ...]:
        return (
            self.target,
            self.state,
            self.instance_id or "-",
            self.public_ip or "-",
            str(self.attempts),
            self.last_category or "-",
            timestamp(self.next_attempt_at) if self.next_attempt_at else "-",
            str(self.calls_last_24h),
        )


def target_row(target: Target, now: float) -> TargetRow:
    session = target.session
    status = collect_status(session.workdir, session.cloud, lambda: session.terraform)
    instance = status.instance
    return TargetRow(
        target=target.name,
        state=_state(status),
        instance_id=instance.id if instance else None,
        public_ip=instance.public_ip if instance else None,
        attempts=len(status.attempts),
        last_category=status.attempts[-1].get("category") if status.attempts else None,
        next_attempt_at=status.next_attempt_at,
        calls_last_24h=len(calls_in_window(journal_call_times(session.workdir.journal), now)),
        workdir=str(status.workdir),
    )


def _state(status) -> str:
    if status.instance is not None:
        return status.instance.lifecycle_state or "in state"
    if status.run is not None:
        return "waiting" if status.next_attempt_at else "trying"
    if status.last_run_event is not None:
        event = str(status.last_run_event.get("event"))
        return _ENDED.get(event, event)
    return "not started" if not status.exists else "no instance"


@dataclass(frozen=True)
class TenancyPacing:
    """One tenancy's targets and their LaunchInstance calls, pooled as their shared budget counts them."""

    tenancy: str
    targets: tuple[str, ...]
    pacing: Pacing  # the strictest budget and the shortest interval among the targets' settings

    def text(self) -> str:
        pooled = f"tenancy {self.tenancy}, shared by {', '.join(self.targets)}: {self.pacing.describe()}"
        take_turns = "for the whole tenancy: its targets take turns at its gate, one attempt at a time"
        return "\n".join([f"{pooled} {take_turns}", *(f"  warning: {w}" for w in self.pacing.warnings)])

    def to_dict(self) -> dict:
        return {"tenancy": self.tenancy, "targets": list(self.targets), **self.pacing.to_dict()}


def tenancy_pacing(targets: list[Target], now: float) -> list[TenancyPacing]:
    """Per tenancy, in the file's order: its targets' calls of the last 24 h, pooled."""
    by_tenancy: dict[str, list[Target]] = {}
    for target in targets:
        by_tenancy.setdefault(tenancy_of(target.session), []).append(target)
    return [_pooled(tenancy, members, now) for tenancy, members in by_tenancy.items()]


def _pooled(tenancy: str, members: list[Target], now: float) -> TenancyPacing:
    times = [ts for target in members for ts in journal_call_times(target.session.workdir.journal)]
    settings = [target.session.settings for target in members]
    budgets = [each.launch_budget_per_day for each in settings]
    budget = 0 if 0 in budgets else min(budgets)  # a target without a budget never waits for one
    interval = min(each.retry_interval_seconds for each in settings)  # the gate holds the tenancy this long
    pacing = Pacing(len(calls_in_window(times, now)), budget, interval, implied_per_day(interval))
    return TenancyPacing(tenancy, tuple(target.name for target in members), pacing)


def rows_text(rows: list[TargetRow], tenancies: list[TenancyPacing]) -> str:
    """The table; below it, each tenancy that several targets share (a lone target's row says it all)."""
    table = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(line[column]) for line in table) for column in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in table]
    shared = [tenancy.text() for tenancy in tenancies if len(tenancy.targets) > 1]
    return "\n".join(lines + ([""] + shared if shared else []))


def rows_json(rows: list[TargetRow], tenancies: list[TenancyPacing]) -> str:
    return json.dumps(
        {
            "at": time.time(),
            "targets": [asdict(row) for row in rows],
            "tenancies": [tenancy.to_dict() for tenancy in tenancies],
        },
        indent=2,
    )
