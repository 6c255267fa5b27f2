"""The loop: attempt, decide, tell, wait; until the instance exists.

Each (AD, size) target gets a saved plan that is applied again and again while
the state is unchanged, so after the first attempt an attempt is one
LaunchInstance call. Policy decides every ending but success and interrupts;
RunEvents tells the journal, the reporter and the notifier; waiting happens
only in policy.Waiter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .engine.apply import StalePlan, apply_plan
from .engine.init import init_if_needed
from .engine.output import outputs
from .engine.plan import plan
from .engine.refresh import refresh_only
from .engine.runner import Terraform, TerraformError
from .errors import ExitCode
from .failures import Category, Failure
from .journal import Journal
from .notify import Notifier
from .oci_api import Instance
from .policy import Action, Decision, Policy, PolicyConfig, Waiter
from .prepare import Prepared
from .progress import Reporter
from .reconcile import Keeping, Kept, Reconciler, unsaved_launch
from .render import Target, render
from .result import LaunchResult, write_launch_result
from .run_events import RunEvents

RECONCILE = "reconcile"  # the stop category when Terraform cannot read or record our instance


@dataclass(frozen=True)
class RetryOutcome:
    exit_code: ExitCode
    message: str
    launch: LaunchResult | None = None


class RetryLoop:
    @classmethod
    def build(cls, prepared: Prepared, tf: Terraform, *, once: bool, reporter: Reporter) -> RetryLoop:
        settings = prepared.settings
        policy = Policy(PolicyConfig(
            retry_interval=settings.retry_interval_seconds,
            throttle_base=settings.throttle_retry_base_seconds,
            throttle_max=settings.throttle_retry_max_seconds,
            throttle_jitter=settings.throttle_jitter_max_seconds,
            max_attempts=settings.max_attempts,
            once=once,
        ))
        notifier = Notifier.from_settings(settings, log=reporter.note)
        return cls(prepared, tf, policy=policy, waiter=Waiter(), notifier=notifier, reporter=reporter, once=once)

    def __init__(
        self, prepared: Prepared, tf: Terraform, *, policy: Policy, waiter: Waiter,
        notifier: Notifier, reporter: Reporter, once: bool = False, clock=time.monotonic,
    ):
        self.prepared = prepared
        self.settings = prepared.settings
        self.tf = tf
        self.policy = policy
        self.waiter = waiter
        self.once = once
        self.clock = clock
        self.journal = Journal(prepared.workdir.journal, warn=reporter.note)
        self.events = RunEvents(self.journal, reporter, notifier, once=once,
                                notify_every=self.settings.notify_every_n_attempts, clock=clock)
        self.reconciler = Reconciler(tf, self.settings.instance_name, waiter, self._compartment_instances, reporter.note)
        # The cloud's phase hook: the fault-injection tests' crash points; nothing against OCI.
        self._reached = tf.cloud.reached
        self.targets = [Target(ad, size) for size in self.settings.size_list() for ad in prepared.availability_domains]
        self.interrupted = False

    def interrupt(self) -> None:
        """From a signal handler: end a wait at once, let a running Terraform save its state."""
        self.interrupted = True
        self.waiter.interrupt()
        self.tf.interrupt()

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> RetryOutcome:
        try:
            return self._run()
        finally:
            self.events.close()

    def _run(self) -> RetryOutcome:
        outcome = self._set_up() or self._look_for_ours()  # ours may be in state, tainted, or missing from it
        if outcome:
            return outcome
        number = self.events.started(self.settings.instance_name, self.prepared.availability_domains,
                                     [(size.ocpus, size.memory_gbs) for size in self.settings.size_list()],
                                     self.targets)
        last: Failure | None = None
        for target in self._schedule():
            if self.interrupted:
                return self._interrupted()
            number += 1
            outcome, last = self._one_attempt(number, target)
            if outcome:
                return outcome
        return self._gave_up(f"--once: no instance this time (last: {last.category if last else 'none'})")

    def _set_up(self) -> RetryOutcome | None:
        """The module, the engine's CLI config and init; an outcome only if init failed."""
        if render(self.settings, self.targets[0], self.prepared.ssh_public_key, self.prepared.workdir):
            self._forget_plans()  # the module or its values changed under the saved plans
        self._reached("render")
        self.tf.write_cli_config()
        try:
            init_if_needed(self.tf)
        except TerraformError as error:
            return RetryOutcome(ExitCode.STOPPED, f"stopped: {error}")
        self._reached("init")
        return None

    def _one_attempt(self, number: int, target: Target) -> tuple[RetryOutcome | None, Failure | None]:
        """Attempt, then act on the policy's decision; an outcome when the run ends here."""
        self.events.attempt_began()
        began = self.clock()
        failure = self._attempt(target)
        duration = round(self.clock() - began, 3)
        self._reached("journal")
        if self.interrupted:
            self.events.cut_short(number, target, failure, duration)
            return self._interrupted(), failure
        if failure is None:
            return self._won(number, target, duration), None
        ads_left = len({t.availability_domain for t in self.targets}) - 1
        decision = self.policy.decide(failure, ads_left=ads_left, attempts=self.events.attempts)
        self.events.failed(number, target, failure, duration, decision)
        return self._act(decision, failure, target), failure

    def _act(self, decision: Decision, failure: Failure, target: Target) -> RetryOutcome | None:
        if decision.reconcile:  # the launch may have gone through, or ours exists already
            found = self._look_for_ours()
            if found:
                return found
        if decision.action == Action.STOP:
            reason = decision.reason
            if failure.category == Category.STATE_WRITE:  # never launch again while a win is unrecorded
                reason = unsaved_launch(self.prepared.workdir, failure)
            self.events.stopped(failure.category, reason)
            return RetryOutcome(ExitCode.STOPPED, f"stopped: {reason}")
        if decision.action == Action.GIVE_UP:
            return self._gave_up(decision.reason)
        if decision.action == Action.END_SWEEP:
            return self._gave_up(f"--once: no instance this time (last: {failure.category})")
        if decision.action == Action.DROP_AD:
            self.targets = [t for t in self.targets if t.availability_domain != target.availability_domain]
        if not self.once:
            self._reached("wait")
            if not self.waiter.wait(decision.wait):
                return self._interrupted()
        return None

    def _schedule(self):
        """Targets in rotation (largest size first, ADs in turn); --once makes one sweep."""
        while self.targets:
            for target in list(self.targets):
                if target in self.targets:
                    yield target
            if self.once:
                return

    def _attempt(self, target: Target) -> Failure | None:
        """None if the instance was launched, else what went wrong."""
        workdir = self.prepared.workdir
        plan_file = workdir.plan_file(target.availability_domain, str(target.size))
        try:
            if not workdir.state.exists():
                refresh_only(self.tf)
            try:
                self._plan_and_apply(plan_file, target)
            except StalePlan:  # remade once, within the same attempt
                plan_file.unlink(missing_ok=True)
                self._plan_and_apply(plan_file, target)
        except TerraformError as error:
            return error.failure
        return None

    def _plan_and_apply(self, plan_file: Path, target: Target) -> None:
        if not plan_file.exists():
            plan(self.tf, plan_file, target.as_vars())
            self._reached("plan")
        apply_plan(self.tf, plan_file)

    # -- endings --------------------------------------------------------------------------------

    def _look_for_ours(self) -> RetryOutcome | None:
        """The ending if our instance exists (in state, tainted, or in the compartment); None to launch."""
        try:
            kept = self.reconciler.find()
        except TerraformError as error:
            # Terraform could not read or record the instance; nothing was launched meanwhile.
            reason = f"{error}; nothing was launched, and the next `coinpilot-tf retry` checks again first"
            self.events.stopped(RECONCILE, reason)
            return RetryOutcome(ExitCode.STOPPED, f"stopped: {reason}")
        if kept is None:
            return None
        if self.interrupted:
            return self._interrupted()  # it stays in state: the next run finds it there
        return self._kept(kept)

    def _kept(self, kept: Kept) -> RetryOutcome:
        launch = self._launch_result()
        if kept.how != Keeping.IN_STATE:
            self.policy.record_success()
            self._forget_plans()
        self.events.kept(kept, launch)
        if kept.how == Keeping.IN_STATE:
            return RetryOutcome(ExitCode.OK, "the instance already exists in this workdir's state; nothing launched", launch)
        if kept.how == Keeping.KEPT:
            return RetryOutcome(ExitCode.OK, "the unfinished launch did create the instance: kept it", launch)
        return RetryOutcome(ExitCode.OK, "adopted our instance found in the compartment (launched earlier, missing from state); "
                                         "nothing new launched", launch)

    def _won(self, number: int, target: Target, duration: float) -> RetryOutcome:
        self.policy.record_success()
        launch = self._launch_result()
        self._forget_plans()
        self.events.won(number, target, duration, launch)
        return RetryOutcome(ExitCode.OK, f"instance launched after {self.events.attempts} attempt(s)", launch)

    def _launch_result(self) -> LaunchResult:
        launch = LaunchResult.from_outputs(outputs(self.tf), self.prepared.ssh_private_key, self.events.attempts)
        return write_launch_result(self.prepared.workdir, launch)

    def _gave_up(self, reason: str) -> RetryOutcome:
        self.events.gave_up(reason)
        return RetryOutcome(ExitCode.GAVE_UP, f"gave up: {reason}")

    def _interrupted(self) -> RetryOutcome:
        self.events.interrupted()
        return RetryOutcome(ExitCode.INTERRUPTED, "interrupted; run `coinpilot-tf retry` again to continue")

    # -- helpers --------------------------------------------------------------------------------

    def _compartment_instances(self) -> list[Instance]:
        """ListInstances in the launch compartment, through the oci SDK and the session's cloud."""
        with self.tf.cloud.api(self.settings.oci_profile) as api:
            return api.list_instances(self.settings.compartment_ocid)

    def _forget_plans(self) -> None:
        for plan_file in self.prepared.workdir.path.glob("attempt-*.tfplan"):
            plan_file.unlink(missing_ok=True)
