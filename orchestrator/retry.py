"""The loop: attempt, decide, tell, wait; until the operation is done.

The operation (operation.py) is a launch, a start of a stopped instance, or a grow. Each (AD,
size) target gets a saved plan that is applied again and again while the state is unchanged, so
after the first attempt an attempt is one LaunchInstance (UpdateInstance, START) call. Every
saved plan is checked before its first apply: one that would delete or replace the instance is
refused. Policy decides every ending but success and interrupts; RunEvents tells the journal, the
reporter and the notifier; waiting happens only in policy.Waiter.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from . import operation
from .config import Size
from .engine.apply import StalePlan, apply_plan
from .engine.init import init_if_needed
from .engine.output import outputs
from .engine.plan import plan
from .engine.plan_safety import DestructivePlan, UnreadablePlan, refuse_destructive
from .engine.refresh import refresh_only
from .engine.runner import Terraform, TerraformError
from .engine.state import push_state, state_written
from .errors import ExitCode, ToolError, UsageError
from .failures import Category, Failure
from .humanize import duration
from .journal import Event, Journal
from .notify import Event as NotifyEvent
from .notify import Notifier
from .oci_api import Instance
from .operation import STOPPED_STATES, Kind, Operation
from .policy import Action, Decision, Policy, PolicyConfig, Waiter
from .prepare import Prepared
from .progress import Reporter
from .reconcile import Keeping, Kept, Reconciler, compartment_instances, unsaved_launch
from .render import Target, render
from .result import LaunchResult, write_launch_result
from .run_events import RunEvents

RECONCILE = "reconcile"  # the stop category when Terraform cannot read or record our instance
# A shared state that could not record a launch is waited for within the run, this long: until it
# holds the instance, another run sharing it could launch a second one.
BACKEND_RECOVERY_SECONDS = 900
BACKEND_RETRY_FIRST_SECONDS = 5
BACKEND_RETRY_MAX_SECONDS = 15  # a push is cheap; a longer wait is a longer window for that
# What a state backend answers while it cannot take errored.tfstate yet.
_BACKEND_DOWN = (Category.BACKEND, Category.TRANSIENT, Category.LOCKED)


class _StateHasInstance(Exception):
    """A fresh plan does not create the instance: another run sharing the state won it meanwhile."""


@dataclass(frozen=True)
class RetryOutcome:
    exit_code: ExitCode
    message: str
    launch: LaunchResult | None = None


class RetryLoop:
    @classmethod
    def build(
        cls, prepared: Prepared, tf: Terraform, *, once: bool, reporter: Reporter, grow: bool = False
    ) -> RetryLoop:
        settings = prepared.settings
        policy = Policy(
            PolicyConfig(
                retry_interval=settings.retry_interval_seconds,
                throttle_base=settings.throttle_retry_base_seconds,
                throttle_max=settings.throttle_retry_max_seconds,
                throttle_jitter=settings.throttle_jitter_max_seconds,
                max_attempts=settings.max_attempts,
                once=once,
            )
        )
        notifier = Notifier.from_settings(settings, log=reporter.note)
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
    ):
        """grow: resize the won instance to the first size (`coinpilot-tf grow`) instead of launching."""
        self.prepared = prepared
        self.settings = prepared.settings
        self.tf = tf
        self.policy = policy
        self.waiter = waiter
        self.once = once
        self.grow = grow
        self.clock = clock
        self.journal = Journal(prepared.workdir.journal, warn=reporter.note)
        self.events = RunEvents(
            self.journal, reporter, notifier, once=once, notify_every=self.settings.notify_every_n_attempts, clock=clock
        )
        tf.on_state_lock_wait = self.events.state_lock_waiting
        self.reconciler = Reconciler(
            tf, self.settings.instance_name, waiter, self._compartment_instances, reporter.note
        )
        # The cloud's phase hook: the fault-injection tests' crash points; nothing against OCI.
        self._reached = tf.cloud.reached
        self.targets: list[Target] = []  # the current operation's, less dropped ADs
        self.interrupted = False
        self._plans_without_launch = 0  # fresh plans in a row that found an instance in the state
        self._state_written = False  # known to be written: plans can be saved against it
        self._lock_waits_told = 0  # the engine's state-lock waits already journaled with an attempt
        self._checked_plans: set[Path] = set()  # saved plans refuse_destructive has passed in this run

    def interrupt(self) -> None:
        """From a signal handler: end a wait at once, let a running Terraform save its state."""
        self.interrupted = True
        self.waiter.interrupt()
        self.tf.interrupt()

    # -- the runs -------------------------------------------------------------------------------

    def run(self) -> RetryOutcome:
        try:
            return self._run()
        finally:
            self.events.close()

    def _run(self) -> RetryOutcome:
        """`retry`: launch the instance, or start it if it is stopped, relaunch it if it is gone;
        `grow`: resize the won instance in place. Each goes through the same loop."""
        launching = operation.launch(self.settings.size_list(), self.prepared.availability_domains)
        outcome = self._set_up(launching)
        if outcome:
            return outcome
        # Before anything else: ours may be in state already (running, stopped, terminated), tainted,
        # or missing from it.
        outcome, kept = self._find_ours()
        if outcome:
            return outcome
        if self.grow:
            return self._grow_won(kept)
        if kept is None:
            outcome = self._loop(launching)
        elif kept.lifecycle_state in STOPPED_STATES:
            outcome = self._start(kept)
        else:
            outcome = self._kept(kept)
        return self._after_win(outcome)

    def _set_up(self, op: Operation) -> RetryOutcome | None:
        """The module the operation needs, the engine's CLI config and init; an outcome only if init failed."""
        workdir = self.prepared.workdir
        if render(self.settings, op.targets[0], self.prepared.ssh_public_key, workdir, op.manage_size):
            self._forget_plans()  # the module or its values changed under the saved plans
        self._reached("render")
        self.tf.write_cli_config()
        if workdir.remote_state and _local_state_holds_instance(workdir.state):
            raise UsageError(
                "STATE_BACKEND",
                f"this workdir's instance is in its local state, not in the "
                f"{self.settings.state_backend} backend; move it there first with "
                "`coinpilot-tf render --migrate-state` (same settings), then run again",
            )
        try:
            if init_if_needed(self.tf, self.settings.backend_config):
                self._forget_plans()  # a saved plan records the backend and engine it was made with
        except TerraformError as error:
            return self._init_failed(error)
        self._reached("init")
        return None

    def _after_win(self, outcome: RetryOutcome) -> RetryOutcome:
        """A smaller size won: say that `grow` can resize it, or go on into grow (GROW_AFTER_WIN)."""
        launch = outcome.launch
        wanted = self.settings.size_list()[0]
        if outcome.exit_code != ExitCode.OK or launch is None or launch.ocpus is None or launch.memory_gbs is None:
            return outcome
        current = Size.of(launch.ocpus, launch.memory_gbs)
        if not operation.smaller(current, wanted):
            return outcome
        if self.settings.grow_after_win:
            self.events.note(f"{outcome.message}; GROW_AFTER_WIN: resizing it to {wanted} now (the instance reboots)")
            return self._grow(launch.instance_id, launch.availability_domain, current)
        return RetryOutcome(
            outcome.exit_code,
            f"{outcome.message}\nthe instance is {current}, smaller than the first "
            f"size {wanted}: `coinpilot-tf grow` resizes it in place (it reboots), or set "
            "GROW_AFTER_WIN=true to let `retry` do it",
            launch,
        )

    def _grow_won(self, kept: Kept | None) -> RetryOutcome:
        if kept is None:
            return RetryOutcome(
                ExitCode.STOPPED,
                "nothing to grow: the state holds no instance (or it was terminated); "
                "`coinpilot-tf retry` launches one",
            )
        values = outputs(self.tf)
        current = Size.of(values["ocpus"], values["memory_gbs"])
        wanted = self.settings.size_list()[0]
        if not operation.smaller(current, wanted):
            return RetryOutcome(
                ExitCode.OK,
                f"nothing to grow: the instance is {current}, the first size is {wanted}",
                self._launch_result(self._recorded_attempts()),
            )
        return self._grow(kept.instance_id, str(values["availability_domain"]), current)

    def _grow(self, instance_id: str, availability_domain: str, current: Size) -> RetryOutcome:
        growing = operation.grow(instance_id, availability_domain, self.settings.size_list()[0])
        failed = self._set_up(growing)
        if failed:
            return failed
        if not self.once:
            wanted = growing.targets[0].size
            self.events.notify(
                NotifyEvent.GROWING,
                instance_name=self.settings.instance_name,
                current=(current.ocpus, current.memory_gbs),
                wanted=(wanted.ocpus, wanted.memory_gbs),
            )
        try:
            return self._loop(growing)
        finally:
            # Back to the module every other command uses: shape_config ignored again.
            render(self.settings, growing.targets[0], self.prepared.ssh_public_key, self.prepared.workdir)

    def _start(self, kept: Kept) -> RetryOutcome:
        values = outputs(self.tf)
        if self._newly_stopped(kept.instance_id):
            self.journal.append(
                Event.INSTANCE_STOPPED, instance_id=kept.instance_id, lifecycle_state=kept.lifecycle_state
            )
            self.events.notify(
                NotifyEvent.STARTING, instance_id=kept.instance_id, lifecycle_state=str(kept.lifecycle_state)
            )
        self.events.note(
            f"the instance {kept.instance_id} is {kept.lifecycle_state} (stopped by OCI or a user); starting it"
        )
        size = Size.of(values["ocpus"], values["memory_gbs"])
        return self._loop(operation.start(kept.instance_id, str(values["availability_domain"]), size))

    def _newly_stopped(self, instance_id: str) -> bool:
        """False while the journal already says this stop was seen (a scheduler's --once runs repeat it)."""
        for entry in reversed(list(self.journal.entries())):
            if entry.get("event") == Event.INSTANCE_STOPPED:
                return entry.get("instance_id") != instance_id
            if (
                entry.get("event") in (Event.STARTED, Event.DESTROY, Event.ALREADY_WON)
                or entry.get("category") == "success"
            ):
                return True
        return True

    def _record_lost(self) -> None:
        lost = self.reconciler.lost
        if lost is None:
            return
        self.reconciler.lost = None
        self.journal.append(
            Event.INSTANCE_GONE,
            instance_id=lost.instance_id,
            lifecycle_state=lost.lifecycle_state,
            reason=f"{lost.lifecycle_state.lower()} in OCI: terminated by OCI or a user; launching a new one",
        )
        self.prepared.workdir.launch_result.unlink(missing_ok=True)
        self.events.notify(
            NotifyEvent.INSTANCE_LOST, instance_id=lost.instance_id, lifecycle_state=lost.lifecycle_state
        )

    # -- the loop -------------------------------------------------------------------------------

    def _loop(self, op: Operation) -> RetryOutcome:
        """Attempts at the operation's targets until it is done, a failure retrying cannot fix,
        MAX_ATTEMPTS, --once's sweep, or an interrupt."""
        self.targets = list(op.targets)
        number = self.events.started(
            op.kind,
            self.settings.instance_name,
            self.prepared.availability_domains,
            [(size.ocpus, size.memory_gbs) for size in self.settings.size_list()],
            self.targets,
        )
        last: Failure | None = None
        for target in self._schedule():
            if self.interrupted:
                return self._interrupted(op.kind)
            outcome, failure, tried = self._one_attempt(op, number + 1, target)
            if outcome:
                return outcome
            number += tried
            last = failure or last
        return self._gave_up(f"--once: not done this time (last: {last.category if last else 'none'})")

    def _one_attempt(
        self, op: Operation, number: int, target: Target
    ) -> tuple[RetryOutcome | None, Failure | None, bool]:
        """Attempt, then act on the policy's decision: (an outcome when the run ends here, the
        failure, whether an attempt was made at all)."""
        self.events.attempt_began()
        began = self.clock()
        try:
            failure = self._attempt(op, target)
        except _StateHasInstance:
            self.events.attempt_withdrawn()  # nothing was tried
            return self._state_has_instance(), None, False
        except DestructivePlan as error:
            return self._refused(error), None, False
        self._plans_without_launch = 0
        # A wait on the shared state's lock since the last attempt (in it, or in the look before it).
        waited = self.tf.state_lock_waits > self._lock_waits_told
        self._lock_waits_told = self.tf.state_lock_waits
        duration = round(self.clock() - began, 3)
        self._reached("journal")
        if self.interrupted:
            self.events.cut_short(number, target, failure, duration)
            return self._interrupted(op.kind), failure, True
        if failure is None:
            return self._done(op, number, target, duration, waited), None, True
        ads_left = len({t.availability_domain for t in self.targets}) - 1
        decision = self.policy.decide(failure, ads_left=ads_left, attempts=self.events.attempts)
        self.events.failed(number, target, failure, duration, decision, waited_for_state_lock=waited)
        return self._act(op, decision, failure, target), failure, True

    def _state_has_instance(self) -> RetryOutcome | None:
        found = self._look_for_ours()
        if found:
            return found
        # It was gone and left the state: the next plan creates one, or something is wrong.
        self._plans_without_launch += 1
        if self._plans_without_launch > 1:
            return self._stopped(
                Category.INVALID,
                "the plan does not create the instance, yet the state holds "
                "none to keep: see `coinpilot-tf terraform plan`",
            )
        return None

    def _act(self, op: Operation, decision: Decision, failure: Failure, target: Target) -> RetryOutcome | None:
        if decision.reconcile:  # the call may have gone through, or ours exists already
            found = self._look_again(op)
            if found:
                return found
        if decision.action == Action.STOP:
            reason = decision.reason
            if failure.category == Category.STATE_WRITE:  # never launch again while a win is unrecorded
                recovered = self._wait_for_the_backend(op)
                if recovered:
                    return recovered
                reason = unsaved_launch(self.prepared.workdir, failure)
            return self._stopped(failure.category, reason + self._errored_state_note())
        if decision.action == Action.GIVE_UP:
            return self._gave_up(decision.reason)
        if decision.action == Action.END_SWEEP:
            return self._gave_up(f"--once: not done this time (last: {failure.category})")
        if decision.action == Action.DROP_AD:
            self.targets = [t for t in self.targets if t.availability_domain != target.availability_domain]
        if not self.once:
            self._reached("wait")
            if not self.waiter.wait(decision.wait):
                return self._interrupted(op.kind)
        return None

    def _schedule(self):
        """Targets in rotation (largest size first, ADs in turn); --once makes one sweep."""
        while self.targets:
            for target in list(self.targets):
                if target in self.targets:
                    yield target
            if self.once:
                return

    def _attempt(self, op: Operation, target: Target) -> Failure | None:
        """None if the operation went through, else what went wrong."""
        workdir = self.prepared.workdir
        plan_file = workdir.plan_file(target.availability_domain, op.plan_label(target))
        try:
            if not self._state_written:
                self._state_written = state_written(self.tf)
            if not self._state_written:  # so that the plans made now stay valid after the first apply
                refresh_only(self.tf)
                self._state_written = True
            try:
                self._plan_and_apply(op, plan_file, target)
            except StalePlan:  # remade once, within the same attempt
                plan_file.unlink(missing_ok=True)
                self._plan_and_apply(op, plan_file, target)
        except TerraformError as error:
            return error.failure
        return None

    def _plan_and_apply(self, op: Operation, plan_file: Path, target: Target) -> None:
        self._saved_plan(op, plan_file, target)
        apply_plan(self.tf, plan_file)

    def _saved_plan(self, op: Operation, plan_file: Path, target: Target) -> None:
        """Make the target's plan if there is none, and check it before its first apply in this run
        (a saved plan never changes: once is enough). DestructivePlan if it would delete our instance."""
        for _ in range(2):  # a plan Terraform cannot read (cut short by a crash) is made again, once
            if not plan_file.exists():
                self._checked_plans.discard(plan_file)
                planned = plan(self.tf, plan_file, target.as_vars())
                # After a stale plan the new one tells whether another run sharing the state won meanwhile.
                if op.kind == Kind.LAUNCH and not planned.creates_instance:
                    plan_file.unlink(missing_ok=True)
                    raise _StateHasInstance
                self._reached("plan")
            if plan_file in self._checked_plans:
                return
            try:
                refuse_destructive(self.tf, plan_file)
            except UnreadablePlan:
                plan_file.unlink(missing_ok=True)
                continue
            except DestructivePlan:
                plan_file.unlink(missing_ok=True)
                raise
            self._checked_plans.add(plan_file)
            return
        raise ToolError(
            f"Terraform cannot read the plan it has just saved ({plan_file.name}); see `coinpilot-tf doctor`"
        )

    # -- endings --------------------------------------------------------------------------------

    def _look_again(self, op: Operation) -> RetryOutcome | None:
        """After a failure that may hide a success: the ending if the operation is done after all."""
        if op.kind == Kind.LAUNCH:
            return self._look_for_ours()
        try:
            refresh_only(self.tf)
        except TerraformError:
            return None  # the next attempt will tell
        if not op.done(outputs(self.tf)):
            return None
        self.events.note(f"the {op.kind} went through after all")
        return self._done(op)

    def _look_for_ours(self) -> RetryOutcome | None:
        """The ending if our instance exists (in state, tainted, or in the compartment); None to launch."""
        outcome, kept = self._find_ours()
        if outcome or kept is None:
            return outcome
        return self._kept(kept)

    def _find_ours(self) -> tuple[RetryOutcome | None, Kept | None]:
        """(an ending due now, our instance if it exists): a pending errored.tfstate goes to the
        backend first; a stop or an interrupt meanwhile is the ending (the instance stays in state)."""
        outcome = self._push_errored_state()
        if outcome:
            return outcome, None
        try:
            kept = self.reconciler.find()
        except TerraformError as error:
            return self._reconcile_failed(error), None
        self._record_lost()
        if kept is not None and self.interrupted:
            return self._interrupted(Kind.GROW if self.grow else Kind.LAUNCH), kept
        return None, kept

    def _reconcile_failed(self, error: TerraformError) -> RetryOutcome:
        """Terraform could not read or record the instance; nothing was launched meanwhile."""
        return self._stopped(
            RECONCILE, f"{error}; nothing was launched, and the next `coinpilot-tf retry` checks again first"
        )

    def _kept(self, kept: Kept) -> RetryOutcome:
        if kept.how == Keeping.IN_STATE:
            launch = self._launch_result(self._recorded_attempts())
        else:
            launch = self._launch_result(self.events.attempts)
            self.policy.record_success()
            self._forget_plans()
        remote = self.prepared.workdir.remote_state
        won_elsewhere = kept.how == Keeping.IN_STATE and remote and self.events.attempts > 0  # while this run tried
        self.events.kept(kept, launch, won_elsewhere=won_elsewhere)
        if won_elsewhere:
            return RetryOutcome(
                ExitCode.OK,
                f"another run sharing the {self.settings.state_backend} state won the "
                "instance meanwhile; nothing launched by this one",
                launch,
            )
        if kept.how == Keeping.IN_STATE:
            where = f"the shared state ({self.settings.state_backend} backend)" if remote else "this workdir's state"
            return RetryOutcome(ExitCode.OK, f"the instance already exists in {where}; nothing launched", launch)
        if kept.how == Keeping.KEPT:
            return RetryOutcome(ExitCode.OK, "the unfinished launch did create the instance: kept it", launch)
        return RetryOutcome(
            ExitCode.OK,
            "adopted our instance found in the compartment (launched earlier, missing "
            "from state); nothing new launched",
            launch,
        )

    def _done(
        self,
        op: Operation,
        number: int | None = None,
        target: Target | None = None,
        duration: float = 0.0,
        waited_for_state_lock: bool = False,
    ) -> RetryOutcome:
        """The operation reached its goal: record it (the successful attempt first, if there was one),
        tell the user, forget the plans."""
        self.policy.record_success()
        attempts = self.events.attempts
        launch = self._launch_result(attempts if op.kind == Kind.LAUNCH else self._recorded_attempts())
        self._forget_plans()
        self.events.done(op, number, target, duration, launch, waited_for_state_lock=waited_for_state_lock)
        return RetryOutcome(ExitCode.OK, op.success_message(attempts), launch)

    def _refused(self, error: DestructivePlan) -> RetryOutcome:
        self.journal.append(Event.REFUSED, reason=str(error))
        return self._stopped("refused", str(error))

    def _launch_result(self, attempts: int) -> LaunchResult:
        launch = LaunchResult.from_outputs(outputs(self.tf), self.prepared.ssh_private_key, attempts)
        return write_launch_result(self.prepared.workdir, launch)

    def _recorded_attempts(self) -> int:
        """The launch's attempt count, as launch_result.json recorded it (a grow or start keeps it)."""
        recorded = LaunchResult.load(self.prepared.workdir)
        return recorded.attempts if recorded and isinstance(recorded.attempts, int) else 0

    def _stopped(self, category: str, reason: str) -> RetryOutcome:
        self.events.stopped(category, reason)
        return RetryOutcome(ExitCode.STOPPED, f"stopped: {reason}")

    def _init_failed(self, error: TerraformError) -> RetryOutcome:
        if not self.prepared.workdir.remote_state:
            return RetryOutcome(ExitCode.STOPPED, f"stopped: {error}")
        # Init reaches the backend before anything else: its network errors are the backend's too.
        failure = error.failure
        backend = Failure(
            Category.BACKEND,
            failure.status,
            failure.code,
            failure.message,
            failure.request_id,
            failure.address,
            failure.raw,
        )
        reason = self.policy.decide(backend, ads_left=0).reason
        return self._stopped(
            Category.BACKEND,
            f"STATE_BACKEND={self.settings.state_backend}: terraform init failed: {reason}; nothing was launched",
        )

    def _push_errored_state(self) -> RetryOutcome | None:
        """A launch whose state the backend could not take left it in errored.tfstate: write it
        to the backend before anything else, or stop while the backend cannot take it."""
        if not self._errored_state_pending():
            return None
        failure = self._write_errored_state()
        if failure is None:
            return None
        return self._stopped(
            Category.BACKEND,
            "errored.tfstate holds the state of an earlier launch and the "
            f"state backend cannot take it yet ({failure.message}); nothing "
            "was launched: run `coinpilot-tf retry` again once it is up",
        )

    def _errored_state_pending(self) -> bool:
        return self.prepared.workdir.remote_state and self.prepared.workdir.errored_state.exists()

    def _write_errored_state(self) -> Failure | None:
        """Push errored.tfstate: None once the backend took it or refused it (the shared state moved
        on: set aside, and the instance is adopted from the compartment by its tag); the failure
        while the backend cannot take it yet."""
        errored = self.prepared.workdir.errored_state
        stamp = time.strftime("%Y%m%dT%H%M%S")
        try:
            push_state(self.tf, errored)
        except TerraformError as error:
            failure = error.failure
            if failure.category in _BACKEND_DOWN:
                return failure
            aside = errored.with_name(f"{errored.name}.refused-{stamp}")
            os.replace(errored, aside)
            self.events.note(
                f"the state backend refused errored.tfstate ({failure.message}); kept it as "
                f"{aside.name} and looking for the instance in the compartment instead"
            )
            return None
        os.replace(errored, errored.with_name(f"{errored.name}.pushed-{stamp}"))
        self.events.state_pushed()
        return None

    def _wait_for_the_backend(self, op: Operation) -> RetryOutcome | None:
        """The shared state could not record what this run changed: write errored.tfstate to it as
        soon as it is back, within the run (up to BACKEND_RECOVERY_SECONDS), since every run sharing
        it may launch again until it holds the instance. --once leaves that to the next run."""
        if self.once or not self._errored_state_pending():
            return None
        self.events.note(
            "the state backend could not record the result: writing errored.tfstate to it as soon as it is "
            f"back (trying for up to {duration(BACKEND_RECOVERY_SECONDS)})"
        )
        wait, deadline = BACKEND_RETRY_FIRST_SECONDS, self.clock() + BACKEND_RECOVERY_SECONDS
        while True:
            if self.clock() + wait > deadline:
                return None
            if not self.waiter.wait(wait):
                return self._interrupted(op.kind)
            if self._write_errored_state() is None:
                break
            wait = min(wait * 2, BACKEND_RETRY_MAX_SECONDS)
        if op.kind != Kind.LAUNCH:
            return self._look_again(op)
        outcome, kept = self._find_ours()
        if outcome or kept is None:
            return outcome
        # In the shared state now because this run wrote it there: this run's win, not another's.
        return self._kept(Kept(kept.instance, Keeping.KEPT))

    def _errored_state_note(self) -> str:
        if not self._errored_state_pending():
            return ""
        return (
            "; the state of the launch is saved in errored.tfstate, and the next `coinpilot-tf retry` writes it "
            "to the backend before anything else"
        )

    def _gave_up(self, reason: str) -> RetryOutcome:
        self.events.gave_up(reason)
        return RetryOutcome(ExitCode.GAVE_UP, f"gave up: {reason}")

    def _interrupted(self, kind: Kind) -> RetryOutcome:
        self.events.interrupted()
        command = "grow" if kind == Kind.GROW else "retry"
        return RetryOutcome(ExitCode.INTERRUPTED, f"interrupted; run `coinpilot-tf {command}` again to continue")

    # -- helpers --------------------------------------------------------------------------------

    def _compartment_instances(self) -> list[Instance]:
        """ListInstances in the launch compartment, through the oci SDK and the session's cloud, in a
        child process: the SDK never stays in the process that waits between attempts."""
        from . import isolated

        settings = self.settings
        return isolated.call(compartment_instances, self.tf.cloud, settings.oci_profile, settings.compartment_ocid)

    def _forget_plans(self) -> None:
        for plan_file in self.prepared.workdir.path.glob("attempt-*.tfplan"):
            plan_file.unlink(missing_ok=True)


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
