"""Failure -> what the loop does next (retry after a wait, drop the AD, or stop), and the one place that sleeps.

Waits come from tenacity's wait strategies; the "attempt number" they see is how many failures of
the same category came in a row, so backoff doubles per consecutive throttle/transient and starts
over when anything else happens.
"""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from tenacity import RetryCallState, wait_exponential, wait_fixed, wait_random
from tenacity.wait import wait_base

from orchestrator.failures import Category, Failure

if TYPE_CHECKING:
    from orchestrator.config import Settings


@dataclass(frozen=True)
class PolicyConfig:
    """Seconds unless named otherwise; defaults are the runbook's."""

    retry_interval: float = 600  # RETRY_INTERVAL_SECONDS
    throttle_base: float = 900  # THROTTLE_RETRY_BASE_SECONDS
    throttle_max: float = 3600  # THROTTLE_RETRY_MAX_SECONDS
    throttle_jitter: float = 120  # THROTTLE_JITTER_MAX_SECONDS
    transient_base: float = 60
    transient_max: float = 900
    # LimitExceeded can be a false alarm for about an hour after a termination (README, "Failure categories").
    limit_cooldown: float = 3600  # LIMIT_RECHECK_SECONDS
    limit_max_retries: int = 6  # LIMIT_RECHECKS
    unknown_max_retries: int = 4  # the fifth unrecognised failure in a row stops
    # The state backend going away mid-run: waited for as POLLS' BACKEND_RECOVERY does (5 s,
    # doubling to 15 s), 60 waits in a row (about 15 minutes) before the run stops.
    backend_base: float = 5
    backend_max: float = 15
    backend_max_retries: int = 60
    max_attempts: int = 0  # MAX_ATTEMPTS: give up after this many attempts in a run (0 = never)
    once: bool = False  # --once: one sweep, and the scheduler does the waiting

    @classmethod
    def from_settings(cls, settings: Settings, *, once: bool = False) -> PolicyConfig:
        """The runbook's values (RETRY_INTERVAL_SECONDS, THROTTLE_*, MAX_ATTEMPTS) as the loop uses them."""
        return cls(
            retry_interval=settings.retry_interval_seconds,
            throttle_base=settings.throttle_retry_base_seconds,
            throttle_max=settings.throttle_retry_max_seconds,
            throttle_jitter=settings.throttle_jitter_max_seconds,
            limit_cooldown=settings.limit_recheck_seconds,
            limit_max_retries=settings.limit_rechecks,
            max_attempts=settings.max_attempts,
            once=once,
        )


class Action(StrEnum):
    RETRY = "retry"
    STOP = "stop"  # a failure retrying cannot fix
    DROP_AD = "drop_ad"  # retry, without this availability domain
    GIVE_UP = "give_up"  # MAX_ATTEMPTS reached
    END_SWEEP = "end_sweep"  # --once: no more calls this run


@dataclass(frozen=True)
class Decision:
    action: Action
    wait: float  # seconds before the next attempt; 0 when stopping
    reason: str  # one line for the user
    reconcile: bool = False  # look for an existing instance before the next launch
    look_across_tenancy: bool = False  # list what uses the A1 allowance in every compartment (limit_explain.py)


class Wait(StrEnum):
    """The wait strategies (tenacity's), built from PolicyConfig in Policy.__init__."""

    CAPACITY = "capacity"
    THROTTLE = "throttle"
    TRANSIENT = "transient"
    LIMIT = "limit"
    BACKEND = "backend"


class Count(StrEnum):
    IN_A_ROW = "in_a_row"  # failures of the same category in a row
    SINCE_SUCCESS = "since_success"  # since the last success: other failures between do not reset it


@dataclass(frozen=True)
class Rule:
    """What one category makes the loop do. `reason` and `stop_reason` may use {what} (the error),
    {count}, {limit} and {ads_left}."""

    reason: str
    wait: Wait | None = None  # None: stop at once with `stop_reason`
    reconcile: bool = False  # the launch may have gone through: look for ours before launching again
    # Someone else may use the allowance: look across the tenancy, and stop if so (limit_explain.py).
    look_across_tenancy: bool = False
    count: Count = Count.IN_A_ROW
    limit: str | None = None  # PolicyConfig field: how many are retried; the next one stops
    stop_reason: str | None = None
    drop_ad: bool = False  # retry in the other availability domains; stop when none is left
    ends_once_sweep: bool = False  # under --once, more calls now would only fail the same way


