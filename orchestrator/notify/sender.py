"""Delivery in the background: the loop hands a message over and goes on at once.

Each message goes to every channel at the same time, each delivery in a thread of its own, and
is given DELIVERY_DEADLINE_SECONDS in all: a channel that has not answered by then is left
behind (a server that trickles a byte at a time defeats any per-read timeout, so only a
wall-clock deadline bounds it). A channel still busy with a message it was left behind on is
skipped for the next ones, so a hanging server never piles up threads. At exit, close() waits
for what is queued at most DELIVERY_DEADLINE_SECONDS: an interrupt is never delayed longer.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .channel import Channel, DeliveryFailed

DELIVERY_DEADLINE_SECONDS = 5.0
QUEUE_SIZE = 100
# A channel that keeps failing is reported once, then again only after this long (or once it recovers).
OUTAGE_REPORT_EVERY_SECONDS = 3600


@dataclass(frozen=True)
class Delivery:
    channel: str  # the channel's masked URL
    error: str | None  # None once delivered


@dataclass
class _ChannelState:
    channel: Channel
    left_behind: threading.Thread | None = None  # a delivery still running after its deadline
    failing_since_reported: float | None = None  # when its outage was last reported


class Sender:
    def __init__(self, channels: Sequence[Channel], *, clock: Callable[[], float] = time.monotonic):
        self._states = [_ChannelState(channel) for channel in channels]
        self._clock = clock
        self._queue: queue.Queue[str] = queue.Queue(QUEUE_SIZE)
        self._pending = 0
        self._idle = threading.Condition()
        self._notes: list[str] = []
        self._dropped_reported = False
        self._thread: threading.Thread | None = None

    def send(self, text: str) -> None:
        """Queue one message for every channel; never blocks. A full queue drops its oldest message."""
        with self._idle:
            self._pending += 1
        while True:
            try:
                self._queue.put_nowait(text)
                break
            except queue.Full:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    continue
                self._done()
                if not self._dropped_reported:
                    self._note(
                        f"notifications are sent slower than they come: the oldest of {QUEUE_SIZE} waiting "
                        "ones was dropped (not reported again)"
                    )
                    self._dropped_reported = True
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="notify-sender", daemon=True)
            self._thread.start()

    def take_notes(self) -> list[str]:
        """What the log should say about deliveries since the last call (outages, recoveries)."""
        with self._idle:
            notes, self._notes = self._notes, []
        return notes

    def close(self) -> bool:
        """Wait for queued messages, at most DELIVERY_DEADLINE_SECONDS; True if all were handled."""
        end = self._clock() + DELIVERY_DEADLINE_SECONDS
        with self._idle:
            while self._pending:
                remaining = end - self._clock()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def deliver_now(self, text: str) -> list[Delivery]:
        """One message to every channel, waiting for the outcome (at most DELIVERY_DEADLINE_SECONDS)."""
        return self._deliver(text)

    # -- the sender thread --------------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            text = self._queue.get()
            now = self._clock()
            for state, delivery in zip(self._states, self._deliver(text), strict=False):
                self._report(state, delivery, now)
            self._done()

    def _deliver(self, text: str) -> list[Delivery]:
        end = self._clock() + DELIVERY_DEADLINE_SECONDS
        outcomes: list[list[str | None]] = []
        threads: list[threading.Thread | None] = []
        for state in self._states:
            outcome: list[str | None] = []
            outcomes.append(outcome)
            if state.left_behind is not None and state.left_behind.is_alive():
                threads.append(None)
                continue
            thread = threading.Thread(
                target=_deliver_one, args=(state.channel, text, outcome), daemon=True, name="notify-delivery"
            )
            thread.start()
            threads.append(thread)
        deliveries = []
        for state, thread, outcome in zip(self._states, threads, outcomes, strict=False):
            if thread is None:
                error = f"still busy with an earlier message (no answer within {DELIVERY_DEADLINE_SECONDS:g} s)"
            else:
                thread.join(max(0.0, end - self._clock()))
                if thread.is_alive():
                    state.left_behind = thread
                    error = f"no answer within {DELIVERY_DEADLINE_SECONDS:g} s"
                else:
                    error = outcome[0]
            deliveries.append(Delivery(state.channel.shown, error))
        return deliveries

    def _report(self, state: _ChannelState, delivery: Delivery, now: float) -> None:
        kind = state.channel.kind
        if delivery.error is None:
            if state.failing_since_reported is not None:
                self._note(f"{kind} notifications to {delivery.channel} are delivered again.")
            state.failing_since_reported = None
            return
        if state.failing_since_reported is None:
            self._note(
                f"{kind} notification to {delivery.channel} failed ({delivery.error}); it is tried again at "
                "each event, and not logged again until one gets through (or for an hour)."
            )
            state.failing_since_reported = now
        elif now - state.failing_since_reported >= OUTAGE_REPORT_EVERY_SECONDS:
            self._note(f"{kind} notifications to {delivery.channel} still fail ({delivery.error}).")
            state.failing_since_reported = now

    def _note(self, line: str) -> None:
        with self._idle:
            self._notes.append(line)

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()


def _deliver_one(channel: Channel, text: str, outcome: list[str | None]) -> None:
    try:
        channel.deliver(text, DELIVERY_DEADLINE_SECONDS)
        outcome.append(None)
    except DeliveryFailed as failure:
        outcome.append(str(failure))
    except Exception as error:  # noqa: BLE001 - a channel's bug must not end the sender; str() may hold a URL
        outcome.append(type(error).__name__)
