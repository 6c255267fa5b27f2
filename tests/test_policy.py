import random
import threading

import pytest

from orchestrator.config import load_settings
from orchestrator.failures import Category, Failure
from orchestrator.policy import POLLS, Action, Backoff, Decision, Policy, PolicyConfig, Poll, Waiter

CONFIG = PolicyConfig()  # the runbook defaults


def failure(category: Category, message: str = "something happened") -> Failure:
    return Failure(category, None, None, message, None, None, raw=f"Error: {message}")


def decisions(policy: Policy, *categories: Category, ads_left: int = 2) -> list[Decision]:
    return [policy.decide(failure(category), ads_left) for category in categories]


def waits(policy: Policy, *categories: Category) -> list[float]:
    return [d.wait for d in decisions(policy, *categories)]


def test_defaults_are_the_runbooks():
    assert (CONFIG.retry_interval, CONFIG.throttle_base, CONFIG.throttle_max, CONFIG.throttle_jitter) == (
        600,
        900,
        3600,
        120,
    )


def test_capacity_waits_the_interval_every_time():
    result = decisions(Policy(CONFIG), *[Category.CAPACITY] * 4)
    assert [d.action for d in result] == [Action.RETRY] * 4
    assert [d.wait for d in result] == [600] * 4
    assert not any(d.reconcile for d in result)


def test_capacity_interval_comes_from_the_config():
    assert waits(Policy(PolicyConfig(retry_interval=42)), Category.CAPACITY) == [42]


def test_throttle_doubles_from_base_to_max_plus_seeded_jitter():
    observed = waits(Policy(CONFIG, random.Random(7)), *[Category.THROTTLE] * 4)
    jitter = random.Random(7)
    expected = [base + jitter.uniform(0, 120) for base in (900, 1800, 3600, 3600)]
    assert observed == pytest.approx(expected)
    for wait, base in zip(observed, (900, 1800, 3600, 3600), strict=False):
        assert base <= wait <= base + 120


def test_throttle_jitter_is_random_between_runs_of_different_seeds():
    first = waits(Policy(CONFIG, random.Random(1)), Category.THROTTLE)
    second = waits(Policy(CONFIG, random.Random(2)), Category.THROTTLE)
    assert first != second


def test_without_jitter_throttle_waits_are_exact():
    policy = Policy(PolicyConfig(throttle_jitter=0))
    assert waits(policy, *[Category.THROTTLE] * 4) == [900, 1800, 3600, 3600]


def test_transient_backs_off_and_caps():
    assert waits(Policy(CONFIG), *[Category.TRANSIENT] * 6) == [60, 120, 240, 480, 900, 900]


def test_transient_asks_to_reconcile():
    # A network error after the LaunchInstance request may hide an instance OCI did create.
    assert decisions(Policy(CONFIG), Category.TRANSIENT)[0].reconcile


def test_a_long_transient_streak_stays_at_the_cap():
    assert waits(Policy(CONFIG), *[Category.TRANSIENT] * 200)[-1] == 900


def test_limit_checks_again_a_bounded_number_of_times_and_looks_across_the_tenancy():
    result = decisions(Policy(CONFIG), *[Category.LIMIT] * 7)
    assert [d.action for d in result] == [Action.RETRY] * 6 + [Action.STOP]
    assert [d.wait for d in result[:6]] == [3600] * 6
    assert all(d.reconcile for d in result[:6])
    # Every one, the last too: someone else's instance is named before the run stops.
    assert all(d.look_across_tenancy for d in result)


def test_limit_checks_follow_the_settings_and_drop_the_increase_advice():
    policy = Policy(PolicyConfig(limit_cooldown=0, limit_max_retries=1))
    oci_says = failure(
        Category.LIMIT,
        "The following service limits were exceeded: standard-a1-core-count. Request a service limit increase "
        "from the service limits page in the console. ",
    )
    first, second = policy.decide(oci_says, 2), policy.decide(oci_says, 2)
    assert (first.action, first.wait, second.action) == (Action.RETRY, 0, Action.STOP)
    assert first.reason == (
        "the A1 allowance is in use (The following service limits were exceeded: standard-a1-core-count.); check 1/1"
    )
    assert "increase" not in second.reason