RULES: dict[Category, Rule] = {
    Category.CAPACITY: Rule("out of capacity ({what})", Wait.CAPACITY),
    Category.THROTTLE: Rule("throttled by OCI, {count} in a row ({what})", Wait.THROTTLE, ends_once_sweep=True),
    # A network error or 5xx may come after OCI accepted the launch.
    Category.TRANSIENT: Rule("transient error, {count} in a row ({what})", Wait.TRANSIENT, reconcile=True),
    Category.UNCERTAIN: Rule("the launch may have succeeded ({what})", Wait.TRANSIENT, reconcile=True),
    Category.LIMIT: Rule(
        "the A1 allowance is in use ({what}); check {count}/{limit}",
        Wait.LIMIT,
        reconcile=True,
        look_across_tenancy=True,
        count=Count.SINCE_SUCCESS,
        limit="limit_max_retries",
        stop_reason="the A1 allowance is still in use after {limit} checks ({what}), with no A1 instance in the "
        "tenancy to show for it: look in Console > Governance > Limits, Quotas and Usage, or ask for a smaller size",
    ),
    # The next AD after the capacity interval: back-to-back LaunchInstance calls invite a 429.
    Category.UNAVAILABLE: Rule(
        "the shape is not offered in this availability domain ({what}); trying the next of {ads_left}",
        Wait.CAPACITY,
        drop_ad=True,
        stop_reason="the shape is not offered in any availability domain left ({what}): "
        "check AVAILABILITY_DOMAIN and the shape",
    ),
    Category.AUTH: Rule(
        "",
        stop_reason="OCI refused the credentials ({what}): check the OCI config profile, API key, "
        "fingerprint and tenancy/user OCIDs, and the IAM policies for the compartment",
    ),
    Category.INVALID: Rule(
        "", stop_reason="the request or Terraform configuration is invalid ({what}): fix it and run again"
    ),
    Category.LOCKED: Rule(
        "",
        stop_reason="the Terraform state is locked ({what}): let that run finish, or if it died run "
        "`coinpilot-tf terraform force-unlock <ID>`",
    ),
    # Nothing reached OCI (the backend is read before any call): wait for it, no look needed;
    # --once leaves it to the next run. Init's failures stop at once (loop/endings.init_failed).
    Category.BACKEND: Rule(
        "the state backend is unreachable, {count} in a row ({what}): waiting for it; check that it is up, "
        "and STATE_BACKEND_CONFIG and its credentials (PG_CONN_STR, the OCI profile, AWS_*)",
        Wait.BACKEND,
        limit="backend_max_retries",
        ends_once_sweep=True,
        stop_reason="the state backend failed ({what}): check that it is up and reachable, and "
        "STATE_BACKEND_CONFIG and its credentials (PG_CONN_STR, the OCI profile, AWS_*)",
    ),
    # Retrying would launch again while what the last launch won is not on disk (reconcile.unsaved_launch: where).
    Category.STATE_WRITE: Rule("", stop_reason="Terraform could not save its state ({what})"),
    # Like transient, but a run of them means something retrying will not fix. Who knows whether
    # the launch went through: look before launching again.
    Category.UNKNOWN: Rule(
        "unrecognised failure, {count} in a row ({what})",
        Wait.TRANSIENT,
        reconcile=True,
        limit="unknown_max_retries",
        stop_reason="{count} unrecognised failures in a row ({what}): see the full Terraform output",
    ),
}


class Poll(StrEnum):
    """Waits within one attempt's aftermath for something that is expected to come back soon."""

    BACKEND_RECOVERY = "backend_recovery"  # the state backend, to take errored.tfstate
    UNTIL_RUNNING = "until_running"  # a kept instance, while it is PROVISIONING or STARTING


@dataclass(frozen=True)
class Backoff:
    """Waits of `first` seconds, times `factor` after each one up to `most`; no more than `tries`
    of them, and none that would end more than `within` seconds after the first began."""

    first: float
    most: float
    factor: float = 1
    tries: int | None = None
    within: float = math.inf

    def waits(self, clock: Callable[[], float] = time.monotonic) -> Iterator[float]:
        deadline = clock() + self.within
        wait, tries = self.first, 0
        while (self.tries is None or tries < self.tries) and clock() + wait <= deadline:
            yield wait
            tries += 1
            wait = min(wait * self.factor, self.most)


POLLS: dict[Poll, Backoff] = {
    # Until the shared state holds what a launch won, every run sharing it may launch again:
    # a push is cheap, so try often, within the run, for up to 15 minutes.
    Poll.BACKEND_RECOVERY: Backoff(first=5, most=15, factor=2, within=900),
    # PROVISIONING usually lasts a minute or two; after 90 polls the instance is kept as it is.
    Poll.UNTIL_RUNNING: Backoff(first=10, most=10, tries=90),
}


class _wait_random_from(wait_random):
    """tenacity's wait_random draws from the global `random`; this draws from a given Random so runs can be seeded."""

    def __init__(self, rng: random.Random, min: float, max: float) -> None:
        super().__init__(min, max)
        self._rng = rng

    def __call__(self, retry_state: RetryCallState) -> float:
        return self._rng.uniform(self.wait_random_min, self.wait_random_max)


# OCI's LimitExceeded ends "Request a service limit increase...": the wrong advice for Always Free, left out.
_INCREASE_ADVICE = re.compile(r"\s*Request a service limit increase\b.*", re.IGNORECASE | re.DOTALL)


