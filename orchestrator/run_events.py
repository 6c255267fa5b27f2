"""The one observer of a retry run: the loop tells it what happened, and it tells the journal,
the reporter (terminal or JSON lines) and the notifier (Discord and Apprise channels), each what it cares about."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from .engine.runner import STATE_LOCK_WAITING
from .failures import AttemptOutcome, Failure, Recorded
from .journal import Event, Journal
from .launch_result import LaunchResult
from .notify import Event as NotifyEvent
from .notify import Notifier
from .operation import Kind, Operation
from .policy import Decision
from .progress import Reporter
from .reconcile import Keeping, Kept
from .render import Target

STATE_LOCK_NOTE = "; waited for the state lock held by another run"


class RunEvents:
    def __init__(
        self,
        journal: Journal,
        reporter: Reporter,
        notifier: Notifier,
        *,
        once: bool,
        notify_every: int,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.journal = journal
        self.reporter = reporter
        self.notifier = notifier
        self.once = once
        self.notify_every = notify_every
        self.clock = clock
        # What this run has seen so far (the journal keeps the history across runs).
        self.started_at = clock()
        self.attempts = 0
        self.counts: dict[Recorded, int] = {}
        self.last_category: Recorded | None = None
        self.operation: str | None = None  # the operation's kind (operation.Kind), named in the journal
        self.last_capacity_report: dict[str, Any] | None = None  # CAPACITY_PROBE's latest journal entry

    def note(self, message: str) -> None:
        self.reporter.note(message)

    def notify(self, event: NotifyEvent, **fields: Any) -> None:
        self.notifier.notify(event, **fields)

    def started(
        self,
        operation: str,
        instance_name: str,
        ads: Iterable[str],
        sizes: list[tuple[float, float]],
        targets: list[Target],
    ) -> int:
        """An operation (launch, grow, start) begins its attempts, counted afresh; returns the number
        of the last attempt ever journaled."""
        self.operation = operation
        self.started_at, self.attempts, self.counts, self.last_category = self.clock(), 0, {}, None
        # A scheduler runs --once every few minutes: no "started" each time. Grow and start say so themselves.
        if not self.once and operation == Kind.LAUNCH:
            self.notifier.notify(NotifyEvent.STARTED, instance_name=instance_name, ads=ads, sizes=sizes)
        self.journal.append(
            Event.START,
            operation=operation,
            targets=[f"{t.availability_domain} {t.size.spec}" for t in targets],
            once=self.once,
        )
        return self.journal.last_attempt_number()

    def attempt_began(self) -> None:
        self.attempts += 1

    def attempt_withdrawn(self) -> None:
        """The attempt made no call: the shared state already holds an instance."""
        self.attempts -= 1

    def failed(
        self,
        number: int,
        target: Target,
        failure: Failure,
        duration: float,
        decision: Decision,
        waited_for_state_lock: bool = False,
    ) -> None:
        entry = self._attempt_entry(
            number, target, failure, duration, decision.wait, waited_for_state_lock=waited_for_state_lock
        )
        self.counts[failure.category] = self.counts.get(failure.category, 0) + 1
        self.reporter.attempt(entry, decision.reason + (STATE_LOCK_NOTE if waited_for_state_lock else ""))
        if self.last_category is not None and failure.category != self.last_category:
            self.notifier.notify(
                NotifyEvent.CATEGORY, old=self.last_category, new=failure.category, wait_seconds=decision.wait
            )
        self.last_category = failure.category
        if self.attempts % self.notify_every == 0:
            self.notifier.notify(
                NotifyEvent.PROGRESS,
                attempts=self.attempts,
                counts_per_category=dict(self.counts),
                elapsed_seconds=self.clock() - self.started_at,
            )

    def cut_short(self, number: int, target: Target, failure: Failure | None, duration: float) -> None:
        """An attempt an interrupt ended: journaled as interrupted whatever Terraform printed (the
        launch may have gone through: the next run looks first), then the run ends interrupted."""
        self._attempt_entry(number, target, failure, duration, None, category=AttemptOutcome.INTERRUPTED)

    def done(
        self,
        op: Operation,
        number: int | None,
        target: Target | None,
        duration: float,
        launch: LaunchResult,
        waited_for_state_lock: bool = False,
    ) -> None:
        """The operation reached its goal; number/target: the attempt that did it (None when a look
        after a failure found it done)."""
        if target is not None:
            entry = self.journal.append(
                Event.ATTEMPT,
                operation=op.kind,
                attempt=number,
                availability_domain=target.availability_domain,
                size=target.size.spec,
                category=AttemptOutcome.SUCCESS,
                duration=duration,
                instance_id=launch.instance_id,
                **({"waited_for_state_lock": True} if waited_for_state_lock else {}),
            )
            self.reporter.attempt(entry, op.success_note + (STATE_LOCK_NOTE if waited_for_state_lock else ""))
        if op.kind == Kind.LAUNCH:
            self._succeeded(launch)
        elif op.kind == Kind.GROW:
            self.journal.append(
                Event.GROWN, instance_id=launch.instance_id, size=op.targets[0].size.spec, attempts=self.attempts
            )
            self.notifier.notify(
                NotifyEvent.GROWN,
                instance_id=launch.instance_id,
                ocpus=launch.ocpus,
                memory_gbs=launch.memory_gbs,
                attempts=self.attempts,
            )
        else:
            self.journal.append(Event.STARTED, instance_id=launch.instance_id, attempts=self.attempts)
            self.notifier.notify(
                NotifyEvent.STARTED_INSTANCE,
                instance_id=launch.instance_id,
                public_ip=launch.public_ip,
                attempts=self.attempts,
            )

    def kept(self, kept: Kept, launch: LaunchResult, won_elsewhere: bool = False) -> None:
        """won_elsewhere: the instance appeared in the shared state while this run was trying."""
        if kept.how == Keeping.IN_STATE:
            self.journal.append(Event.ALREADY_WON, instance_id=launch.instance_id, attempts=self.attempts)
            if won_elsewhere:
                self.notifier.notify(NotifyEvent.WON_ELSEWHERE, instance_id=launch.instance_id, attempts=self.attempts)
            return
        self.journal.append(
            Event(kept.how), instance_id=kept.instance_id, lifecycle_state=kept.lifecycle_state, attempts=self.attempts
        )
        self._succeeded(launch)

    def capacity_reported(
        self, size: str, tried: str, answers: dict[str, str] | None = None, error: str | None = None
    ) -> None:
        """CAPACITY_PROBE's report ({AD: availabilityStatus}, or why it failed), just before the
        attempt it ordered (loop/probe.py); `tried`: the AD that attempt goes to."""
        found = {"error": error} if error else {"availability": answers}
        self.last_capacity_report = self.journal.append(Event.CAPACITY_REPORT, size=size, tried=tried, **found)

    def state_lock_waiting(self) -> None:
        """Live, while Terraform waits; the attempt's journal entry then says it waited."""
        self.reporter.note(STATE_LOCK_WAITING)

    def state_pushed(self) -> None:
        self.journal.append(Event.STATE_PUSHED)
        self.reporter.note("wrote errored.tfstate (the state of an earlier launch) to the state backend")

    def stopped(self, category: Recorded, reason: str) -> None:
        self.journal.append(Event.STOP, operation=self.operation, category=category, reason=reason)
        self.notifier.notify(NotifyEvent.STOP, category=category, reason=reason)

    def gave_up(self, reason: str) -> None:
        self.journal.append(Event.GAVE_UP, operation=self.operation, reason=reason, attempts=self.attempts)
        if not self.once:  # for --once, "no instance this time" is the normal outcome, not news
            self.notifier.notify(NotifyEvent.GAVE_UP, attempts=self.attempts, reason=reason)

    def interrupted(self) -> None:
        self.journal.append(Event.INTERRUPTED, operation=self.operation, attempts=self.attempts)
        self.notifier.notify(NotifyEvent.INTERRUPTED, attempts=self.attempts)

    def close(self) -> None:
        self.notifier.close()  # a bounded wait for the last messages

    def _succeeded(self, launch: LaunchResult) -> None:
        self.notifier.notify(
            NotifyEvent.SUCCESS,
            instance_id=launch.instance_id,
            public_ip=launch.public_ip,
            availability_domain=launch.availability_domain,
            ocpus=launch.ocpus,
            memory_gbs=launch.memory_gbs,
            ssh_command=launch.ssh_command,
        )

    def _attempt_entry(
        self,
        number: int,
        target: Target,
        failure: Failure | None,
        duration: float,
        wait: float | None,
        category: Recorded | None = None,
        waited_for_state_lock: bool = False,
    ) -> dict[str, Any]:
        return self.journal.append(
            Event.ATTEMPT,
            operation=self.operation,
            attempt=number,
            availability_domain=target.availability_domain,
            size=target.size.spec,
            category=category or (failure.category if failure else AttemptOutcome.INTERRUPTED),
            status=failure.status if failure else None,
            code=failure.code if failure else None,
            message=failure.first_line if failure else None,
            request_id=failure.request_id if failure else None,
            duration=duration,
            wait=None if wait is None else round(wait, 3),
            **({"waited_for_state_lock": True} if waited_for_state_lock else {}),
        )
