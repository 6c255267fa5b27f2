"""The run: set up, find ours, then launch, start or grow through the attempt loop.

The attempt loop goes over the schedule: one attempt (attempt.py), then the policy's decision,
told through RunEvents; waiting happens only in policy.Waiter, and interrupt() ends it at once.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .. import operation
from ..engine.init import init_if_needed
from ..engine.plan_safety import DestructivePlan
from ..engine.runner import Terraform, TerraformError
from ..errors import UsageError
from ..failures import Category, Failure
from ..journal import Journal
from ..launch_inputs import Prepared
from ..notify import Notifier
from ..operation import STOPPED_STATES, Kind, Operation
from ..phases import Phase
from ..policy import Action, Decision, Policy, PolicyConfig, Waiter
from ..progress import Reporter
from ..reconcile import Reconciler, unsaved_launch
from ..render import Target, render
from ..run_events import RunEvents
from ..tenancy_gate import NO_GATE, Gate
from .attempt import PlanCache, StateHasInstance, attempt, waited_for_state_lock
from .backend import BackendRecovery, Recovery
from .budget import LaunchBudget
from .context import RunContext, RunState
from .digest import DigestAlarm
from .endings import Endings, RetryOutcome
from .lifecycle import Lifecycle
from .limit import ExplainLimit
from .ours import FindOurs
from .probe import CapacityProbe
from .schedule import in_order, schedule


class RetryLoop:
    @classmethod
    def build(
        cls, prepared: Prepared, tf: Terraform, *, once: bool, reporter: Reporter, grow: bool = False
    ) -> RetryLoop:
        settings = prepared.settings
        policy = Policy(PolicyConfig.from_settings(settings, once=once))
        notifier = Notifier.from_settings(settings, log=reporter.note, simulated=tf.cloud.simulated)
        return cls(
            prepared, tf, policy=policy, waiter=Waiter(), notifier=notifier, reporter=reporter, once=once, grow=grow
        )

    def __init__(
        self,
        prepared: Prepared,
        tf: Terraform,
        *,
        policy: Policy,
        waiter: Waiter,
        notifier: Notifier,
        reporter: Reporter,
        once: bool = False,
        grow: bool = False,
        clock=time.monotonic,
        gate: Gate = NO_GATE,
    ):
        """grow: resize the won instance to the first size (`coinpilot-tf grow`) instead of launching."""
        settings = prepared.settings
        journal = Journal(prepared.workdir.journal, warn=reporter.note)
        events = RunEvents(
            journal, reporter, notifier, once=once, notify_every=settings.notify_every_n_attempts, clock=clock
        )
        tf.on_state_lock_wait = events.state_lock_waiting
        reconciler = Reconciler(tf, settings.instance_name, waiter, reporter.note)
        self.context = RunContext(prepared, tf, policy, waiter, events, reconciler, once, grow, clock, RunState(), gate)
        self.plans = PlanCache(self.context)
        self.endings = Endings(self.context, self.plans)
        self.backend = BackendRecovery(self.context, self.endings)
        self.lifecycle = Lifecycle(self.context, self.endings, self._set_up, self._attempts)
        self.ours = FindOurs(self.context, self.endings, self.backend, self.lifecycle.record_lost)
        self.budget = LaunchBudget(self.context, self.endings)
        DigestAlarm.install(self.context)
        self.limit = ExplainLimit(self.context, self.endings)

    @property
    def prepared(self) -> Prepared:
        return self.context.prepared

    @property
    def journal(self) -> Journal:
        return self.context.journal

    def interrupt(self) -> None:
        """From a signal handler: end a wait at once, let a running Terraform save its state."""
        self.context.state.interrupted = True
        self.context.waiter.interrupt()
        self.context.tf.interrupt()

    def run(self) -> RetryOutcome:
        try:
            return self._run()
        finally:
            self.context.gate.leave()
            self.context.events.close()

    # -- the run --------------------------------------------------------------------------------

    def _run(self) -> RetryOutcome:
        """`retry`: launch the instance, or start it if it is stopped, relaunch it if it is gone;
        `grow`: resize the won instance in place. Each goes through the same loop."""
        settings = self.context.settings
        launching = operation.launch(settings.size_list(), self.context.prepared.availability_domains)
        outcome = self._set_up(launching)
        if outcome:
            return outcome
        # Before anything else: ours may be in state already (running, stopped, terminated), tainted,
        # or missing from it.
        outcome, kept = self.ours.find()
        if outcome:
            return outcome
        if self.context.grow:
            return self.lifecycle.grow_won(kept)
        if kept is None:
            outcome = self._attempts(launching)
        elif kept.lifecycle_state in STOPPED_STATES:
            outcome = self.lifecycle.start(kept)
        else:
            outcome = self.endings.kept(kept)
        return self.lifecycle.after_win(outcome)

    def _set_up(self, op: Operation) -> RetryOutcome | None:
        """The module the operation needs, the engine's CLI config and init; an outcome only if init failed."""
        context = self.context
        settings, workdir, tf = context.settings, context.prepared.workdir, context.tf
        if render(settings, op.targets[0], context.prepared.ssh_public_key, workdir, op.manage_size):
            self.plans.forget()  # the module or its values changed under the saved plans
        context.reached(Phase.RENDER)
        tf.write_cli_config()
        if workdir.remote_state and _local_state_holds_instance(workdir.state):
            raise UsageError(
                "STATE_BACKEND",
                f"this workdir's instance is in its local state, not in the {settings.state_backend} backend; "
                "move it there first with `coinpilot-tf render --migrate-state` (same settings), then run again",
            )
        # Init, the provider's start and the look for our instance take seconds: say so first.
        first = "resize" if context.grow else "launch"
        context.events.note(f"preparing: Terraform, its provider and the state, then the first {first} attempt")
        try:
            if init_if_needed(tf, settings.backend_config):
                self.plans.forget()  # a saved plan records the backend and engine it was made with
        except TerraformError as error:
            return self.endings.init_failed(error)
        context.reached(Phase.INIT)
        return None

    # -- the attempt loop -----------------------------------------------------------------------

    def _attempts(self, op: Operation) -> RetryOutcome:
        """Attempts at the operation's targets until it is done, a failure retrying cannot fix,
        MAX_ATTEMPTS, --once's sweep, or an interrupt."""
        context = self.context
        context.state.targets = list(op.targets)
        number = context.events.started(
            op.kind,
            context.settings.instance_name,
            context.prepared.availability_domains,
            [(size.ocpus, size.memory_gbs) for size in context.settings.size_list()],
            context.state.targets,
        )
        last: Failure | None = None
        probing = context.settings.capacity_probe and op.kind == Kind.LAUNCH
        pick = self.budget.paced(CapacityProbe(context).pick) if probing else in_order
        for target in schedule(context.state, once=context.once, pick=pick):
            if context.state.interrupted:
                return self.endings.interrupted(op.kind)
            # The tenancy's other targets go first, then its budget is counted (tenancy_gate.py).
            if not context.gate.take_turn():
                return self.endings.interrupted(op.kind)
            outcome = self.budget.before(op, last)
            if outcome:
                return outcome
            outcome, failure, tried = self._one_attempt(op, number + 1, target)
            if outcome:
                return outcome
            number += tried
            last = failure or last
        return self.endings.not_this_time(last.category if last else None)

    def _one_attempt(
        self, op: Operation, number: int, target: Target
    ) -> tuple[RetryOutcome | None, Failure | None, bool]:
        """Attempt, then act on the policy's decision: (an outcome when the run ends here, the
        failure, whether an attempt was made at all)."""
        context = self.context
        context.events.attempt_began()
        began = context.clock()
        try:
            failure = attempt(context, self.plans, op, target)
        except StateHasInstance:
            context.events.attempt_withdrawn()  # nothing was tried
            return self._state_has_instance(), None, False
        except DestructivePlan as error:
            return self.endings.refused(error), None, False
        context.state.plans_without_launch = 0
        # A wait on the shared state's lock since the last attempt (in it, or in the look before it).
        waited = waited_for_state_lock(context)
        duration = round(context.clock() - began, 3)
        context.reached(Phase.JOURNAL)
        if context.state.interrupted:
            context.events.cut_short(number, target, failure, duration)
            return self.endings.interrupted(op.kind), failure, True
        if failure is None:
            return self.endings.done(op, number, target, duration, waited), None, True
        ads_left = len({t.availability_domain for t in context.state.targets}) - 1
        decision = context.policy.decide(failure, ads_left=ads_left, attempts=context.events.attempts)
        context.gate.hold(decision.wait)  # the whole tenancy waits: a 429 backs off all its targets
        context.events.failed(number, target, failure, duration, decision, waited_for_state_lock=waited)
        return self._act(op, decision, failure, target), failure, True

    def _state_has_instance(self) -> RetryOutcome | None:
        """The interlock: a fresh plan creates nothing, so the state holds an instance: keep it if
        it is ours; a second such plan with none to keep is a stop."""
        found = self.ours.look_for()
        if found:
            return found
        # It was gone and left the state: the next plan creates one, or something is wrong.
        self.context.state.plans_without_launch += 1
        if self.context.state.plans_without_launch > 1:
            return self.endings.stopped(
                Category.INVALID,
                "the plan does not create the instance, yet the state holds "
                "none to keep: see `coinpilot-tf terraform plan`",
            )
        return None

    def _act(self, op: Operation, decision: Decision, failure: Failure, target: Target) -> RetryOutcome | None:
        context = self.context
        if decision.reconcile or decision.look_across_tenancy:  # the call may have gone through, or ours exists already
            found = self.ours.look_again(op)
            if found:
                return found
        if decision.look_across_tenancy:  # someone else may use the allowance
            found = self.limit.look()
            if found:
                return found
        if decision.action == Action.STOP:
            return self._stop(op, decision, failure)
        if decision.action == Action.GIVE_UP:
            return self.endings.gave_up(decision.reason)
        if decision.action == Action.END_SWEEP:
            return self.endings.not_this_time(failure.category)
        if decision.action == Action.DROP_AD:
            context.state.targets = [
                t for t in context.state.targets if t.availability_domain != target.availability_domain
            ]
        if not context.once:
            context.reached(Phase.WAIT)
            if not context.waiter.wait(decision.wait):
                return self.endings.interrupted(op.kind)
        return None

    def _stop(self, op: Operation, decision: Decision, failure: Failure) -> RetryOutcome | None:
        """A failure retrying cannot fix; one whose state is not on disk first waits for the backend
        that should hold it (never launch again while a win is unrecorded)."""
        reason = decision.reason
        if failure.category == Category.STATE_WRITE:
            recovery = self.backend.wait()
            if recovery == Recovery.INTERRUPTED:
                return self.endings.interrupted(op.kind)
            if recovery == Recovery.PUSHED:
                recovered = self.ours.after_backend_recovery(op)
                if recovered:
                    return recovered
            reason = unsaved_launch(self.context.prepared.workdir, failure)
        return self.endings.stopped(failure.category, reason + self.backend.note())


def _local_state_holds_instance(state_file: Path) -> bool:
    """A local terraform.tfstate with our instance in it (a migration leaves it empty)."""
    try:
        document = json.loads(state_file.read_text() or "{}")
    except (OSError, ValueError):
        return False
    return isinstance(document, dict) and any(
        resource.get("type") == "oci_core_instance" and resource.get("instances")
        for resource in document.get("resources", [])
        if isinstance(resource, dict)
    )
