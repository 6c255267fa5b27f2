"""The loop: attempt, classify, decide, journal, notify, wait; until the operation is done.

The operation (operation.py) is a launch, a start of a stopped instance, or a grow. Each (AD,
size) target gets a saved plan that is applied again and again while the state is unchanged, so
after the first attempt an attempt is one LaunchInstance (UpdateInstance, START) call. Every
saved plan is checked before its first apply: one that would delete or replace the instance is
refused. Waiting happens only in policy.Waiter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import operation
from .config import Size
from .engine.apply import StalePlan, apply_plan
from .engine.init import init_if_needed
from .engine.output import outputs
from .engine.plan import plan
from .engine.plan_safety import DestructivePlan, UnreadablePlan, refuse_destructive
from .engine.refresh import refresh_only
from .engine.runner import Terraform, TerraformError
from .errors import ExitCode, ToolError
from .failures import Category, Failure
from .journal import Event, Journal
from .notify import Notifier
from .operation import STOPPED_STATES, Kind, Operation
from .policy import Action, Policy, PolicyConfig, Waiter
from .prepare import Prepared
from .progress import Reporter
from .reconcile import Keeping, Kept, Reconciler
from .render import Target, render
from .result import LaunchResult, write_launch_result

EXIT_OK, EXIT_STOPPED, EXIT_GAVE_UP, EXIT_INTERRUPTED = ExitCode.OK, ExitCode.STOPPED, ExitCode.GAVE_UP, ExitCode.INTERRUPTED


@dataclass(frozen=True)
class RetryOutcome:
    exit_code: int
    message: str
    launch: LaunchResult | None = None


@dataclass
class _Run:
    """What this run has seen so far (the journal keeps the history across runs)."""

    started: float
    attempts: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    last_category: str | None = None


class RetryLoop:
    @classmethod
    def build(cls, prepared: Prepared, tf: Terraform, *, once: bool, reporter: Reporter, grow: bool = False) -> RetryLoop:
        settings = prepared.settings
        policy = Policy(PolicyConfig(
            retry_interval=settings.retry_interval_seconds,
            throttle_base=settings.throttle_retry_base_seconds,
            throttle_max=settings.throttle_retry_max_seconds,
            throttle_jitter=settings.throttle_jitter_max_seconds,
        ))
        notifier = Notifier(settings.discord_webhook_url, log=reporter.note)
        return cls(prepared, tf, policy=policy, waiter=Waiter(), notifier=notifier, reporter=reporter, once=once, grow=grow)

    def __init__(
        self, prepared: Prepared, tf: Terraform, *, policy: Policy, waiter: Waiter,
        notifier: Notifier, reporter: Reporter, once: bool = False, grow: bool = False, clock=time.monotonic,
    ):
        """grow: resize the won instance to the first size (`coinpilot-tf grow`) instead of launching."""
        self.prepared = prepared
        self.settings = prepared.settings
        self.tf = tf
        self.policy = policy
        self.waiter = waiter
        self.notifier = notifier
        self.reporter = reporter
        self.once = once
        self.grow = grow
        self.clock = clock
        self.journal = Journal(prepared.workdir.journal)
        self.reconciler = Reconciler(tf, self.settings.instance_name, waiter, self._compartment_instances, reporter.note)
        # The cloud's phase hook: the fault-injection tests' crash points, nothing against OCI.
        self._reached = tf.cloud.reached
        self.interrupted = False
        self._checked_plans: set[Path] = set()  # saved plans refuse_destructive has passed in this run

    def interrupt(self) -> None:
        """From a signal handler: end a wait at once, let a running Terraform save its state."""
        self.interrupted = True
        self.waiter.interrupt()
        self.tf.interrupt()

    # -- the runs -------------------------------------------------------------------------------

    def run(self) -> RetryOutcome:
        """`retry`: launch the instance, or start it if it is stopped, relaunch it if it is gone;
        `grow`: resize the won instance in place. Each goes through the same loop."""
        launching = operation.launch(self.settings.size_list(), self.prepared.availability_domains)
        failed = self._render(launching)
        if failed:
            return failed
        run = _Run(started=self.clock())
        # Before anything else: ours may be in state already (running, stopped, terminated), tainted,
        # or missing from it.
        try:
            kept = self.reconciler.find()
        except TerraformError as error:
            return self._reconcile_failed(error)
        self._record_lost()
        if kept is not None and self.interrupted:
            return self._interrupted(run, launching)  # it stays in state: the next run finds it there
        if self.grow:
            return self._grow_won(kept)
        if kept is None:
            outcome = self._loop(launching)
        elif kept.lifecycle_state in STOPPED_STATES:
            outcome = self._start(kept)
        else:
            outcome = self._kept(kept, run)
        return self._after_win(outcome)

    def _render(self, op: Operation) -> RetryOutcome | None:
        """Write the module the operation needs (and init if needed); an ending if init fails."""
        if render(self.settings, op.targets[0], self.prepared.ssh_public_key, self.prepared.workdir, op.manage_size):
            self._forget_plans()  # the module or its values changed under the saved plans
        self._reached("render")
        self.tf.write_cli_config()
        try:
            init_if_needed(self.tf)
        except TerraformError as error:
            return RetryOutcome(EXIT_STOPPED, f"stopped: {error}")
        self._reached("init")
        return None

    def _after_win(self, outcome: RetryOutcome) -> RetryOutcome:
        """A smaller size won: say that `grow` can resize it, or go on into grow (GROW_AFTER_WIN)."""
        launch = outcome.launch
        wanted = self.settings.size_list()[0]
        if outcome.exit_code != EXIT_OK or launch is None or launch.ocpus is None or launch.memory_gbs is None:
            return outcome
        current = Size.of(launch.ocpus, launch.memory_gbs)
        if not operation.smaller(current, wanted):
            return outcome
        if self.settings.grow_after_win:
            self.reporter.note(f"{outcome.message}; GROW_AFTER_WIN: resizing it to {wanted} now (the instance reboots)")
            return self._grow(launch.instance_id, launch.availability_domain, current)
        return RetryOutcome(outcome.exit_code, f"{outcome.message}\nthe instance is {current}, smaller than the first "
                            f"size {wanted}: `coinpilot-tf grow` resizes it in place (it reboots), or set "
                            "GROW_AFTER_WIN=true to let `retry` do it", launch)

    def _grow_won(self, kept: Kept | None) -> RetryOutcome:
        if kept is None:
            return RetryOutcome(EXIT_STOPPED, "nothing to grow: the state holds no instance (or it was terminated); "
                                              "`coinpilot-tf retry` launches one")
        values = outputs(self.tf)
        current = Size.of(values["ocpus"], values["memory_gbs"])
        wanted = self.settings.size_list()[0]
        if not operation.smaller(current, wanted):
            return RetryOutcome(EXIT_OK, f"nothing to grow: the instance is {current}, the first size is {wanted}",
                                self._launch_result(self._recorded_attempts()))
        return self._grow(kept.instance_id, str(values["availability_domain"]), current)

    def _grow(self, instance_id: str, availability_domain: str, current: Size) -> RetryOutcome:
        growing = operation.grow(instance_id, availability_domain, self.settings.size_list()[0])
        failed = self._render(growing)
        if failed:
            return failed
        if not self.once:
            wanted = growing.targets[0].size
            self.notifier.growing(self.settings.instance_name, (current.ocpus, current.memory_gbs),
                                  (wanted.ocpus, wanted.memory_gbs))
        try:
            return self._loop(growing)
        finally:
            # Back to the module every other command uses: shape_config ignored again.
            render(self.settings, growing.targets[0], self.prepared.ssh_public_key, self.prepared.workdir)

    def _start(self, kept: Kept) -> RetryOutcome:
        values = outputs(self.tf)
        if self._newly_stopped(kept.instance_id):
            self.journal.append(Event.INSTANCE_STOPPED, instance_id=kept.instance_id,
                                lifecycle_state=kept.lifecycle_state)
            self.notifier.starting(kept.instance_id, str(kept.lifecycle_state))
        self.reporter.note(f"the instance {kept.instance_id} is {kept.lifecycle_state} (stopped by OCI or a user); "
                           "starting it")
        size = Size.of(values["ocpus"], values["memory_gbs"])
        return self._loop(operation.start(kept.instance_id, str(values["availability_domain"]), size))

    def _newly_stopped(self, instance_id: str) -> bool:
        """False while the journal already says this stop was seen (a scheduler's --once runs repeat it)."""
        for entry in reversed(list(self.journal.entries())):
            if entry.get("event") == Event.INSTANCE_STOPPED:
                return entry.get("instance_id") != instance_id
            if entry.get("event") in (Event.STARTED, Event.DESTROY, Event.ALREADY_WON) or entry.get("category") == "success":
                return True
        return True

    def _record_lost(self) -> None:
        lost = self.reconciler.lost
        if lost is None:
            return
        self.reconciler.lost = None
        self.journal.append(Event.INSTANCE_GONE, instance_id=lost.instance_id,
                            lifecycle_state=lost.lifecycle_state,
                            reason=f"{lost.lifecycle_state.lower()} in OCI: terminated by OCI or a user; launching a new one")
        self.prepared.workdir.launch_result.unlink(missing_ok=True)
        self.notifier.instance_lost(lost.instance_id, lost.lifecycle_state)

    # -- the loop -------------------------------------------------------------------------------

    def _loop(self, op: Operation) -> RetryOutcome:
        """Attempts at the operation's targets until it is done, a failure retrying cannot fix,
        MAX_ATTEMPTS, --once's sweep, or an interrupt."""
        run = _Run(started=self.clock())
        self.targets = list(op.targets)
        if op.kind == Kind.LAUNCH and not self.once:  # a scheduler runs --once every few minutes: no "started" each time
            self.notifier.started(self.settings.instance_name, self.prepared.availability_domains,
                                  [(size.ocpus, size.memory_gbs) for size in self.settings.size_list()])
        self.journal.append(Event.START, operation=op.kind, targets=[f"{t.availability_domain} {t.size}" for t in self.targets],
                            once=self.once)
        number = self.journal.last_attempt_number()
        failure = None
        for target in self._schedule():
            if self.interrupted:
                return self._interrupted(run, op)
            number += 1
            run.attempts += 1
            began = self.clock()
            try:
                failure = self._attempt(op, target)
            except DestructivePlan as error:
                return self._refused(error)
            duration = round(self.clock() - began, 3)
            self._reached("journal")
            if self.interrupted:
                self._journal_attempt(op, number, target, failure, duration, wait=None)
                return self._interrupted(run, op)
            if failure is None:
                return self._succeeded(op, number, target, duration, run)
            ads_left = len({t.availability_domain for t in self.targets}) - 1
            decision = self.policy.decide(failure, ads_left=ads_left)
            run.counts[failure.category] = run.counts.get(failure.category, 0) + 1
            # --once is for schedulers: they do the waiting.
            wait = 0.0 if self.once else decision.wait
            entry = self._journal_attempt(op, number, target, failure, duration, wait)
            self.reporter.attempt(entry, decision.reason)
            self._notify_attempt(run, failure, wait)
            if decision.reconcile:  # the call may have gone through, or ours exists already
                found = self._look_again(op, run)
                if found:
                    return found
            if decision.action == Action.STOP:
                self.journal.append(Event.STOP, operation=op.kind, category=failure.category, reason=decision.reason)
                self.notifier.stopped(failure.category, decision.reason)
                return RetryOutcome(EXIT_STOPPED, f"stopped: {decision.reason}")
            if decision.action == Action.DROP_AD:
                self.targets = [t for t in self.targets if t.availability_domain != target.availability_domain]
            if self.once and failure.category == Category.THROTTLE:
                break  # more calls now would only be throttled too
            if self.settings.max_attempts and run.attempts >= self.settings.max_attempts:
                return self._gave_up(run, op, f"MAX_ATTEMPTS={self.settings.max_attempts} reached (last: {failure.category})")
            if not self.once:
                self._reached("wait")
                if not self.waiter.wait(wait):
                    return self._interrupted(run, op)
        return self._gave_up(run, op, f"--once: not done this time (last: {failure.category if failure else 'none'})")

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
            if not workdir.state.exists():
                refresh_only(self.tf)
            for remade in (False, True):  # a stale plan is remade once, within the same attempt
                self._saved_plan(plan_file, target)
                try:
                    apply_plan(self.tf, plan_file)
                    return None
                except StalePlan:
                    plan_file.unlink(missing_ok=True)
                    if remade:
                        raise
        except TerraformError as error:
            return error.failure
        return None

    def _saved_plan(self, plan_file: Path, target: Target) -> None:
        """Make the target's plan if there is none, and check it before its first apply in this run
        (a saved plan never changes: once is enough). DestructivePlan if it would delete our instance."""
        for _ in range(2):  # a plan Terraform cannot read (cut short by a crash) is made again, once
            if not plan_file.exists():
                self._checked_plans.discard(plan_file)
                try:
                    plan(self.tf, plan_file, target.as_vars())
                except TerraformError:
                    plan_file.unlink(missing_ok=True)
                    raise
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
        raise ToolError(f"Terraform cannot read the plan it has just saved ({plan_file.name}); see `coinpilot-tf doctor`")

    # -- endings --------------------------------------------------------------------------------

    def _look_again(self, op: Operation, run: _Run) -> RetryOutcome | None:
        """After a failure that may hide a success: the ending if the operation is done after all."""
        if op.kind == Kind.LAUNCH:
            return self._look_for_ours(run)
        try:
            refresh_only(self.tf)
        except TerraformError:
            return None  # the next attempt will tell
        if not op.done(outputs(self.tf)):
            return None
        self.reporter.note(f"the {op.kind} went through after all")
        return self._done(op, run)

    def _look_for_ours(self, run: _Run) -> RetryOutcome | None:
        """The ending if our instance exists (in state, tainted, or in the compartment); None to launch."""
        try:
            kept = self.reconciler.find()
        except TerraformError as error:
            return self._reconcile_failed(error)
        self._record_lost()
        if kept is None:
            return None
        if self.interrupted:
            return self._interrupted(run, operation.launch((), ()))  # it stays in state: the next run finds it there
        return self._kept(kept, run)

    def _reconcile_failed(self, error: TerraformError) -> RetryOutcome:
        """Terraform could not read or record the instance; nothing was launched meanwhile."""
        reason = f"{error}; nothing was launched, and the next `coinpilot-tf retry` checks again first"
        self.journal.append(Event.STOP, category="reconcile", reason=reason)
        self.notifier.stopped("reconcile", reason)
        return RetryOutcome(EXIT_STOPPED, f"stopped: {reason}")

    def _kept(self, kept: Kept, run: _Run) -> RetryOutcome:
        if kept.how == Keeping.IN_STATE:
            launch = self._launch_result(self._recorded_attempts())
            self.journal.append(Event.ALREADY_WON, instance_id=launch.instance_id)
            return RetryOutcome(EXIT_OK, "the instance already exists in this workdir's state; nothing launched", launch)
        launch = self._launch_result(attempts=run.attempts)
        self.policy.record_success()
        self.journal.append(Event(kept.how), instance_id=kept.instance_id, lifecycle_state=kept.lifecycle_state, attempts=run.attempts)
        self._forget_plans()
        self.notifier.succeeded(launch.instance_id, launch.public_ip, launch.availability_domain,
                                launch.ocpus, launch.memory_gbs, launch.ssh_command)
        if kept.how == Keeping.KEPT:
            return RetryOutcome(EXIT_OK, "the unfinished launch did create the instance: kept it", launch)
        return RetryOutcome(EXIT_OK, "adopted our instance found in the compartment (launched earlier, missing from state); "
                                     "nothing new launched", launch)

    def _succeeded(self, op: Operation, number: int, target: Target, duration: float, run: _Run) -> RetryOutcome:
        attempt = {"operation": op.kind, "attempt": number, "availability_domain": target.availability_domain,
                   "size": str(target.size), "category": "success", "duration": duration}
        return self._done(op, run, attempt)

    def _done(self, op: Operation, run: _Run, attempt: dict[str, Any] | None = None) -> RetryOutcome:
        """The operation reached its goal: record it (the successful attempt first, if there was one),
        tell the user, forget the plans."""
        self.policy.record_success()
        launch = self._launch_result(run.attempts if op.kind == Kind.LAUNCH else self._recorded_attempts())
        if attempt is not None:
            entry = self.journal.append(Event.ATTEMPT, **attempt, instance_id=launch.instance_id)
            self.reporter.attempt(entry, op.success_note)
        self._forget_plans()
        if op.kind == Kind.LAUNCH:
            self.notifier.succeeded(launch.instance_id, launch.public_ip, launch.availability_domain,
                                    launch.ocpus, launch.memory_gbs, launch.ssh_command)
        elif op.kind == Kind.GROW:
            self.journal.append(Event.GROWN, instance_id=launch.instance_id, size=str(op.targets[0].size),
                                attempts=run.attempts)
            self.notifier.grown(launch.instance_id, launch.ocpus, launch.memory_gbs, run.attempts)
        else:
            self.journal.append(Event.STARTED, instance_id=launch.instance_id, attempts=run.attempts)
            self.notifier.started_instance(launch.instance_id, launch.public_ip, run.attempts)
        return RetryOutcome(EXIT_OK, op.success_message(run.attempts), launch)

    def _refused(self, error: DestructivePlan) -> RetryOutcome:
        self.journal.append(Event.REFUSED, reason=str(error))
        self.notifier.stopped("refused", str(error))
        return RetryOutcome(EXIT_STOPPED, f"stopped: {error}")

    def _launch_result(self, attempts: int) -> LaunchResult:
        values: dict[str, Any] = outputs(self.tf)
        launch = LaunchResult.from_outputs(values, self.prepared.ssh_private_key, attempts)
        write_launch_result(self.prepared.workdir, launch)
        return launch

    def _recorded_attempts(self) -> int:
        """The launch's attempt count, as launch_result.json recorded it (a grow or start keeps it)."""
        recorded = LaunchResult.load(self.prepared.workdir)
        return recorded.attempts if recorded and isinstance(recorded.attempts, int) else 0

    def _gave_up(self, run: _Run, op: Operation, reason: str) -> RetryOutcome:
        self.journal.append(Event.GAVE_UP, operation=op.kind, reason=reason, attempts=run.attempts)
        if not self.once:  # for --once, "not done this time" is the normal outcome, not news
            self.notifier.gave_up(run.attempts, reason)
        return RetryOutcome(EXIT_GAVE_UP, f"gave up: {reason}")

    def _interrupted(self, run: _Run, op: Operation) -> RetryOutcome:
        self.journal.append(Event.INTERRUPTED, operation=op.kind, attempts=run.attempts)
        self.notifier.interrupted(run.attempts)
        command = "grow" if op.kind == Kind.GROW else "retry"
        return RetryOutcome(EXIT_INTERRUPTED, f"interrupted; run `coinpilot-tf {command}` again to continue")

    # -- records --------------------------------------------------------------------------------

    def _journal_attempt(self, op: Operation, number: int, target: Target, failure: Failure | None, duration: float,
                         wait: float | None) -> dict:
        return self.journal.append(
            Event.ATTEMPT, operation=op.kind, attempt=number, availability_domain=target.availability_domain, size=str(target.size),
            category=failure.category if failure else "interrupted",
            status=failure.status if failure else None, code=failure.code if failure else None,
            message=failure.first_line if failure else None, request_id=failure.request_id if failure else None,
            duration=duration, wait=None if wait is None else round(wait, 3),
        )

    def _notify_attempt(self, run: _Run, failure: Failure, wait: float) -> None:
        if run.last_category is not None and failure.category != run.last_category:
            self.notifier.category_changed(run.last_category, failure.category, wait)
        run.last_category = failure.category
        if run.attempts % self.settings.discord_notify_every_n_attempts == 0:
            self.notifier.progress(run.attempts, dict(run.counts), self.clock() - run.started)

    def _compartment_instances(self) -> list:
        """ListInstances in the launch compartment, through the oci SDK and the session's cloud."""
        with self.tf.cloud.api(self.settings.oci_profile) as api:
            return api.list_instances(self.settings.compartment_ocid)

    def _forget_plans(self) -> None:
        for plan_file in self.prepared.workdir.path.glob("attempt-*.tfplan"):
            plan_file.unlink(missing_ok=True)