def test_limit_bound_counts_across_other_failures_until_a_success():
    policy = Policy(PolicyConfig(limit_max_retries=2))
    result = decisions(policy, Category.LIMIT, Category.CAPACITY, Category.LIMIT, Category.CAPACITY, Category.LIMIT)
    assert result[-1].action == Action.STOP
    policy.record_success()
    assert policy.decide(failure(Category.LIMIT), 2).action == Action.RETRY


def test_unknown_is_transient_but_stops_after_five_in_a_row():
    result = decisions(Policy(CONFIG), *[Category.UNKNOWN] * 5)
    assert [d.action for d in result] == [Action.RETRY] * 4 + [Action.STOP]
    assert [d.wait for d in result[:4]] == [60, 120, 240, 480]


def test_after_an_unknown_failure_the_loop_looks_for_ours_before_launching_again():
    # Nobody knows whether that launch went through.
    assert all(d.reconcile for d in decisions(Policy(CONFIG), *[Category.UNKNOWN] * 4))


def test_a_state_that_cannot_be_saved_stops_at_once():
    [decision] = decisions(Policy(CONFIG), Category.STATE_WRITE)
    assert decision.action == Action.STOP and not decision.reconcile


def test_unknowns_that_are_not_in_a_row_do_not_stop():
    policy = Policy(CONFIG)
    for _ in range(3):
        result = decisions(policy, *[Category.UNKNOWN] * 4, Category.CAPACITY)
        assert all(d.action == Action.RETRY for d in result)


def test_uncertain_retries_after_a_transient_wait_and_asks_to_reconcile():
    result = decisions(Policy(CONFIG), Category.UNCERTAIN, Category.UNCERTAIN)
    assert [(d.action, d.wait, d.reconcile) for d in result] == [(Action.RETRY, 60, True), (Action.RETRY, 120, True)]


@pytest.mark.parametrize(
    "category, hint",
    [
        (Category.AUTH, "OCI config profile"),
        (Category.INVALID, "fix it"),
        (Category.LOCKED, "force-unlock"),
    ],
)
def test_auth_invalid_and_locked_stop_with_a_one_line_reason(category, hint):
    decision = Policy(CONFIG).decide(failure(category, "the message"), ads_left=2)
    assert decision.action == Action.STOP
    assert decision.wait == 0
    assert hint in decision.reason and "the message" in decision.reason
    assert "\n" not in decision.reason


def test_unavailable_drops_the_ad_until_none_is_left():
    policy = Policy(CONFIG)
    first = policy.decide(failure(Category.UNAVAILABLE), ads_left=2)
    second = policy.decide(failure(Category.UNAVAILABLE), ads_left=1)
    last = policy.decide(failure(Category.UNAVAILABLE), ads_left=0)
    assert [first.action, second.action, last.action] == [Action.DROP_AD, Action.DROP_AD, Action.STOP]
    # Moving to the next AD still pauses the capacity interval, so two launches do not go out back to back.
    assert first.wait == second.wait == 600


def test_throttle_doubling_restarts_after_another_category():
    policy = Policy(PolicyConfig(throttle_jitter=0))
    sequence = [
        Category.THROTTLE,
        Category.THROTTLE,
        Category.CAPACITY,
        Category.THROTTLE,
        Category.TRANSIENT,
        Category.TRANSIENT,
        Category.THROTTLE,
    ]
    assert waits(policy, *sequence) == [900, 1800, 600, 900, 60, 120, 900]


def test_success_resets_every_streak():
    policy = Policy(PolicyConfig(throttle_jitter=0))
    assert waits(policy, Category.TRANSIENT, Category.TRANSIENT) == [60, 120]
    policy.record_success()
    assert waits(policy, Category.TRANSIENT) == [60]
    assert waits(policy, *[Category.UNKNOWN] * 4) == [60, 120, 240, 480]
    policy.record_success()
    assert decisions(policy, *[Category.UNKNOWN] * 4)[-1].action == Action.RETRY


def test_reason_says_what_happened():
    decision = Policy(CONFIG).decide(failure(Category.CAPACITY, "Out of host capacity."), ads_left=1)
    assert "Out of host capacity." in decision.reason