class Policy:
    """Reads RULES after each failed attempt; remembers only the counts the rules need. Every
    reason the loop ends (besides success and interrupts) is decided here."""

    def __init__(self, config: PolicyConfig, rng: random.Random | None = None, rules: dict[Category, Rule] = RULES):
        self.config = config
        self.rules = rules
        rng = rng or random.Random()
        self._waits: dict[Wait, wait_base] = {
            Wait.CAPACITY: wait_fixed(config.retry_interval),
            Wait.THROTTLE: (
                wait_exponential(multiplier=config.throttle_base, max=config.throttle_max)
                + _wait_random_from(rng, 0, config.throttle_jitter)
            ),
            Wait.TRANSIENT: wait_exponential(multiplier=config.transient_base, max=config.transient_max),
            Wait.LIMIT: wait_fixed(config.limit_cooldown),
            Wait.BACKEND: wait_exponential(multiplier=config.backend_base, max=config.backend_max),
        }
        self.record_success()

    def record_success(self) -> None:
        """An attempt got through (or the loop starts over): every count starts again."""
        self._last_category: Category | None = None
        self._in_a_row = 0
        self._since_success: dict[Category, int] = {}

    def decide(self, failure: Failure, ads_left: int, attempts: int = 0) -> Decision:
        """What to do after `failure`.

        `ads_left`: availability domains still to try besides the one that just failed (for rules
        that drop an AD). `attempts`: attempts made in this run so far (for MAX_ATTEMPTS).
        """
        decision = self._by_rule(failure, ads_left)
        if decision.action == Action.STOP:
            return decision
        config = self.config
        if config.once:
            decision = replace(decision, wait=0.0)  # a scheduler does the waiting
            if self.rules.get(failure.category, self.rules[Category.UNKNOWN]).ends_once_sweep:
                return replace(decision, action=Action.END_SWEEP)
        if config.max_attempts and attempts >= config.max_attempts:
            return replace(
                decision,
                action=Action.GIVE_UP,
                wait=0.0,  # the last attempt: no "next in" on it
                reason=f"MAX_ATTEMPTS={config.max_attempts} reached (last: {failure.category})",
            )
        return decision

    def _by_rule(self, failure: Failure, ads_left: int) -> Decision:
        category = failure.category
        rule = self.rules.get(category, self.rules[Category.UNKNOWN])
        self._in_a_row = self._in_a_row + 1 if category == self._last_category else 1
        self._last_category = category
        self._since_success[category] = self._since_success.get(category, 0) + 1
        count = self._in_a_row if rule.count == Count.IN_A_ROW else self._since_success[category]
        limit = getattr(self.config, rule.limit) if rule.limit else None
        fields = {
            "what": _INCREASE_ADVICE.sub("", failure.message or failure.first_line or "no error text"),
            "count": count,
            "limit": limit,
            "ads_left": ads_left,
        }
        if rule.wait is None or (limit is not None and count > limit) or (rule.drop_ad and ads_left <= 0):
            reason = (rule.stop_reason or rule.reason).format(**fields)
            return Decision(Action.STOP, 0.0, reason, look_across_tenancy=rule.look_across_tenancy)
        # tenacity's strategies see the count as the attempt number: backoff grows per failure in a row.
        wait = self._waits[rule.wait](_attempt(1 if rule.drop_ad else count))
        action = Action.DROP_AD if rule.drop_ad else Action.RETRY
        return Decision(action, wait, rule.reason.format(**fields), rule.reconcile, rule.look_across_tenancy)


def _attempt(number: int) -> RetryCallState:
    """The state tenacity's strategies read; only attempt_number matters to the ones used here."""
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})
    state.attempt_number = number
    return state


class Alarm(Protocol):
    """Something due at a moment (on the Waiter's clock) that a wait stops for, then goes on."""

    def due_at(self) -> float: ...

    def ring(self) -> None:
        """Do what is due, and move due_at() on (past the moment it rang at)."""


class Waiter:
    """The one place the tool sleeps between attempts; `interrupt()` (from any thread) ends it early.

    `sleep(seconds) -> interrupted` defaults to one threading.Event.wait; `clock` stamps
    `resume_at` so the loop can tell the user when the next attempt is due.
    """

    def __init__(self, clock: Callable[[], float] = time.time, sleep: Callable[[float], bool] | None = None):
        self._interrupted = threading.Event()
        self._clock = clock
        self._sleep = sleep or self._interrupted.wait
        self.resume_at: float | None = None
        self.alarm: Alarm | None = None  # rung within the waits it falls in (the digest)

    def wait(self, seconds: float) -> bool:
        """Sleep `seconds`; False if interrupted (before or during), True if the full time passed."""
        if self._interrupted.is_set():
            return False
        self.resume_at = self._clock() + seconds
        try:
            if self.alarm is None:
                return not self._sleep(seconds)
            while (due := self.alarm.due_at()) <= self.resume_at:
                if self._sleep(max(0.0, due - self._clock())):
                    return False
                self.alarm.ring()
            return not self._sleep(max(0.0, self.resume_at - self._clock()))
        finally:
            self.resume_at = None

    def interrupt(self) -> None:
        """Stop the current wait and every later one: the loop is shutting down."""
        self._interrupted.set()
