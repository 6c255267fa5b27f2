"""<workdir>/journal.jsonl: one line per attempt (and per lifecycle event), numbering kept across restarts."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Iterator

from .workdir import PRIVATE_FILE


class AfterWinEvent(StrEnum):
    """Journal events of what happens to a won instance (status reads them back)."""

    INSTANCE_STOPPED = "instance_stopped"  # the refresh found it STOPPED/STOPPING: a start follows
    STARTED = "started"  # the start succeeded
    GROWN = "grown"  # the resize succeeded
    INSTANCE_GONE = "instance_gone"  # the refresh found it terminated or gone: a new launch follows
    REFUSED = "refused"  # a saved plan would have deleted or replaced it; nothing applied


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
        return max((entry.get("attempt", 0) for entry in self.entries() if entry.get("event") == "attempt"), default=0)

    def category_counts(self) -> Counter:
        return Counter(entry["category"] for entry in self.entries() if entry.get("event") == "attempt")

    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        entry = {"ts": round(time.time(), 3), "event": event, **fields}
        line = json.dumps(entry, sort_keys=True) + "\n"
        # One write() of a whole line in append mode: a crash leaves at most one partial line.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return entry
