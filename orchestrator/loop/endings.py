"""How a run ends: each ending is told (journal, reporter, notifier) and becomes a RetryOutcome.

Policy decides every ending but success and interrupts; these only record and word them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..engine.plan_safety import DestructivePlan
from ..engine.runner import TerraformError
from ..errors import ExitCode
from ..failures import AttemptOutcome, Category, Recorded
from ..journal import ONCE_SWEPT, Event
from ..key_truth import record_launch
from ..launch_result import LaunchResult
from ..operation import Kind, Operation
from ..policy import RULES
from ..reconcile import Keeping, Kept
from ..render import Target
from .attempt import PlanCache
from .backend_wait import through_backend
from .context import RunContext


class Ending(StrEnum):
    """How a `retry` or `grow` run ended: the `outcome` of its `--log-format json` result line
    (docs/commands.md); scripts match on these values."""

    WON = "won"  # this workdir's launch created the instance (an unfinished launch's included)
    EXISTS = "exists"  # it was there already: in the state, won by a run sharing it, or adopted
    GROWN = "grown"
    STARTED = "started"  # the stopped instance runs again
    UNCHANGED = "unchanged"  # grow: the instance is not smaller than the first size
    STOPPED = "stopped"  # a failure retrying cannot fix
    GAVE_UP = "gave_up"  # MAX_ATTEMPTS
    NOT_THIS_TIME = "not_this_time"  # --once swept every target without a win: a scheduled run's normal end
    INTERRUPTED = "interrupted"

    @property
    def exit_code(self) -> ExitCode:
        return _FAILED_EXIT_CODES.get(self, ExitCode.OK)


_FAILED_EXIT_CODES = {
    Ending.STOPPED: ExitCode.STOPPED,
    Ending.GAVE_UP: ExitCode.GAVE_UP,
    Ending.NOT_THIS_TIME: ExitCode.GAVE_UP,
    Ending.INTERRUPTED: ExitCode.INTERRUPTED,
}


@dataclass(frozen=True)
class RetryOutcome:
    ending: Ending
    message: str
    launch: LaunchResult | None = None

    @property
    def exit_code(self) -> ExitCode:
        return self.ending.exit_code


class Endings:
    def __init__(self, context: RunContext, plans: PlanCache):
        self.context = context
        self.plans = plans

    def done(
        self,
        op: Operation,
        number: int | None = None,
        target: Target | None = None,
        duration: float = 0.0,
        waited_for_state_lock: bool = False,
    ) -> RetryOutcome:
        """The operation reached its goal: record it (the successful attempt first, if there was one),
        tell the user, forget the plans."""
        self.context.policy.record_success()
        attempts = self.context.events.attempts
        launch = self.launch_result(attempts if op.kind == Kind.LAUNCH else self.recorded_attempts())
        self.plans.forget()
        self.context.events.done(op, number, target, duration, launch, waited_for_state_lock=waited_for_state_lock)
        ending = {Kind.LAUNCH: Ending.WON, Kind.GROW: Ending.GROWN, Kind.START: Ending.STARTED}[op.kind]
        return RetryOutcome(ending, op.success_message(attempts), launch)

    def kept(self, kept: Kept) -> RetryOutcome:
        """Our instance exists: in the state already, kept from an unfinished launch, or adopted."""
        events, backend = self.context.events, self.context.settings.state_backend
        if kept.how == Keeping.IN_STATE:
            launch = self.launch_result(self.recorded_attempts())
        else:
            launch = self.launch_result(events.attempts)
            self.context.policy.record_success()
            self.plans.forget()
        remote = self.context.prepared.workdir.remote_state
        won_elsewhere = kept.how == Keeping.IN_STATE and remote and events.attempts > 0  # while this run tried
        events.kept(kept, launch, won_elsewhere=won_elsewhere)
        if won_elsewhere:
            message = (
                f"another run sharing the {backend} state won the instance meanwhile; nothing launched by this one"
            )
        elif kept.how == Keeping.IN_STATE:
            where = f"the shared state ({backend} backend)" if remote else "this workdir's state"
            message = f"the instance already exists in {where}; nothing launched"
        elif kept.how == Keeping.KEPT:
            message = "the unfinished launch did create the instance: kept it"
        else:
            message = (
                "adopted our instance found in the compartment (launched earlier, missing from state); "
                "nothing new launched"
            )
        return RetryOutcome(Ending.WON if kept.how == Keeping.KEPT else Ending.EXISTS, message, launch)

    def stopped(self, category: Recorded, reason: str) -> RetryOutcome:
        self.context.events.stopped(category, reason)
        return RetryOutcome(Ending.STOPPED, f"stopped: {reason}")

    def refused(self, error: DestructivePlan) -> RetryOutcome:
        self.context.journal.append(Event.REFUSED, reason=str(error))
        return self.stopped(AttemptOutcome.REFUSED, str(error))

    def reconcile_failed(self, error: TerraformError) -> RetryOutcome:
        """Terraform could not read or record the instance; nothing was launched meanwhile."""
        return self.stopped(
            AttemptOutcome.RECONCILE,
            f"{error}; nothing was launched, and the next `coinpilot-tf retry` checks again first",
        )

    def init_failed(self, error: TerraformError) -> RetryOutcome:
        if not self.context.prepared.workdir.remote_state:
            return RetryOutcome(Ending.STOPPED, f"stopped: {error}")
        # Init reaches the backend before anything else: its network errors are the backend's too.
        # Stopped at once (not waited for like a backend lost mid-run): at the start it is more
        # likely the settings than an outage.
        failure = error.failure
        reason = str(RULES[Category.BACKEND].stop_reason).format(what=failure.message or failure.first_line)
        return self.stopped(
            Category.BACKEND,
            f"STATE_BACKEND={self.context.settings.state_backend}: terraform init failed: {reason}; "
            "nothing was launched",
        )

    def gave_up(self, reason: str) -> RetryOutcome:
        self.context.events.gave_up(reason)
        return RetryOutcome(Ending.GAVE_UP, f"gave up: {reason}")

    def not_this_time(self, last: Recorded | None) -> RetryOutcome:
        """--once swept every target without a win: the normal outcome for a scheduled run, not a defeat."""
        self.context.events.gave_up(f"{ONCE_SWEPT} (last: {last or 'none'})")
        return RetryOutcome(
            Ending.NOT_THIS_TIME, f"not this time (last: {last or 'none'}); the next --once run tries again"
        )

    def interrupted(self, kind: Kind) -> RetryOutcome:
        self.context.events.interrupted()
        command = "grow" if kind == Kind.GROW else "retry"
        return RetryOutcome(Ending.INTERRUPTED, f"interrupted; run `coinpilot-tf {command}` again to continue")

    def launch_result(self, attempts: int) -> LaunchResult:
        prepared = self.context.prepared
        # The win is in the state already: a backend gone meanwhile delays its record, never loses it.
        return through_backend(
            self.context,
            lambda: record_launch(
                self.context.tf,
                prepared.workdir,
                prepared.ssh_public_key,
                prepared.ssh_private_key,
                attempts,
                self.context.events.note,
            ),
        )

    def recorded_attempts(self) -> int:
        """The launch's attempt count, as launch_result.json recorded it (a grow or start keeps it)."""
        recorded = LaunchResult.load(self.context.prepared.workdir)
        return recorded.attempts if recorded and isinstance(recorded.attempts, int) else 0