class RecordingSleep:
    """Stands in for Event.wait: records each request, reports an interrupt on the given call."""

    def __init__(self, interrupt_on: int | None = None):
        self.calls: list[float] = []
        self.interrupt_on = interrupt_on

    def __call__(self, seconds: float) -> bool:
        self.calls.append(seconds)
        return len(self.calls) == self.interrupt_on


def test_waiter_sleeps_the_decided_waits_in_order():
    sleep = RecordingSleep()
    waiter = Waiter(clock=lambda: 1000.0, sleep=sleep)
    policy = Policy(PolicyConfig(throttle_jitter=0))
    for category in (Category.CAPACITY, Category.THROTTLE, Category.THROTTLE, Category.TRANSIENT):
        assert waiter.wait(policy.decide(failure(category), ads_left=1).wait) is True
    assert sleep.calls == [600, 900, 1800, 60]


def test_waiter_reports_when_it_resumes_while_waiting():
    seen: list[float | None] = []
    waiter = Waiter(clock=lambda: 1000.0, sleep=lambda seconds: seen.append(waiter.resume_at) or False)
    waiter.wait(600)
    assert seen == [1600.0]
    assert waiter.resume_at is None


def test_waiter_returns_false_when_interrupted_during_a_wait():
    sleep = RecordingSleep(interrupt_on=2)
    waiter = Waiter(sleep=sleep)
    assert [waiter.wait(5), waiter.wait(5)] == [True, False]


def test_real_waiter_is_interrupted_from_another_thread():
    waiter = Waiter()
    outcome: list[bool] = []
    sleeper = threading.Thread(target=lambda: outcome.append(waiter.wait(3600)))
    sleeper.start()
    waiter.interrupt()
    sleeper.join(timeout=30)
    assert outcome == [False]


def test_after_an_interrupt_every_wait_returns_false_without_sleeping():
    sleep = RecordingSleep()
    waiter = Waiter(sleep=sleep)
    waiter.interrupt()
    assert waiter.wait(600) is False
    assert sleep.calls == []


def test_real_waiter_completes_a_zero_wait():
    assert Waiter().wait(0) is True


def test_every_category_has_a_rule():
    from orchestrator.policy import RULES

    assert set(RULES) == set(Category)


def test_max_attempts_gives_up_after_the_rule_decided():
    policy = Policy(PolicyConfig(max_attempts=2))
    assert policy.decide(failure(Category.CAPACITY), 2, attempts=1).action == Action.RETRY
    last = policy.decide(failure(Category.CAPACITY), 2, attempts=2)
    assert (last.action, last.reason) == (Action.GIVE_UP, "MAX_ATTEMPTS=2 reached (last: capacity)")
    assert last.wait == 0  # the line that gives up says no "next in"
    assert policy.decide(failure(Category.AUTH), 2, attempts=2).action == Action.STOP  # a stop stays a stop


def test_once_waits_nothing_and_ends_the_sweep_after_a_throttle():
    policy = Policy(PolicyConfig(once=True, max_attempts=1))
    capacity = policy.decide(failure(Category.CAPACITY), 2, attempts=0)
    assert (capacity.action, capacity.wait) == (Action.RETRY, 0)
    throttled = policy.decide(failure(Category.THROTTLE), 2, attempts=1)
    assert (throttled.action, throttled.wait) == (Action.END_SWEEP, 0)


def test_the_config_comes_from_the_runbook_settings():
    settings = load_settings(
        {},
        {
            "RETRY_INTERVAL_SECONDS": "42",
            "THROTTLE_RETRY_BASE_SECONDS": "10",
            "THROTTLE_RETRY_MAX_SECONDS": "20",
            "THROTTLE_JITTER_MAX_SECONDS": "3",
            "MAX_ATTEMPTS": "7",
        },
    )
    assert PolicyConfig.from_settings(settings, once=True) == PolicyConfig(
        retry_interval=42, throttle_base=10, throttle_max=20, throttle_jitter=3, max_attempts=7, once=True
    )
    assert PolicyConfig.from_settings(load_settings({}, {})) == CONFIG


