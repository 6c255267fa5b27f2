"""The `digest` notification: every DIGEST_INTERVAL_SECONDS while the loop runs, the journal since
the last digest in a few lines (digest.py), sent and journaled.

It is the Waiter's alarm, so it goes out on time during any wait (the interval, a backoff, the
launch budget's). The last digest's journal entry sets when the next is due, so a restart keeps
the rhythm. A --once run never waits, and sends none.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..digest import summarize
from ..journal import Event
from ..launch_budget import launch_call_times
from ..notify import Event as NotifyEvent
from .context import RunContext


class DigestAlarm:
    def __init__(self, context: RunContext, clock: Callable[[], float] = time.time):
        self.context = context
        self._clock = clock
        last = max((entry["ts"] for entry in context.journal.entries() if entry["event"] == Event.DIGEST), default=None)
        self.since = clock() if last is None else last
        self._due = self.since + context.settings.digest_interval_seconds

    @classmethod
    def install(cls, context: RunContext) -> None:
        """The run's waits ring it, if a channel hears digests."""
        if not context.once and context.events.notifier.wants(NotifyEvent.DIGEST):
            context.waiter.alarm = cls(context)

    def due_at(self) -> float:
        return self._due

    def ring(self) -> None:
        now = self._clock()
        journal = self.context.journal
        entries = list(journal.entries())
        summary = summarize(
            entries,
            self.context.settings,
            since=self.since,
            now=now,
            next_attempt_at=self.context.waiter.resume_at,
            # The calls its launch budget counts: a target's tenancy's (tenancy_gate.py).
            call_times=self.context.gate.launch_calls(lambda: launch_call_times(entries)),
        )
        journal.append(Event.DIGEST, since=self.since, counts=summary.counts, calls_last_24h=summary.pacing.calls)
        self.context.events.notify(NotifyEvent.DIGEST, **summary.notify_fields())
        self.since = now
        self._due = max(self._due, now) + self.context.settings.digest_interval_seconds
