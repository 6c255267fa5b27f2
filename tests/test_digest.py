"""The digest: a period of the journal by category, the calls against the launch budget, the last
capacity report, the next attempt; as the notification words it and as status shows it."""

from orchestrator.config import load_settings
from orchestrator.digest import last_day, summarize
from orchestrator.humanize import timestamp
from orchestrator.notify.events import Event, message

NOW = 2_000_000_000.0
SETTINGS = load_settings({}, {"LAUNCH_BUDGET_PER_DAY": "10"})


def attempt(ts: float, category: str, operation: str = "launch") -> dict:
    return {"event": "attempt", "ts": ts, "attempt": 1, "category": category, "operation": operation}


JOURNAL = [
    attempt(NOW - 30 * 3600, "capacity"),  # yesterday, before the window
    {"event": "digest", "ts": NOW - 3600},
    attempt(NOW - 3000, "capacity"),
    attempt(NOW - 2000, "throttle"),
    attempt(NOW - 1000, "capacity"),
    attempt(NOW - 500, "capacity", operation="grow"),
]


def test_a_digest_counts_the_attempts_of_its_period_by_category_and_the_calls_of_the_day():
    summary = summarize(JOURNAL, SETTINGS, since=NOW - 2500, now=NOW, next_attempt_at=NOW + 600)

    assert summary.counts == {"capacity": 2, "throttle": 1}
    assert summary.attempts == 3
    assert (summary.pacing.calls, summary.pacing.budget) == (3, 10)  # the grow made no LaunchInstance call
    assert summary.capacity_report is None
    assert summary.next_attempt_at == NOW + 600


def test_the_digest_message_gives_the_counts_the_calls_and_the_next_attempt():
    summary = summarize(JOURNAL, SETTINGS, since=NOW - 3600, now=NOW, next_attempt_at=NOW + 600)

    text = message(Event.DIGEST, **summary.notify_fields())

    assert text.splitlines() == [
        f"📋 **Digest** since {timestamp(NOW - 3600)}: 4 attempts",
        "capacity 3 · throttle 1",
        "LaunchInstance calls in the last 24 h: 3 of 10 (LAUNCH_BUDGET_PER_DAY)",
        f"Next attempt: {timestamp(NOW + 600)}",
    ]


def test_the_newest_capacity_report_is_in_the_digest():
    journal = [
        *JOURNAL,
        {"event": "capacity_report", "ts": NOW - 900, "size": "2:12", "tried": "AD-1", "error": "NotAuthorized"},
        {
            "event": "capacity_report",
            "ts": NOW - 100,
            "size": "2:12",
            "tried": "AD-2",
            "availability": {"AD-2": "AVAILABLE", "AD-1": "OUT_OF_HOST_CAPACITY"},
        },
    ]
    summary = summarize(journal, SETTINGS, since=NOW - 3600, now=NOW, next_attempt_at=None)

    assert summary.capacity_report == "2 OCPUs / 12 GB: AD-2 AVAILABLE, AD-1 OUT_OF_HOST_CAPACITY"
    text = message(Event.DIGEST, **summary.notify_fields())
    assert f"Last capacity report: {summary.capacity_report}" in text and "Next attempt: now" in text
    failed = summarize(journal[:-1], SETTINGS, since=NOW - 3600, now=NOW, next_attempt_at=None)
    assert failed.capacity_report == "2 OCPUs / 12 GB: not read (NotAuthorized)"


def test_a_quiet_period_says_so():
    summary = summarize(
        [], load_settings({}, {"LAUNCH_BUDGET_PER_DAY": "0"}), since=NOW - 60, now=NOW, next_attempt_at=None
    )
    [_, counts, calls, _] = message(Event.DIGEST, **summary.notify_fields()).splitlines()
    assert counts == "no attempt" and calls == "LaunchInstance calls in the last 24 h: 0 (no budget)"


def test_status_shows_the_last_24_hours():
    summary = last_day(JOURNAL, SETTINGS, NOW, None)

    assert summary.counts == {"capacity": 3, "throttle": 1}
    assert summary.to_dict() == {
        "attempts": 4,
        "by_category": {"capacity": 3, "throttle": 1},
        "calls_last_24h": 3,
        "budget_per_day": 10,
        "retry_interval_seconds": 600,
        "implied_per_day": 144,
        "warnings": [
            "RETRY_INTERVAL_SECONDS=600 allows more calls than LAUNCH_BUDGET_PER_DAY=10 (144 a day): the loop waits for the budget"
        ],
        "capacity_report": None,
    }
    assert summary.lines()[0] == "last 24 h:     4 attempt(s) (capacity 3, throttle 1)"
    assert summary.lines()[2].startswith("  warning:     RETRY_INTERVAL_SECONDS=600 allows more calls")
