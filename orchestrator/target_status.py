"""`status --targets FILE`: one row per target of a targets file, from what `status` reads for each
(status.py): its state, journal and the run holding its workdir. No call to OCI."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

from .humanize import timestamp
from .journal import Event
from .status import collect_status
from .targets import Target

# The journal's last run event, as the STATE column says it when no instance is in the state.
_ENDED = {Event.DESTROY: "destroyed", Event.STOP: "stopped", Event.GAVE_UP: "gave up", Event.INTERRUPTED: "interrupted"}
COLUMNS = ("TARGET", "STATE", "INSTANCE", "IP", "ATTEMPTS", "LAST", "NEXT ATTEMPT")


@dataclass(frozen=True)
class TargetRow:
    target: str
    state: str  # the instance's lifecycle state; without one, what the workdir's runs did
    instance_id: str | None
    public_ip: str | None
    attempts: int
    last_category: str | None  # of the latest attempt
    next_attempt_at: float | None  # while a retry waits
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
        )


def target_row(target: Target) -> TargetRow:
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


def rows_text(rows: list[TargetRow]) -> str:
    table = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(line[column]) for line in table) for column in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in table
    )


def rows_json(rows: list[TargetRow]) -> str:
    return json.dumps({"at": time.time(), "targets": [asdict(row) for row in rows]}, indent=2)
