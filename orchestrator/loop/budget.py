"""Before each launch attempt: LAUNCH_BUDGET_PER_DAY (launch_budget.py).

When the next LaunchInstance call would exceed the budget, the loop waits for the sliding window
to free a slot: journaled, shown on the live line, notified once a run. A --once run does not
wait: it ends as "not this time", and the scheduler's next run tries again. With CAPACITY_PROBE,
the wait comes before the capacity report (paced), so the report is as fresh as the call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from ..failures import Failure
from ..humanize import duration, timestamp
from ..journal import Event
from ..launch_budget import calls_in_window, launch_call_times, next_slot
from ..notify import Event as NotifyEvent
from ..operation import Kind, Operation
from ..render import Target
from .context import RunContext
from .endings import Endings, RetryOutcome
from .schedule import Pick


class LaunchBudget:
    def __init__(
        self,
        context: RunContext,
        endings: Endings,
        earlier_calls: Callable[[], Iterable[float]] | None = None,
        clock: Callable[[], float] = time.time,
    ):
        """earlier_calls: the call times made before this run (default: this workdir's journal's);
        read at the first launch attempt, then this run adds its own. A target of a targets file
        counts its tenancy's instead, one list for all its targets (tenancy_gate.py)."""
        self.context = context
        self.endings = endings
        self._earlier_calls = earlier_calls or (lambda: launch_call_times(context.journal.entries()))
        self._clock = clock
        self._calls: list[float] | None = None
        self._told = False  # the budget notification (or, under --once, the note) went out this run

    def before(self, op: Operation, last: Failure | None) -> RetryOutcome | None:
        """None when the attempt may go ahead (after a wait for a slot, if need be); else how the run ends."""
        if op.kind != Kind.LAUNCH:
            return None
        fits = self._wait_for_slot()
        if fits is None:
            return self.endings.not_this_time(last.category if last else None)
        if not fits:
            return self.endings.interrupted(op.kind)
        self._calls.append(self._clock())  # the call this attempt makes (or at most makes)
        return None

    def paced(self, pick: Pick) -> Pick:
        """`pick` (CAPACITY_PROBE's) after the wait for a slot, so that its report is fresh for the
        call it orders; a run the budget ends (interrupted, --once) gets no report."""

        def paced_pick(pending: list[Target]) -> Target:
            return pick(pending) if self._wait_for_slot() else pending[0]

        return paced_pick

    def _wait_for_slot(self) -> bool | None:
        """True once a call fits the budget; False if interrupted while waiting; None under --once
        when it does not fit (nothing waits: the run ends)."""
        if self._calls is None:
            self._calls = self.context.gate.launch_calls(self._earlier_calls)
        per_day = self.context.settings.launch_budget_per_day
        while (free_at := next_slot(self._calls, now := self._clock(), per_day)) is not None:
            calls = len(calls_in_window(self._calls, now))
            if self.context.once:
                if self._told:  # paced() has said it just before
                    return None
                self._told = True
                self.context.events.note(
                    f"launch budget spent: {calls} LaunchInstance calls{self.context.gate.whose_calls} in the last 24 h "
                    f"(LAUNCH_BUDGET_PER_DAY={per_day}); a --once run after {timestamp(free_at)} tries again"
                )
                return None
            self._tell(calls, per_day, now, free_at)
            if not self.context.waiter.wait(free_at - now):
                return False
        return True

    def _tell(self, calls: int, per_day: int, now: float, free_at: float) -> None:
        events = self.context.events
        entry = events.journal.append(Event.BUDGET_WAIT, calls=calls, budget=per_day, wait=round(free_at - now, 3))
        events.reporter.waiting(
            entry,
            f"launch budget: {calls} LaunchInstance calls{self.context.gate.whose_calls} in the last 24 h "
            f"(LAUNCH_BUDGET_PER_DAY={per_day}); "
            f"next attempt in {duration(free_at - now)} at {timestamp(free_at)}",
        )
        if not self._told:
            events.notify(NotifyEvent.BUDGET, calls=calls, budget=per_day, resume_at=free_at)
            self._told = True
