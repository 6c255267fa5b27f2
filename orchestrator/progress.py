"""What the user sees while the loop runs: a live line on a terminal, one line per attempt
otherwise, or JSON lines (--log-format json) for unattended runs and scripts: then stdout holds
only JSON objects, one a line, the last one the run's result."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from typing import Any, TextIO

from .failures import AttemptOutcome, Category
from .humanize import duration, timestamp
from .size import Size


class LogFormat(StrEnum):
    AUTO = "auto"  # a live line on a terminal, TEXT otherwise
    TEXT = "text"
    JSON = "json"


LOG_FORMATS = tuple(log_format.value for log_format in LogFormat)  # plain strings: click matches enums by name
_COLORS = {
    Category.CAPACITY: "33",
    Category.THROTTLE: "35",
    AttemptOutcome.SUCCESS: "32",
    Category.AUTH: "31",
    Category.INVALID: "31",
    Category.LOCKED: "31",
}


class Reporter:
    def __init__(self, stream: TextIO, log_format: str = LogFormat.AUTO, environ=os.environ):
        self.stream = stream
        self.live = log_format == LogFormat.AUTO and stream.isatty()
        self.json = log_format == LogFormat.JSON
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

    def waiting(self, entry: dict[str, Any], text: str) -> None:
        """A wait that is no attempt's (the launch budget's): on the live line, else a line of its own."""
        if self.json:
            self._write(json.dumps({**entry, "message": text}, sort_keys=True) + "\n")
        elif self.live:
            self._write("\r\x1b[K" + text)
            self._line_open = True
        else:
            self._write(f"{timestamp(entry['ts'])} {text}\n")

    def note(self, message: str) -> None:
        """A side remark (a notification that failed, a warning), on its own line."""
        self.finish()
        if self.json:
            self._write(json.dumps({"event": "note", "message": message}) + "\n")
        else:
            self._write(message + "\n")

    def result(self, record: dict[str, Any]) -> None:
        """JSON lines only: the run's last line, how it ended (commands/retry.py says what it holds)."""
        self.finish()
        self._write(json.dumps({"event": "result", **record}) + "\n")

    def finish(self) -> None:
        if self._line_open:
            self._write("\n")
            self._line_open = False

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
