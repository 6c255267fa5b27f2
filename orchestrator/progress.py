"""What the user sees while the loop runs: a live line on a terminal, one line per attempt
otherwise, or JSON lines (--log-format json) for unattended runs."""

from __future__ import annotations

import json
import os
from typing import Any, TextIO

from .failures import AttemptOutcome, Category
from .humanize import duration, timestamp
from .size import Size

LOG_FORMATS = ("auto", "text", "json")
_COLORS = {
    Category.CAPACITY: "33",
    Category.THROTTLE: "35",
    AttemptOutcome.SUCCESS: "32",
    Category.AUTH: "31",
    Category.INVALID: "31",
    Category.LOCKED: "31",
}


class Reporter:
    def __init__(self, stream: TextIO, log_format: str = "auto", environ=os.environ):
        self.stream = stream
        self.live = log_format == "auto" and stream.isatty()
        self.json = log_format == "json"
        self.color = self.live and not environ.get("NO_COLOR")
        self._line_open = False

    def attempt(self, entry: dict[str, Any], reason: str) -> None:
        if self.json:
            self._write(json.dumps({**entry, "reason": reason}, sort_keys=True) + "\n")
            return
        category = entry.get("category", "")
        shown = f"\x1b[{_COLORS[category]}m{category}\x1b[0m" if self.color and category in _COLORS else category
        # A launch's attempts are plain "attempt N"; a grow's or start's say which they are.
        operation = entry.get("operation", "launch")
        label = "attempt" if operation == "launch" else f"{operation} attempt"
        size = Size.from_spec(str(entry["size"])) or entry["size"]  # the journal keeps it as typed
        text = f"{label} {entry['attempt']} {entry['availability_domain']} {size}: {shown}"
        wait = entry.get("wait")
        if wait:
            # Shown once per wait: the wait itself stays a single sleep (no ticking redraws).
            text += f", next in {duration(wait)} at {timestamp(entry['ts'] + wait)}"
        if self.live:
            self._write("\r\x1b[K" + text)
            self._line_open = True
        else:
            self._write(f"{timestamp(entry['ts'])} {text} ({reason})\n")

    def note(self, message: str) -> None:
        """A side remark (a notification that failed, a warning), on its own line."""
        self.finish()
        if self.json:
            self._write(json.dumps({"event": "note", "message": message}) + "\n")
        else:
            self._write(message + "\n")

    def finish(self) -> None:
        if self._line_open:
            self._write("\n")
            self._line_open = False

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
