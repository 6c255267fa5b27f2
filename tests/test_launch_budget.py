"""The launch budget's counting: calls in a sliding 24 hours, when the next one fits, and what
doctor and status say of the pacing."""

from orchestrator.config import load_settings
from orchestrator.launch_budget import (
    WINDOW_SECONDS,
    Pacing,
    calls_in_window,
    implied_per_day,
    launch_call_times,
    next_slot,
)

NOW = 2_000_000_000.0
DAY = WINDOW_SECONDS


def settings(**env: str):
    return load_settings({}, env)


def test_only_launch_attempts_count_as_launch_calls():
    entries = [
        {"event": "start", "ts": 1.0},
        {"event": "attempt", "operation": "launch", "category": "capacity", "ts": 2.0},
        {"event": "attempt", "category": "capacity", "ts": 3.0},  # a journal from before `operation`
        {"event": "attempt", "operation": "grow", "category": "capacity", "ts": 4.0},
        {"event": "attempt", "operation": "start", "category": "capacity", "ts": 5.0},
        {"event": "budget_wait", "calls": 2, "ts": 6.0},
    ]
    assert launch_call_times(entries) == [2.0, 3.0]


def test_the_window_is_the_last_24_hours_and_a_time_ahead_counts_as_now():
    times = [NOW - DAY - 1, NOW - DAY, NOW - DAY + 1, NOW - 5, NOW + 600]
    assert calls_in_window(times, NOW) == [NOW - DAY + 1, NOW - 5, NOW]


def test_the_next_call_fits_until_the_budget_is_spent():
    times = [NOW - 3000, NOW - 2000, NOW - 1000]
    assert next_slot(times, NOW, per_day=4) is None
    assert next_slot(times, NOW, per_day=0) is None  # no budget
    assert next_slot([], NOW, per_day=1) is None


def test_a_spent_budget_frees_a_slot_when_the_oldest_call_leaves_the_window():
    times = [NOW - 3000, NOW - 2000, NOW - 1000, NOW - 2 * DAY]
    assert next_slot(times, NOW, per_day=3) == NOW - 3000 + DAY
    # A budget lowered below the calls made waits until enough of them have left the window.
    assert next_slot(times, NOW, per_day=2) == NOW - 2000 + DAY
    assert next_slot(times, NOW - 3000 + DAY, per_day=3) is None


def test_call_times_from_several_workdirs_pool_into_one_count():
    first, second = [NOW - 100, NOW - 50], [NOW - 75]
    assert next_slot([*first, *second], NOW, per_day=3) == NOW - 100 + DAY


def test_the_interval_implies_the_calls_a_day():
    assert implied_per_day(600) == 144
    assert implied_per_day(7) == 12343
    assert implied_per_day(0) is None


def test_the_defaults_are_paced_well_within_the_budget():
    pacing = Pacing.of(settings(), [NOW - 10, NOW - DAY - 10], NOW)
    assert (pacing.calls, pacing.budget, pacing.implied, pacing.warnings) == (1, 288, 144, [])
    assert pacing.describe() == (
        "1 LaunchInstance call(s) in the last 24 h of LAUNCH_BUDGET_PER_DAY=288; "
        "RETRY_INTERVAL_SECONDS=600 implies 144 calls a day"
    )


def test_a_short_interval_warns_twice_and_without_a_budget_once():
    [short, over] = Pacing.of(settings(RETRY_INTERVAL_SECONDS="30"), [], NOW).warnings
    assert "RETRY_INTERVAL_SECONDS=30 is under 60 s" in short
    assert "more calls than LAUNCH_BUDGET_PER_DAY=288 (2880 a day)" in over

    unbudgeted = Pacing.of(settings(RETRY_INTERVAL_SECONDS="0", LAUNCH_BUDGET_PER_DAY="0"), [], NOW)
    assert len(unbudgeted.warnings) == 1
    assert "no budget" in unbudgeted.describe() and "no limit" in unbudgeted.describe()


def test_an_interval_above_a_minute_that_exceeds_a_small_budget_warns():
    [warning] = Pacing.of(settings(RETRY_INTERVAL_SECONDS="120", LAUNCH_BUDGET_PER_DAY="100"), [], NOW).warnings
    assert "LAUNCH_BUDGET_PER_DAY=100 (720 a day)" in warning
