"""`coinpilot-tf status`: what the workdir's state and journal say, and the instance's reclaim risk.

Text for people (with a per-hour timeline of attempts) or one JSON object for scripts. The one
call to OCI is the reclaim-risk reading from Monitoring; it never fails the command. Nothing is
written to the workdir.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .capacity_agreement import Agreement, agreement
from .cloud import OCI_LABEL, Cloud
from .config import Settings
from .digest import Summary, last_day
from .engine.runner import Terraform
from .engine.state import Kept, state_contents
from .errors import ToolError
from .failures import AttemptOutcome
from .humanize import duration, timestamp
from .instance import Instance
from .journal import ONCE_SWEPT, Event, Journal
from .lock import LOOPING_COMMANDS, Holder, holder, stale_holder
from .operation import STOPPED_STATES
from .reclaim import ReclaimRisk
from .workdir import Workdir

# One mark per attempt in the timeline. Letters for the categories that keep the loop going,
# symbols for the endings, so a row reads at a glance.
TIMELINE_MARKS = {
    AttemptOutcome.SUCCESS: "*",
    "capacity": "c",
    "throttle": "t",
    "transient": "r",
    "limit": "l",
    "unavailable": "u",
    "uncertain": "?",
    "unknown": "x",
    "auth": "A",
    "invalid": "I",
    "locked": "L",
    "state_write": "S",
    "backend": "B",
    AttemptOutcome.INTERRUPTED: "!",
}
TIMELINE_WIDTH = 60  # marks per row; busier hours are scaled down
TIMELINE_HOURS = 24  # rows shown on a terminal; --json has them all
# The journal's lifecycle events (plus 'won', a successful attempt), as the user reads them.
WON = "won"
RUN_EVENTS = {
    Event.START: "a retry started (and recorded no end)",
    WON: "a retry won the instance",
    Event.STOP: "a retry stopped",
    Event.GAVE_UP: "a retry gave up",
    Event.INTERRUPTED: "a retry was interrupted",
    Event.ALREADY_WON: "a retry found the instance already in state",
    Event.KEPT: "a retry kept the instance an unfinished launch had created",
    Event.ADOPTED: "a retry adopted our instance found in the compartment",
    Event.DESTROY: "the instance was destroyed",
    Event.DESTROY_FAILED: "destroy failed",
    Event.INSTANCE_STOPPED: "a retry found the instance stopped (by OCI or a user) and is starting it",
    Event.STARTED: "a retry started the stopped instance",
    Event.GROWN: "grow resized the instance",
    Event.INSTANCE_GONE: "a retry found the instance terminated (by OCI or a user) and launched a new one",
    Event.REFUSED: "a plan that would have replaced the instance was refused",
}
# The instance's fields --json shows as they are (beside id, name, created_at, tainted).
_INSTANCE_FIELDS = (
    "lifecycle_state",
    "shape",
    "ocpus",
    "memory_gbs",
    "availability_domain",
    "public_ip",
    "private_ip",
)


@dataclass(frozen=True)
class Status:
    workdir: Path
    exists: bool
    cloud_label: str
    cloud_fields: dict[str, Any]  # the cloud's own facts for --json
    instance: Instance | None
    attempts: list[dict[str, Any]]  # the journal's attempt entries, oldest first
    last_run_event: dict[str, Any] | None
    last_destroy: dict[str, Any] | None
    run: Holder | None  # the live run holding the workdir
    next_attempt_at: float | None  # only while a retry holds the workdir and waits
    journal_damaged: int = 0  # journal lines skipped: cut short or edited
    state_problem: str | None = None  # why the state could not be read (the rest is still shown)
    state_backend: str = "local"  # where the instance was read from; the journal is always this workdir's
    state_since: float | None = None  # since when the instance is in its lifecycle state, if known
    lost: dict[str, Any] | None = None  # the journal's latest instance_gone entry
    reclaim: ReclaimRisk | None = None  # None when there is no running instance to ask about
    last_day: Summary | None = None  # the digest of the last 24 h (None: without the settings)
    capacity: Agreement | None = None  # CAPACITY_PROBE's reports against the launches
    kept: tuple[Kept, ...] = ()  # what the state keeps beside the instance (NETWORK=create, PUBLIC_IP=reserved)
    stale_run: Holder | None = None  # run.lock names a run that is not running any more

    @property
    def last_failure(self) -> dict[str, Any] | None:
        return next(
            (
                entry
                for entry in reversed(self.attempts)
                if entry.get("category") not in (AttemptOutcome.SUCCESS, AttemptOutcome.INTERRUPTED)
            ),
            None,
        )

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(entry.get("category", "unknown") for entry in self.attempts).most_common())

    def to_dict(self) -> dict[str, Any]:
        return {
            "workdir": str(self.workdir),
            "workdir_exists": self.exists,
            "journal_damaged_lines": self.journal_damaged,
            "state_problem": self.state_problem,
            **self.cloud_fields,
            "state_backend": self.state_backend,
            "journal": str(self.workdir / "journal.jsonl"),
            "instance": self._instance_dict(),
            "destroyed": None
            if self.instance is not None or not self.last_destroy
            else {"instance_id": self.last_destroy.get("instance_id"), "at": _iso(self.last_destroy["ts"])},
            "terminated": None
            if self.lost is None
            else {
                "instance_id": self.lost.get("instance_id"),
                "lifecycle_state": self.lost.get("lifecycle_state"),
                "found_at": _iso(self.lost["ts"]),
            },
            "reclaim_risk": None if self.reclaim is None else self.reclaim.to_dict(),
            "kept": [asdict(item) for item in self.kept],
            "attempts": self._attempts_dict(),
            "last_24h": None if self.last_day is None else self.last_day.to_dict(),
            "capacity_reports": None if self.capacity is None else self.capacity.to_dict(),
            "last_run_event": None
            if self.last_run_event is None
            else {
                "event": self.last_run_event["event"],
                "at": _iso(self.last_run_event["ts"]),
                "reason": self.last_run_event.get("reason"),
            },
            "run": {
                "active": self.run is not None,
                "stale_lock_pid": self.stale_run.pid if self.stale_run else None,
                "pid": self.run.pid if self.run else None,
                "command": self.run.command if self.run else None,
                "since": self.run.started if self.run else None,
                "next_attempt_at": _iso(self.next_attempt_at),
            },
            "timeline": [
                {"hour": _iso(hour.timestamp()), "counts": dict(Counter(categories))}
                for hour, categories in hourly(self.attempts, UTC)
            ],
        }

    def _instance_dict(self) -> dict[str, Any] | None:
        if self.instance is None:
            return None
        return {
            "id": self.instance.id,
            "name": self.instance.display_name,
            **{name: getattr(self.instance, name) for name in _INSTANCE_FIELDS},
            "created_at": _iso(_created_at(self.instance)),
            "tainted": self.instance.tainted,
            "state_since": _iso(self.state_since),
        }

    def _attempts_dict(self) -> dict[str, Any]:
        failure = self.last_failure
        return {
            "total": len(self.attempts),
            "by_category": self.counts,
            "first_at": _iso(self.attempts[0]["ts"]) if self.attempts else None,
            "last_at": _iso(self.attempts[-1]["ts"]) if self.attempts else None,
            "last_failure": None
            if failure is None
            else {
                "attempt": failure.get("attempt"),
                "at": _iso(failure["ts"]),
                "category": failure.get("category"),
                "status": failure.get("status"),
                "code": failure.get("code"),
                "message": failure.get("message"),
                "request_id": failure.get("request_id"),
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def to_text(self) -> str:
        now = time.time()
        lines = [
            f"workdir:       {self.workdir}"
            + ("" if self.exists else " (does not exist yet)")
            + (f" ({self.cloud_label})" if self.cloud_label != OCI_LABEL else "")
        ]
        lines += self._instance_lines(now)
        lines += kept_lines(self.kept)
        if self.state_backend != "local":
            lines.append(
                f"state:         shared, in the {self.state_backend} backend; the attempts below are this "
                "machine's only (its journal.jsonl stays local)"
            )
        lines += self._attempt_lines(now)
        lines += self.last_day.lines() if self.last_day else []
        if self.capacity is not None and self.capacity.line():
            lines.append(self.capacity.line())
        if self.journal_damaged:
            lines.append(f"journal:       {self.journal_damaged} damaged line(s) skipped (cut short or edited)")
        lines += self._run_lines(now)
        lines += timeline_lines(self.attempts)
        return "\n".join(lines)

    def _instance_lines(self, now: float) -> list[str]:
        instance = self.instance
        if self.state_problem:
            return [f"instance:      unknown: {self.state_problem}"]
        if instance is None:
            if self.lost and (not self.last_destroy or self.lost["ts"] > self.last_destroy["ts"]):
                return [
                    (
                        f"instance:      none in state ({self.lost.get('instance_id')} was found "
                        f"{str(self.lost.get('lifecycle_state')).lower()} {_when(self.lost['ts'], now)}: terminated by "
                        "OCI or a user; `coinpilot-tf retry` launches a new one)"
                    )
                ]
            if self.last_destroy:
                return [
                    f"instance:      none in state (destroyed {self.last_destroy.get('instance_id')} "
                    f"{_when(self.last_destroy['ts'], now)})"
                ]
            return ["instance:      none in state"]
        size = str(instance.size) if instance.size else "size unknown"
        created_at = _created_at(instance)
        lines = [
            f"instance:      {instance.id}" + (f" ({instance.display_name})" if instance.display_name else ""),
            f"  state:       {instance.lifecycle_state or 'unknown'}"
            + (f" since {_when(self.state_since, now)}" if self.state_since is not None else "")
            + " (as of Terraform's last refresh)",
            f"  created:     {_when(created_at, now) if created_at is not None else 'unknown'}",
            f"  shape:       {instance.shape or 'unknown'}, {size}",
            f"  AD:          {instance.availability_domain or 'unknown'}",
            f"  public IP:   {instance.public_ip or 'none'}",
            f"  private IP:  {instance.private_ip or 'none'}",
        ]
        if instance.lifecycle_state in STOPPED_STATES:
            lines.append("  stopped:     by OCI (idle reclaim) or a user: `coinpilot-tf retry` starts it again")
        if instance.tainted:
            lines.append("  tainted:     yes: `coinpilot-tf retry` checks it before anything else")
        if self.lost and self.lost.get("instance_id") != instance.id:
            lines.append(
                f"  replaces:    {self.lost.get('instance_id')}, found {str(self.lost.get('lifecycle_state')).lower()} "
                f"{_when(self.lost['ts'], now)} (terminated by OCI or a user)"
            )
        if self.reclaim is not None:
            lines.append(f"  reclaim risk: {'WARNING: ' if self.reclaim.warning else ''}{self.reclaim.describe()}")
        return lines

    def _attempt_lines(self, now: float) -> list[str]:
        if not self.attempts:
            return ["attempts:      none yet; start with `coinpilot-tf retry`"]
        counts = ", ".join(f"{category} {count}" for category, count in self.counts.items())
        lines = [
            f"attempts:      {len(self.attempts)} ({counts})",
            f"  first:       {_when(self.attempts[0]['ts'], now)}",
            f"  last:        {_when(self.attempts[-1]['ts'], now)}",
        ]
        failure = self.last_failure
        if failure:
            lines.append(
                f"last failure:  attempt {failure.get('attempt')}, {_when(failure['ts'], now)}: "
                f"{failure.get('category')}: {failure.get('message') or ''}".rstrip(": ")
            )
        return lines

    def _run_lines(self, now: float) -> list[str]:
        if self.run is not None:
            line = f"run:           {self.run.describe()} holds the workdir"
            if self.run.command in LOOPING_COMMANDS:
                if self.next_attempt_at is not None and self.next_attempt_at > now:
                    line += f"; next attempt {_when(self.next_attempt_at, now)}"
                else:
                    line += "; an attempt is under way"
            return [line]
        lines = ["run:           none holds the workdir"]
        if self.stale_run is not None:
            lines[0] += (
                f" (run.lock names pid {self.stale_run.pid}, which is not that run any more: a stale lock, "
                "which the next run takes over)"
            )
        event = self.last_run_event
        if event is not None:
            what, reason = RUN_EVENTS[event["event"]], event.get("reason") or ""
            reason = f": {reason}" if reason else ""
            if event["event"] == Event.GAVE_UP and reason.startswith(f": {ONCE_SWEPT}"):  # a scheduled run's end
                what, reason = "a retry --once: not this time", reason.removeprefix(f": {ONCE_SWEPT}")
            lines.append(f"last event:    {what} {_when(event['ts'], now)}{reason}")
        return lines


@dataclass
class JournalReading:
    """What `status` takes from the journal, in one pass."""

    attempts: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    last_run_event: dict[str, Any] | None = None
    last_destroy: dict[str, Any] | None = None
    lost: dict[str, Any] | None = None  # the latest instance_gone
    lifecycle_events: list[dict[str, Any]] = field(default_factory=list)  # what changed the instance's state
    budget_wait: dict[str, Any] | None = None  # a wait for the launch budget after the latest attempt
    damaged: int = 0

    @classmethod
    def read(cls, journal: Journal) -> JournalReading:
        reading = cls()
        for entry in journal.entries():
            event = entry.get("event")
            if event == Event.ATTEMPT:
                reading.attempts.append(entry)
                reading.budget_wait = None
                if entry.get("category") == AttemptOutcome.SUCCESS:
                    reading.last_run_event = {**entry, "event": WON}
                    reading.lifecycle_events.append(entry)
            elif event in RUN_EVENTS:
                reading.last_run_event = entry
                if event == Event.DESTROY:
                    reading.last_destroy = entry
                if event == Event.INSTANCE_GONE:
                    reading.lost = entry
                if event in (Event.INSTANCE_STOPPED, Event.STARTED, Event.GROWN):
                    reading.lifecycle_events.append(entry)
            elif event == Event.BUDGET_WAIT:
                reading.budget_wait = entry
        reading.damaged = journal.damaged
        return reading

    def next_attempt_at(self, run: Holder | None) -> float | None:
        """When a looping run (retry, grow) that waits after its latest attempt tries again; any
        later event (a new start, an end) means the wait is over."""
        if run is None or run.command not in LOOPING_COMMANDS or not self.attempts:
            return None
        latest = self.budget_wait or self.attempts[-1]
        if not latest.get("wait") or (self.last_run_event is not None and self.last_run_event["ts"] > latest["ts"]):
            return None
        return latest["ts"] + latest["wait"]


def collect_status(
    workdir: Workdir,
    cloud: Cloud,
    tf: Callable[[], Terraform],
    reclaim_risk: Callable[[str], ReclaimRisk] | None = None,
    settings: Settings | None = None,
) -> Status:
    """tf: the engine bound to the workdir, asked for only when there is state to read. Writes nothing.
    reclaim_risk: reads the instance's reclaim risk from OCI Monitoring (None: not asked).
    settings: for the last 24 h's summary against the launch budget (None: no summary)."""
    instance, kept, state_problem = _state(workdir, tf)
    journal = JournalReading.read(Journal(workdir.journal))
    run = holder(workdir)
    next_attempt_at = journal.next_attempt_at(run)
    reclaim = None
    if (
        instance is not None
        and reclaim_risk is not None
        and instance.lifecycle_state not in ("TERMINATING", "TERMINATED")
    ):
        reclaim = reclaim_risk(instance.id)
    return Status(
        workdir=workdir.path,
        exists=workdir.path.is_dir(),
        cloud_label=cloud.label,
        cloud_fields=cloud.status_fields,
        instance=instance,
        attempts=journal.attempts,
        last_run_event=journal.last_run_event,
        last_destroy=journal.last_destroy,
        run=run,
        stale_run=stale_holder(workdir) if run is None else None,
        next_attempt_at=next_attempt_at,
        journal_damaged=journal.damaged,
        state_problem=state_problem,
        state_backend=workdir.state_backend,
        state_since=_state_since(instance, journal.lifecycle_events),
        lost=journal.lost,
        reclaim=reclaim,
        last_day=None
        if settings is None
        else last_day(Journal(workdir.journal).entries(), settings, time.time(), next_attempt_at),
        capacity=agreement(Journal(workdir.journal).entries()),
        kept=kept,
    )