class Clock:
    """Time that passes only when a wait is taken (or work is done between waits)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def taken(backoff: Backoff, clock: Clock, work: float = 0.0) -> list[float]:
    """The waits a caller takes, each followed by `work` seconds of trying."""
    waits = []
    for wait in backoff.waits(clock):
        waits.append(wait)
        clock.now += wait + work
    return waits


def test_the_backend_recovery_doubles_from_5_to_15_seconds_for_up_to_15_minutes():
    backoff = POLLS[Poll.BACKEND_RECOVERY]
    waits = taken(backoff, Clock())
    assert waits[:4] == [5, 10, 15, 15]
    assert sum(waits) <= 900 < sum(waits) + 15  # no wait would end past the 15 minutes


def test_a_backoff_within_a_time_counts_the_time_spent_trying():
    quick = taken(Backoff(first=5, most=15, factor=2, within=100), Clock())
    slow = taken(Backoff(first=5, most=15, factor=2, within=100), Clock(), work=10)
    assert len(slow) < len(quick)
    assert slow == [5, 10, 15, 15, 15]  # each try takes 10 s: a sixth wait would end past the 100 s


def test_the_wait_until_running_polls_every_10_seconds_90_times():
    assert list(POLLS[Poll.UNTIL_RUNNING].waits()) == [10] * 90


def test_every_poll_has_a_backoff():
    assert set(POLLS) == set(Poll)


class SleepingClock:
    """A clock that a recorded sleep moves on."""

    def __init__(self, now: float = 1000.0):
        self.now = now
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> bool:
        self.sleeps.append(seconds)
        self.now += seconds
        return False


class EveryTen:
    """An alarm due every 10 s from 1005, recording when it rang."""

    def __init__(self, clock: SleepingClock):
        self.clock, self.due, self.rang = clock, 1005.0, []

    def due_at(self) -> float:
        return self.due

    def ring(self) -> None:
        self.rang.append(self.clock.now)
        self.due += 10


def test_a_wait_stops_for_the_alarms_within_it_and_still_lasts_its_time():
    clock = SleepingClock()
    waiter = Waiter(clock=lambda: clock.now, sleep=clock.sleep)
    waiter.alarm = alarm = EveryTen(clock)

    assert waiter.wait(3) is True  # ends before the alarm
    assert waiter.wait(30) is True

    assert alarm.rang == [1005.0, 1015.0, 1025.0]
    assert clock.now == 1033.0 and clock.sleeps == [3, 2, 10, 10, 8]


def test_an_alarm_already_due_rings_in_a_zero_wait():
    clock = SleepingClock(now=1005.0)
    waiter = Waiter(clock=lambda: clock.now, sleep=clock.sleep)
    waiter.alarm = alarm = EveryTen(clock)
    assert waiter.wait(0) is True
    assert alarm.rang == [1005.0]


def test_an_interrupt_before_the_alarm_is_due_skips_it():
    clock = SleepingClock()
    waiter = Waiter(clock=lambda: clock.now, sleep=lambda seconds: True)
    waiter.alarm = alarm = EveryTen(clock)
    assert waiter.wait(30) is False
    assert alarm.rang == []


def test_a_backend_lost_mid_run_is_waited_for_like_the_recovery_then_stops():
    policy = Policy(PolicyConfig(backend_max_retries=4))
    lost = decisions(policy, *[Category.BACKEND] * 5)
    assert [d.action for d in lost] == [Action.RETRY] * 4 + [Action.STOP]
    assert [d.wait for d in lost[:4]] == [5, 10, 15, 15]
    assert not any(d.reconcile for d in lost)  # nothing reached OCI: no look needed
    assert all("STATE_BACKEND_CONFIG" in d.reason and "PG_CONN_STR" in d.reason for d in lost)
    assert "waiting for it" in lost[0].reason and "failed" in lost[-1].reason


def test_once_leaves_a_lost_backend_to_the_next_run():
    decision = Policy(PolicyConfig(once=True)).decide(failure(Category.BACKEND), ads_left=0)
    assert (decision.action, decision.wait) == (Action.END_SWEEP, 0)
