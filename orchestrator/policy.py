"""Failure -> what the loop does next (retry after a wait, drop the AD, or stop), and the one place that sleeps.

Waits come from tenacity's wait strategies; the "attempt number" they see is how many failures of
the same category came in a row, so backoff doubles per consecutive throttle/transient and starts
over when anything else happens.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from tenacity import RetryCallState, wait_exponential, wait_fixed, wait_random
from tenacity.wait import wait_base

from orchestrator.failures import Category, Failure


@dataclass(frozen=True)
class PolicyConfig:
    """Seconds unless named otherwise; defaults are the runbook's."""

    retry_interval: float = 600  # RETRY_INTERVAL_SECONDS
    throttle_base: float = 900  # THROTTLE_RETRY_BASE_SECONDS
    throttle_max: float = 3600  # THROTTLE_RETRY_MAX_SECONDS
    throttle_jitter: float = 120  # THROTTLE_JITTER_MAX_SECONDS
    transient_base: float = 60
    transient_max: float = 900
    # LimitExceeded can be a false alarm for about an hour after a termination (DESIGN.md 5).
    limit_cooldown: float = 3600
    limit_max_retries: int = 3
    unknown_max_in_a_row: int = 5


class Action(StrEnum):
    RETRY = "retry"
    STOP = "stop"
    DROP_AD = "drop_ad"


@dataclass(frozen=True)
class Decision:
    action: Action
    wait: float  # seconds before the next attempt; 0 when stopping
    reason: str  # one line for the user
    reconcile: bool = False  # look for an existing instance before the next launch


class _wait_random_from(wait_random):
    """tenacity's wait_random draws from the global `random`; this draws from a given Random so runs can be seeded."""

    def __init__(self, rng: random.Random, min: float, max: float) -> None:
        super().__init__(min, max)
        self._rng = rng

    def __call__(self, retry_state: RetryCallState) -> float:
        return self._rng.uniform(self.wait_random_min, self.wait_random_max)


_STOP_REASONS = {
    Category.AUTH: "OCI refused the credentials ({message}): check the OCI config profile, API key, "
                   "fingerprint and tenancy/user OCIDs, and the IAM policies for the compartment",
    Category.INVALID: "the request or Terraform configuration is invalid ({message}): fix it and run again",
    Category.LOCKED: "the Terraform state is locked ({message}): let that run finish, or if it died run "
                     "`coinpilot-tf terraform force-unlock <ID>`",
    Category.BACKEND: "the state backend failed ({message}): check that it is up and reachable, and "
                      "STATE_BACKEND_CONFIG and its credentials (PG_CONN_STR, the OCI profile, AWS_*)",
}


class Policy:
    """Decides after each failed attempt; remembers only the consecutive-failure counts it needs."""

    def __init__(self, config: PolicyConfig, rng: random.Random | None = None):
        self.config = config
        rng = rng or random.Random()
        self._capacity_wait = wait_fixed(config.retry_interval)
        self._throttle_wait = (wait_exponential(multiplier=config.throttle_base, max=config.throttle_max)
                               + _wait_random_from(rng, 0, config.throttle_jitter))
        self._transient_wait = wait_exponential(multiplier=config.transient_base, max=config.transient_max)
        self._limit_wait = wait_fixed(config.limit_cooldown)
        self.record_success()

    def record_success(self) -> None:
        """An attempt got through (or the loop starts over): every count starts again."""
        self._last_category: Category | None = None
        self._in_a_row = 0
        self._limit_count = 0

    def decide(self, failure: Failure, ads_left: int) -> Decision:
        """What to do after `failure`.

        `ads_left`: availability domains still to try besides the one that just failed; only
        `unavailable` uses it.
        """
        category = failure.category
        self._in_a_row = self._in_a_row + 1 if category == self._last_category else 1
        self._last_category = category
        cfg = self.config
        what = failure.message or failure.first_line or "no error text"

        if category == Category.CAPACITY:
            return self._retry(self._capacity_wait, f"out of capacity ({what})")
        if category == Category.THROTTLE:
            return self._retry(self._throttle_wait, f"throttled by OCI, {self._in_a_row} in a row ({what})")
        if category == Category.TRANSIENT:
            # A network error or 5xx may come after OCI accepted the launch: look before launching again.
            return self._retry(self._transient_wait, f"transient error, {self._in_a_row} in a row ({what})", reconcile=True)
        if category == Category.UNCERTAIN:
            return self._retry(self._transient_wait, f"the launch may have succeeded ({what})", reconcile=True)
        if category == Category.LIMIT:
            # Counted since the last success, not in a row: other failures in between do not
            # make a real limit go away.
            self._limit_count += 1
            if self._limit_count > cfg.limit_max_retries:
                return _stop(f"service limit still exceeded after {cfg.limit_max_retries} cool-downs ({what}): "
                             "terminate the other A1 instance or lower OCPUS/MEMORY_GBS")
            return self._retry(self._limit_wait, f"service limit exceeded, cool-down "
                               f"{self._limit_count}/{cfg.limit_max_retries} ({what})", reconcile=True)
        if category == Category.UNAVAILABLE:
            if ads_left <= 0:
                return _stop(f"the shape is not offered in any availability domain left ({what}): "
                             "check AVAILABILITY_DOMAIN and the shape")
            # The next AD after the capacity interval: back-to-back LaunchInstance calls invite a 429.
            return Decision(Action.DROP_AD, self._capacity_wait(_attempt(1)),
                            f"the shape is not offered in this availability domain ({what}); "
                            f"trying the next of {ads_left}")
        if category in _STOP_REASONS:
            return _stop(_STOP_REASONS[category].format(message=what))
        # unknown: like transient, but a run of them means something retrying will not fix.
        if self._in_a_row >= cfg.unknown_max_in_a_row:
            return _stop(f"{self._in_a_row} unrecognised failures in a row ({what}): see the full Terraform output")
        return self._retry(self._transient_wait, f"unrecognised failure, {self._in_a_row} in a row ({what})")

    def _retry(self, strategy: wait_base, reason: str, reconcile: bool = False) -> Decision:
        return Decision(Action.RETRY, strategy(_attempt(self._in_a_row)), reason, reconcile)


def _attempt(number: int) -> RetryCallState:
    """The state tenacity's strategies read; only attempt_number matters to the ones used here."""
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})
    state.attempt_number = number
    return state


def _stop(reason: str) -> Decision:
    return Decision(Action.STOP, 0.0, reason)


class Waiter:
    """The one place the tool sleeps between attempts; `interrupt()` (from any thread) ends it early.

    `sleep(seconds) -> interrupted` defaults to one threading.Event.wait; `clock` stamps
    `resume_at` so the loop can tell the user when the next attempt is due.
    """

    def __init__(self, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], bool] | None = None):
        self._interrupted = threading.Event()
        self._clock = clock
        self._sleep = sleep or self._interrupted.wait
        self.resume_at: float | None = None

    def wait(self, seconds: float) -> bool:
        """Sleep `seconds`; False if interrupted (before or during), True if the full time passed."""
        if self._interrupted.is_set():
            return False
        self.resume_at = self._clock() + seconds
        try:
            return not self._sleep(seconds)
        finally:
            self.resume_at = None

    def interrupt(self) -> None:
        """Stop the current wait and every later one: the loop is shutting down."""
        self._interrupted.set()