def _state(workdir: Workdir, tf: Callable[[], Terraform]) -> tuple[Instance | None, tuple[Kept, ...], str | None]:
    """(the instance in state, what the state keeps beside it, why the state could not be read)."""
    try:
        contents = state_contents(tf()) if workdir.has_state else None
    except ToolError as error:  # a damaged state: the journal and the run are still worth showing
        return None, (), str(error)
    return (contents.instance, contents.kept, None) if contents else (None, (), None)


def kept_lines(kept: tuple[Kept, ...]) -> list[str]:
    """The network NETWORK=create made and the reserved public IP: `destroy` removes them."""
    network = [item for item in kept if item.ip_address is None]
    lines = ["network:       made by NETWORK=create, kept for every relaunch; `destroy` removes it"] if network else []
    lines += [
        f"  {_KEPT_LABELS.get(item.kind, item.kind) + ':':<12} {item.display_name} ({item.id})" for item in network
    ]
    lines += [
        f"reserved IP:   {item.ip_address} ({item.id}): stays with every relaunch; `destroy` releases it"
        for item in kept
        if item.ip_address is not None
    ]
    return lines


_KEPT_LABELS = {"internet gateway": "gateway", "route table": "routes", "security list": "security"}


def _state_since(instance: Instance | None, lifecycle_events: list[dict[str, Any]]) -> float | None:
    """Stopped: since a retry first found it stopped. Running: since it was started, resized (a
    reboot) or won, else since it was created."""
    if instance is None:
        return None
    latest = next(
        (entry for entry in reversed(lifecycle_events) if entry.get("instance_id") in (None, instance.id)), None
    )
    stopped = latest is not None and latest.get("event") == Event.INSTANCE_STOPPED
    if instance.lifecycle_state in STOPPED_STATES:
        return latest["ts"] if stopped else None
    if instance.lifecycle_state == "RUNNING":
        return latest["ts"] if latest is not None and not stopped else _created_at(instance)
    return None


