"""The loop: attempt, classify, decide, journal, notify, wait; until the instance exists.

Each (AD, size) target gets a saved plan that is applied again and again while
the state is unchanged, so after the first attempt an attempt is one
LaunchInstance call. Waiting happens only in policy.Waiter.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

from .engine.apply import StalePlan, apply_plan
from .engine.init import init_if_needed
from .engine.output import outputs
from .engine.plan import creates_instance, plan
from .engine.refresh import refresh_only
from .engine.runner import Terraform, TerraformError
from .engine.state import push_state
from .errors import ExitCode, UsageError
from .failures import Category, Failure
from .journal import Event, Journal
from .notify import Notifier
from .policy import Action, Policy, PolicyConfig, Waiter
from .prepare import Prepared
from .progress import Reporter
from .reconcile import Keeping, Kept, Reconciler
from .render import Target, render
from .result import LaunchResult, write_launch_result

EXIT_OK, EXIT_STOPPED, EXIT_GAVE_UP, EXIT_INTERRUPTED = ExitCode.OK, ExitCode.STOPPED, ExitCode.GAVE_UP, ExitCode.INTERRUPTED
STATE_LOCK_NOTE = "; waited for the state lock held by another run"


@dataclass(frozen=True)
class RetryOutcome:
    exit_code: int
    message: str
    launch: LaunchResult | None = None


class _StateHasInstance(Exception):
    """A fresh plan does not create the instance: another run sharing the state won it meanwhile."""


@dataclass
class _Run:
    """What this run has seen so far (the journal keeps the history across runs)."""

    started: float
    attempts: int = 0
    plans_without_launch: int = 0  # fresh plans in a row that found an instance in the state
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
        self._waited_for_state_lock = False  # in the current attempt

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
        if workdir.remote_state and _local_state_holds_instance(workdir.state):
            raise UsageError("STATE_BACKEND", f"this workdir's instance is in its local state, not in the "
                             f"{self.settings.state_backend} backend; move it there first with "
                             "`coinpilot-tf render --migrate-state` (same settings), then run again")
        try:
            if init_if_needed(self.tf, self.settings.backend_config):
                self._forget_plans()  # a saved plan records the backend and engine it was made with
        except TerraformError as error:
            return self._init_failed(error)
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
            lock_waits = self.tf.state_lock_waits
            try:
                failure = self._attempt(target)
            except _StateHasInstance:
                number, run.attempts = number - 1, run.attempts - 1  # nothing was tried
                found = self._look_for_ours(run)
                if found:
                    return found
                # It was gone and left the state: the next plan creates one, or something is wrong.
                run.plans_without_launch += 1
                if run.plans_without_launch > 1:
                    return self._stopped(Category.INVALID, "the plan does not create the instance, yet the state holds "
                                                           "none to keep: see `coinpilot-tf terraform plan`")
                continue
            run.plans_without_launch = 0
            self._waited_for_state_lock = self.tf.state_lock_waits > lock_waits
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
            self.reporter.attempt(entry, decision.reason + (STATE_LOCK_NOTE if self._waited_for_state_lock else ""))
            self._notify_attempt(run, failure, wait)
            if decision.reconcile:  # the launch may have gone through, or ours exists already
                found = self._look_for_ours(run)
                if found:
                    return found
            if decision.action == Action.STOP:
                return self._stopped(failure.category, decision.reason + self._errored_state_note())
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
            if not workdir.has_state:
                refresh_only(self.tf)
            # A stale plan is remade once, within the same attempt: the state changed since it was
            # made, and with a shared state the new plan tells whether another run won meanwhile.
            for remade in (False, True):
                if not plan_file.exists():
                    if not creates_instance(plan(self.tf, plan_file, target.as_vars())):
                        plan_file.unlink(missing_ok=True)
                        raise _StateHasInstance
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
        stopped = self._push_errored_state()
        if stopped:
            return stopped
        try:
            kept = self.reconciler.find()
        except TerraformError as error:
            # Terraform could not read or record the instance; nothing was launched meanwhile.
            return self._stopped("reconcile", f"{error}; nothing was launched, and the next `coinpilot-tf retry` "
                                              "checks again first")
        if kept is None:
            return None
        if self.interrupted:
            return self._interrupted(run)  # it stays in state: the next run finds it there
        return self._kept(kept, run)

    def _kept(self, kept: Kept, run: _Run) -> RetryOutcome:
        launch = self._launch_result(attempts=run.attempts)
        if kept.how == Keeping.IN_STATE:
            self.journal.append(Event.ALREADY_WON, instance_id=launch.instance_id, attempts=run.attempts)
            remote = self.prepared.workdir.remote_state
            if run.attempts and remote:  # it appeared while this run was trying
                self.notifier.won_elsewhere(launch.instance_id, run.attempts)
                return RetryOutcome(EXIT_OK, f"another run sharing the {self.settings.state_backend} state won the "
                                             "instance meanwhile; nothing launched by this one", launch)
            where = f"the shared state ({self.settings.state_backend} backend)" if remote else "this workdir's state"
            return RetryOutcome(EXIT_OK, f"the instance already exists in {where}; nothing launched", launch)
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
            **({"waited_for_state_lock": True} if self._waited_for_state_lock else {}),
        )
        self.reporter.attempt(entry, "instance launched" + (STATE_LOCK_NOTE if self._waited_for_state_lock else ""))
        self._forget_plans()
        self.notifier.succeeded(launch.instance_id, launch.public_ip, launch.availability_domain,
                                launch.ocpus, launch.memory_gbs, launch.ssh_command)
        return RetryOutcome(EXIT_OK, f"instance launched after {run.attempts} attempt(s)", launch)

    def _launch_result(self, attempts: int) -> LaunchResult:
        values: dict[str, Any] = outputs(self.tf)
        launch = LaunchResult.from_outputs(values, self.prepared.ssh_private_key, attempts)
        write_launch_result(self.prepared.workdir, launch)
        return launch

    def _stopped(self, category: str, reason: str) -> RetryOutcome:
        self.journal.append(Event.STOP, category=category, reason=reason)
        self.notifier.stopped(category, reason)
        return RetryOutcome(EXIT_STOPPED, f"stopped: {reason}")

    def _init_failed(self, error: TerraformError) -> RetryOutcome:
        if not self.prepared.workdir.remote_state:
            return RetryOutcome(EXIT_STOPPED, f"stopped: {error}")
        # Init reaches the backend before anything else: its network errors are the backend's too.
        failure = error.failure
        backend = Failure(Category.BACKEND, failure.status, failure.code, failure.message, failure.request_id,
                          failure.address, failure.raw)
        reason = self.policy.decide(backend, ads_left=0).reason
        return self._stopped(Category.BACKEND, f"STATE_BACKEND={self.settings.state_backend}: terraform init failed: "
                                               f"{reason}; nothing was launched")

    def _push_errored_state(self) -> RetryOutcome | None:
        """A launch whose state the backend could not take left it in errored.tfstate: write it
        to the backend before anything else. A backend that refuses it (the shared state moved
        on) gets it set aside: the instance is then adopted from the compartment by its tag."""
        errored = self.prepared.workdir.errored_state
        if not errored.exists():
            return None
        stamp = time.strftime("%Y%m%dT%H%M%S")
        try:
            push_state(self.tf, errored)
        except TerraformError as error:
            failure = error.failure
            if failure.category in (Category.BACKEND, Category.TRANSIENT, Category.LOCKED):
                return self._stopped(Category.BACKEND, "errored.tfstate holds the state of an earlier launch and the "
                                                       f"state backend cannot take it yet ({failure.message}); nothing "
                                                       "was launched: run `coinpilot-tf retry` again once it is up")
            aside = errored.with_name(f"{errored.name}.refused-{stamp}")
            os.replace(errored, aside)
            self.reporter.note(f"the state backend refused errored.tfstate ({failure.message}); kept it as "
                               f"{aside.name} and looking for the instance in the compartment instead")
            return None
        os.replace(errored, errored.with_name(f"{errored.name}.pushed-{stamp}"))
        self.journal.append(Event.STATE_PUSHED)
        self.reporter.note("wrote errored.tfstate (the state of an earlier launch) to the state backend")
        return None

    def _errored_state_note(self) -> str:
        if not self.prepared.workdir.errored_state.exists():
            return ""
        return ("; the state of the launch is saved in errored.tfstate, and the next `coinpilot-tf retry` writes it "
                "to the backend before anything else")

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
            **({"waited_for_state_lock": True} if self._waited_for_state_lock else {}),
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


def _local_state_holds_instance(state_file) -> bool:
    """A local terraform.tfstate with our instance in it (a migration leaves it empty)."""
    try:
        document = json.loads(state_file.read_text() or "{}")
    except (OSError, ValueError):
        return False
    return any(resource.get("type") == "oci_core_instance" and resource.get("instances")
               for resource in document.get("resources", []))
