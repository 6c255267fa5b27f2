"""The loop: attempt, classify, decide, journal, notify, wait; until the instance exists.

Each (AD, size) target gets a saved plan that is applied again and again while
the state is unchanged, so after the first attempt an attempt is one
LaunchInstance call. Waiting happens only in policy.Waiter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .engine.apply import StalePlan, apply_plan
from .engine.init import init_if_needed
from .engine.output import outputs
from .engine.plan import plan
from .engine.refresh import refresh_only
from .engine.runner import Terraform, TerraformError
from .errors import ExitCode
from .failures import Category, Failure
from .journal import Event, Journal
from .notify import Notifier
from .policy import Action, Policy, PolicyConfig, Waiter
from .prepare import Prepared
from .progress import Reporter
from .reconcile import Keeping, Kept, Reconciler, compartment_instances
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
    def build(cls, prepared: Prepared, tf: Terraform, *, once: bool, reporter: Reporter) -> RetryLoop:
        settings = prepared.settings
        policy = Policy(PolicyConfig(
            retry_interval=settings.retry_interval_seconds,
            throttle_base=settings.throttle_retry_base_seconds,
            throttle_max=settings.throttle_retry_max_seconds,
            throttle_jitter=settings.throttle_jitter_max_seconds,
        ))
        notifier = Notifier(settings.discord_webhook_url, log=reporter.note)
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
        self.notifier = notifier
        self.reporter = reporter
        self.once = once
        self.clock = clock
        self.journal = Journal(prepared.workdir.journal)
        self.reconciler = Reconciler(tf, self.settings.instance_name, waiter, self._compartment_instances, reporter.note)
        # The cloud's phase hook: the fault-injection tests' crash points, nothing against OCI.
        self._reached = tf.cloud.reached
        self.interrupted = False

    def interrupt(self) -> None:
        """From a signal handler: end a wait at once, let a running Terraform save its state."""
        self.interrupted = True
        self.waiter.interrupt()
        self.tf.interrupt()

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> RetryOutcome:
        workdir = self.prepared.workdir
        self.targets = [Target(ad, size) for size in self.settings.size_list() for ad in self.prepared.availability_domains]
        if render(self.settings, self.targets[0], self.prepared.ssh_public_key, workdir):
            self._forget_plans()  # the module or its values changed under the saved plans
        self._reached("render")
        self.tf.write_cli_config()
        try:
            init_if_needed(self.tf)
        except TerraformError as error:
            return RetryOutcome(EXIT_STOPPED, f"stopped: {error}")
        self._reached("init")
        run = _Run(started=self.clock())
        # Before the first launch: ours may be in state already, tainted, or missing from it.
        existing = self._look_for_ours(run)
        if existing:
            return existing
        if not self.once:  # a scheduler runs --once every few minutes: no "started" each time
            self.notifier.started(self.settings.instance_name, self.prepared.availability_domains,
                                  [(size.ocpus, size.memory_gbs) for size in self.settings.size_list()])
        self.journal.append(Event.START, targets=[f"{t.availability_domain} {t.size}" for t in self.targets], once=self.once)
        number = self.journal.last_attempt_number()
        failure = None
        for target in self._schedule():
            if self.interrupted:
                return self._interrupted(run)
            number += 1
            run.attempts += 1
            began = self.clock()
            failure = self._attempt(target)
            duration = round(self.clock() - began, 3)
            self._reached("journal")
            if self.interrupted:
                self._journal_attempt(number, target, failure, duration, wait=None)
                return self._interrupted(run)
            if failure is None:
                return self._succeeded(number, target, duration, run)
            ads_left = len({t.availability_domain for t in self.targets}) - 1
            decision = self.policy.decide(failure, ads_left=ads_left)
            run.counts[failure.category] = run.counts.get(failure.category, 0) + 1
            # --once is for schedulers: they do the waiting.
            wait = 0.0 if self.once else decision.wait
            entry = self._journal_attempt(number, target, failure, duration, wait)
            self.reporter.attempt(entry, decision.reason)
            self._notify_attempt(run, failure, wait)
            if decision.reconcile:  # the launch may have gone through, or ours exists already
                found = self._look_for_ours(run)
                if found:
                    return found
            if decision.action == Action.STOP:
                self.journal.append(Event.STOP, category=failure.category, reason=decision.reason)
                self.notifier.stopped(failure.category, decision.reason)
                return RetryOutcome(EXIT_STOPPED, f"stopped: {decision.reason}")
            if decision.action == Action.DROP_AD:
                self.targets = [t for t in self.targets if t.availability_domain != target.availability_domain]
            if self.once and failure.category == Category.THROTTLE:
                break  # more calls now would only be throttled too
            if self.settings.max_attempts and run.attempts >= self.settings.max_attempts:
                return self._gave_up(run, f"MAX_ATTEMPTS={self.settings.max_attempts} reached (last: {failure.category})")
            if not self.once:
                self._reached("wait")
                if not self.waiter.wait(wait):
                    return self._interrupted(run)
        return self._gave_up(run, f"--once: no instance this time (last: {failure.category if failure else 'none'})")

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
            for remade in (False, True):  # a stale plan is remade once, within the same attempt
                if not plan_file.exists():
                    plan(self.tf, plan_file, target.as_vars())
                    self._reached("plan")
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

    # -- endings --------------------------------------------------------------------------------

    def _look_for_ours(self, run: _Run) -> RetryOutcome | None:
        """The ending if our instance exists (in state, tainted, or in the compartment); None to launch."""
        try:
            kept = self.reconciler.find()
        except TerraformError as error:
            # Terraform could not read or record the instance; nothing was launched meanwhile.
            reason = f"{error}; nothing was launched, and the next `coinpilot-tf retry` checks again first"
            self.journal.append(Event.STOP, category="reconcile", reason=reason)
            self.notifier.stopped("reconcile", reason)
            return RetryOutcome(EXIT_STOPPED, f"stopped: {reason}")
        if kept is None:
            return None
        if self.interrupted:
            return self._interrupted(run)  # it stays in state: the next run finds it there
        return self._kept(kept, run)

    def _kept(self, kept: Kept, run: _Run) -> RetryOutcome:
        launch = self._launch_result(attempts=run.attempts)
        if kept.how == Keeping.IN_STATE:
            self.journal.append(Event.ALREADY_WON, instance_id=launch.instance_id)
            return RetryOutcome(EXIT_OK, "the instance already exists in this workdir's state; nothing launched", launch)
        self.policy.record_success()
        self.journal.append(Event(kept.how), instance_id=kept.instance_id, lifecycle_state=kept.lifecycle_state, attempts=run.attempts)
        self._forget_plans()
        self.notifier.succeeded(launch.instance_id, launch.public_ip, launch.availability_domain,
                                launch.ocpus, launch.memory_gbs, launch.ssh_command)
        if kept.how == Keeping.KEPT:
            return RetryOutcome(EXIT_OK, "the unfinished launch did create the instance: kept it", launch)
        return RetryOutcome(EXIT_OK, "adopted our instance found in the compartment (launched earlier, missing from state); "
                                     "nothing new launched", launch)

    def _succeeded(self, number: int, target: Target, duration: float, run: _Run) -> RetryOutcome:
        self.policy.record_success()
        launch = self._launch_result(attempts=run.attempts)
        entry = self.journal.append(
            Event.ATTEMPT, attempt=number, availability_domain=target.availability_domain, size=str(target.size),
            category="success", duration=duration, instance_id=launch.instance_id,
        )
        self.reporter.attempt(entry, "instance launched")
        self._forget_plans()
        self.notifier.succeeded(launch.instance_id, launch.public_ip, launch.availability_domain,
                                launch.ocpus, launch.memory_gbs, launch.ssh_command)
        return RetryOutcome(EXIT_OK, f"instance launched after {run.attempts} attempt(s)", launch)

    def _launch_result(self, attempts: int) -> LaunchResult:
        values: dict[str, Any] = outputs(self.tf)
        launch = LaunchResult.from_outputs(values, self.prepared.ssh_private_key, attempts)
        write_launch_result(self.prepared.workdir, launch)
        return launch

    def _gave_up(self, run: _Run, reason: str) -> RetryOutcome:
        self.journal.append(Event.GAVE_UP, reason=reason, attempts=run.attempts)
        if not self.once:  # for --once, "no instance this time" is the normal outcome, not news
            self.notifier.gave_up(run.attempts, reason)
        return RetryOutcome(EXIT_GAVE_UP, f"gave up: {reason}")

    def _interrupted(self, run: _Run) -> RetryOutcome:
        self.journal.append(Event.INTERRUPTED, attempts=run.attempts)
        self.notifier.interrupted(run.attempts)
        return RetryOutcome(EXIT_INTERRUPTED, "interrupted; run `coinpilot-tf retry` again to continue")

    # -- records --------------------------------------------------------------------------------

    def _journal_attempt(self, number: int, target: Target, failure: Failure | None, duration: float, wait: float | None) -> dict:
        return self.journal.append(
            Event.ATTEMPT, attempt=number, availability_domain=target.availability_domain, size=str(target.size),
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
        """ListInstances in the launch compartment, through the oci SDK and the session's cloud, in a
        child process: the SDK never stays in the process that waits between attempts."""
        from . import isolated

        settings = self.settings
        return isolated.call(compartment_instances, self.tf.cloud, settings.oci_profile, settings.compartment_ocid)

    def _forget_plans(self) -> None:
        for plan_file in self.prepared.workdir.path.glob("attempt-*.tfplan"):
            plan_file.unlink(missing_ok=True)