def hourly(attempts: list[dict[str, Any]], tz) -> list[tuple[datetime, list[str]]]:
    """(start of the hour, categories in order) for each hour that had attempts."""
    hours: dict[datetime, list[str]] = {}
    for entry in attempts:
        hour = datetime.fromtimestamp(entry["ts"], tz).replace(minute=0, second=0, microsecond=0)
        hours.setdefault(hour, []).append(entry.get("category", "unknown"))
    return sorted(hours.items())


def timeline_lines(attempts: list[dict[str, Any]]) -> list[str]:
    """Local hours, newest last: one mark per attempt in order, runs scaled down in busy hours."""
    rows = hourly(attempts, None)
    if not rows:
        return []
    per_mark = max(1, math.ceil(max(len(categories) for _, categories in rows) / TIMELINE_WIDTH))
    seen = {category for _, categories in rows for category in categories}
    legend = ", ".join(f"{_mark(category)} {category}" for category in TIMELINE_MARKS if category in seen)
    legend += "".join(f", {_mark(category)} {category}" for category in sorted(seen - set(TIMELINE_MARKS)))
    scale = f"; one mark = up to {per_mark} attempts" if per_mark > 1 else ""
    lines = [f"attempts per hour ({legend}{scale}):"]
    if len(rows) > TIMELINE_HOURS:
        lines.append(f"  ... {len(rows) - TIMELINE_HOURS} earlier hour(s) with attempts; --json has them all")
    for hour, categories in rows[-TIMELINE_HOURS:]:
        marks = "".join(_mark(category) * math.ceil(count / per_mark) for category, count in _runs(categories))
        lines.append(f"  {hour:%m-%d %H}h {len(categories):>5}  {marks}")
    return lines


def _runs(categories: list[str]) -> list[tuple[str, int]]:
    runs: list[tuple[str, int]] = []
    for category in categories:
        if runs and runs[-1][0] == category:
            runs[-1] = (category, runs[-1][1] + 1)
        else:
            runs.append((category, 1))
    return runs


def _mark(category: str) -> str:
    return TIMELINE_MARKS.get(category, "x")


def _created_at(instance: Instance) -> float | None:
    return instance.time_created.timestamp() if instance.time_created else None


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(ts: float, now: float) -> str:
    """Local time and how long ago (or from now), e.g. '2026-11-29 18:41:16 UTC (3m ago)'."""
    stamp = timestamp(ts)
    delta = ts - now
    if abs(delta) < 1:
        return f"{stamp} (now)"
    return f"{stamp} (in {duration(delta)})" if delta > 0 else f"{stamp} ({duration(-delta)} ago)"
