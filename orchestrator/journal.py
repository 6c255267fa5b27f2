"""<workdir>/journal.jsonl: one line per attempt (and per lifecycle event), numbering kept across restarts.

A journal outlives many runs, crashes and hand edits. A line this module cannot use (cut short,
not an object, an attempt without a whole number or a time, bytes that are not UTF-8) is skipped
and counted, never fatal: `damaged` says how many, and `warn` hears about them once. A journal
that cannot be written (full disk, read-only) is reported once too; the run goes on without it.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from .workdir import PRIVATE_FILE


class Event(StrEnum):
    """The journal's events: `status` and scripts read them back."""

    START = "start"
    ATTEMPT = "attempt"
    STOP = "stop"
    GAVE_UP = "gave_up"
    INTERRUPTED = "interrupted"
    ALREADY_WON = "already_won"  # the instance was in state before the first launch
    KEPT = "kept"  # an unfinished launch did create the instance
    ADOPTED = "adopted"  # ours, found in the compartment, imported
    STATE_PUSHED = "state_pushed"  # errored.tfstate written to the state backend
    DESTROY = "destroy"
    DESTROY_FAILED = "destroy_failed"
    # After the win
    INSTANCE_STOPPED = "instance_stopped"  # the refresh found it STOPPED/STOPPING: a start follows
    STARTED = "started"  # the start succeeded
    GROWN = "grown"  # the resize succeeded
    INSTANCE_GONE = "instance_gone"  # the refresh found it terminated or gone: a new launch follows
    REFUSED = "refused"  # a saved plan would have deleted or replaced it; nothing applied
    # Pacing (launch_budget.py, digest.py)
    BUDGET_WAIT = "budget_wait"  # LAUNCH_BUDGET_PER_DAY is spent: the loop waits for a slot
    DIGEST = "digest"  # a digest notification was sent (the next one counts from here)
    # CAPACITY_PROBE: the compute capacity report asked just before the attempt it ordered
    CAPACITY_REPORT = "capacity_report"


# The reason a --once run's GAVE_UP records (then " (last: <category>)"): status words it as "not this time".
ONCE_SWEPT = "--once: not done this time"


@dataclass
class Journal:
    path: Path
    warn: Callable[[str], None] | None = None  # told once about damaged lines, once about a failed write
    damaged: int = field(default=0, init=False)  # lines skipped by the last full read
    _told: set[str] = field(default_factory=set, init=False)

    def entries(self) -> Iterator[dict[str, Any]]:
        damaged = 0
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        except OSError as error:
            self._tell("read", f"cannot read {self.path} ({error.strerror}); the attempt history is left out")
            return
        with handle:
            for line in handle:
                entry = usable_entry(line)
                if entry is not None:
                    yield entry
                elif line.strip():
                    damaged += 1
        self.damaged = damaged
        if damaged:
            self._tell(
                "damaged",
                f"{self.path}: skipped {damaged} damaged line(s) (cut short or edited); "
                "the other entries are used as they are",
            )

    def last_attempt_number(self) -> int:
        return max((entry["attempt"] for entry in self.entries() if entry["event"] == Event.ATTEMPT), default=0)

    def append(self, event: Event, **fields: Any) -> dict[str, Any]:
        entry = {"ts": round(time.time(), 3), "event": str(event), **fields}
        line = (json.dumps(entry, sort_keys=True) + "\n").encode()
        try:
            # One write() of a whole line in append mode: a crash leaves at most one partial line,
            # and the next entry starts on a line of its own after it.
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, PRIVATE_FILE)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError as error:
            self._tell(
                "write",
                f"cannot write {self.path} ({error.strerror}): attempts are not recorded there "
                "until that is fixed (free space, or make it a writable file)",
            )
        return entry

    def _tell(self, what: str, message: str) -> None:
        if self.warn is not None and what not in self._told:
            self._told.add(what)
            self.warn(message)


def usable_entry(line: bytes) -> dict[str, Any] | None:
    """The entry a journal line holds, or None if it is not one the tool wrote."""
    try:
        entry = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("event"), str) or not _time(entry.get("ts")):
        return None
    if entry.get("wait") is not None and not _number(entry["wait"]):
        return None
    if entry["event"] == Event.ATTEMPT:
        attempt = entry.get("attempt")
        if not (isinstance(attempt, int) and not isinstance(attempt, bool) and attempt > 0):
            return None
        if not isinstance(entry.get("category"), str):
            return None
    return entry


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _time(value: Any) -> bool:
    return _number(value) and 0 <= value < LATEST_TIME


# Seconds since 1970 of a time a journal could hold (year 2242): beyond it, a hand edit.
LATEST_TIME = 2**33
