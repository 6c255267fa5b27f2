"""<workdir>/journal.jsonl: one line per attempt (and per lifecycle event), numbering kept across restarts."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
    DESTROY = "destroy"
    DESTROY_FAILED = "destroy_failed"


@dataclass
class Journal:
    path: Path

    def entries(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self.path.open() as handle:
            for line in handle:
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash; the next run appends after it

    def last_attempt_number(self) -> int:
        return max((entry.get("attempt", 0) for entry in self.entries() if entry.get("event") == Event.ATTEMPT), default=0)

    def append(self, event: Event, **fields: Any) -> dict[str, Any]:
        entry = {"ts": round(time.time(), 3), "event": str(event), **fields}
        line = json.dumps(entry, sort_keys=True) + "\n"
        # One write() of a whole line in append mode: a crash leaves at most one partial line.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return entry
