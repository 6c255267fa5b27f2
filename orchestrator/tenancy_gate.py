"""One tenancy's launch pacing, shared by the targets of a targets file that launch in it (threads).

OCI counts LaunchInstance calls per tenancy, not per instance name: two targets in one tenancy
must not double its call rate. So a tenancy takes one attempt at a time, and after each the wait
its policy decided (the capacity interval, a 429's backoff) holds the whole tenancy, not only the
target that made it: never two launches closer together than the interval, and a 429 in one
target backs off every target of the tenancy.

The tenancy's launch budget (LAUNCH_BUDGET_PER_DAY) is one too: the gate keeps the tenancy's call
times (every seat's journal's, pooled, then the calls made in this run), and each target's budget
counts and adds to them while it holds the gate (loop/budget.py, after `take_turn`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from .humanize import timestamp


class TenancyGate:
    """Held by one target's attempt at a time; after it, closed for the wait that attempt's decision gave."""

    def __init__(self, tenancy: str, clock: Callable[[], float] = time.time):
        self.tenancy = tenancy
        self._clock = clock
        self._changed = threading.Condition()
        self._holder: str | None = None  # the target whose attempt is under way
        self._not_before = 0.0  # no attempt in the tenancy before this time
        self._earlier_calls: list[Callable[[], Iterable[float]]] = []  # each seat's, from its journal
        self._calls: list[float] | None = None  # the tenancy's LaunchInstance call times, once pooled

    def seat(
        self,
        target: str,
        note: Callable[[str], object] = lambda line: None,
        earlier_calls: Callable[[], Iterable[float]] = tuple,
    ) -> Seat:
        """earlier_calls: the target's LaunchInstance call times before this run (its journal's)."""
        self._earlier_calls.append(earlier_calls)
        return Seat(self, target, note)

    def launch_calls(self) -> list[float]:
        """The tenancy's call times, one list for all its targets' budgets: every seat's earlier
        calls, pooled at the first look (so a target that never launches still counts its past
        calls), then each call a target adds while it holds the gate."""
        with self._changed:
            if self._calls is None:
                self._calls = [ts for earlier in self._earlier_calls for ts in earlier()]
            return self._calls

    def take_turn(self, seat: Seat) -> bool:
        """Wait until no other target's attempt is under way and the tenancy's wait is over, then
        hold the gate; False if the seat was interrupted meanwhile."""
        told = False
        with self._changed:
            while not seat.interrupted:
                now = self._clock()
                if self._holder in (None, seat.target) and now >= self._not_before:
                    self._holder = seat.target
                    return True
                if not told and self._holder is None:
                    seat.note(
                        f"waiting for the tenancy's pacing (shared by its targets): next attempt at {timestamp(self._not_before)}"
                    )
                    told = True
                self._changed.wait(None if self._holder not in (None, seat.target) else self._not_before - now)
        return False

    def hold(self, seat: Seat, seconds: float) -> None:
        """The seat's attempt is over and decided: the tenancy waits `seconds` (or longer, if already held so)."""
        with self._changed:
            self._not_before = max(self._not_before, self._clock() + seconds)
            self.leave(seat)

    def leave(self, seat: Seat) -> None:
        """The seat is done with the gate (its run ended)."""
        with self._changed:
            if self._holder == seat.target:
                self._holder = None
            self._changed.notify_all()

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()


class Seat:
    """One target's place at its tenancy's gate: what the loop calls (loop/driver.py)."""

    whose_calls = " by the tenancy's targets"  # what the launch budget counts, as its lines say it

    def __init__(self, gate: TenancyGate, target: str, note: Callable[[str], object]):
        self.gate = gate
        self.target = target
        self.note = note
        self.interrupted = False

    def take_turn(self) -> bool:
        return self.gate.take_turn(self)

    def hold(self, seconds: float) -> None:
        self.gate.hold(self, seconds)

    def leave(self) -> None:
        self.gate.leave(self)

    def launch_calls(self, own: Callable[[], Iterable[float]]) -> list[float]:
        """The tenancy's (the target's own earlier calls are in its pool already)."""
        return self.gate.launch_calls()

    def interrupt(self) -> None:
        """From a signal handler: end a wait for the gate at once."""
        self.interrupted = True
        self.gate.wake()


class NoGate:
    """A single `retry`: nothing to share."""

    whose_calls = ""

    def take_turn(self) -> bool:
        return True

    def hold(self, seconds: float) -> None:
        """No other target waits for this one."""

    def leave(self) -> None:
        """Nothing held."""

    def launch_calls(self, own: Callable[[], Iterable[float]]) -> list[float]:
        """The workdir's own calls only."""
        return list(own())


NO_GATE = NoGate()
Gate = Seat | NoGate  # what the loop is given
