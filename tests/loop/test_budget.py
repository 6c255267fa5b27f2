"""The launch budget in the loop: a spent budget waits for the sliding window (journaled, on the
live line, notified once a run), counts the journal's calls from earlier runs, and under --once
ends the run instead of waiting."""

from __future__ import annotations

import io
import json
import signal
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from orchestrator.config import load_settings
from orchestrator.failures import Category
from orchestrator.journal import Event, Journal
from orchestrator.launch_budget import WINDOW_SECONDS, journal_call_times
from orchestrator.loop.budget import LaunchBudget
from orchestrator.notify import Event as NotifyEvent
from orchestrator.operation import Kind
from orchestrator.policy import Waiter
from orchestrator.progress import Reporter
from orchestrator.tenancy_gate import NO_GATE, TenancyGate

from ..session import new_session

NOW = 2_000_000_000.0
LAUNCH = SimpleNamespace(kind=Kind.LAUNCH)


class Stand:
    """What LaunchBudget works with, recorded: a clock that waits move on, the journal, the output."""

    def __init__(self, tmp_path, *, per_day: int, once: bool = False, gate=NO_GATE):
        self.now = NOW
        self.output = io.StringIO()
        self.notified: list[NotifyEvent] = []
        self.notes: list[str] = []
        self.endings: list[str] = []
        journal = Journal(tmp_path / "journal.jsonl")
        events = SimpleNamespace(
            journal=journal,
            reporter=Reporter(self.output, "text"),
            notify=lambda event, **fields: self.notified.append(event),
            note=self.notes.append,
        )
        self.context = SimpleNamespace(
            settings=load_settings({}, {"LAUNCH_BUDGET_PER_DAY": str(per_day)}),
            once=once,
            events=events,
            journal=journal,
            waiter=Waiter(clock=lambda: self.now, sleep=self._sleep),
            gate=gate,
        )
        endings = SimpleNamespace(
            not_this_time=lambda last: self.endings.append(f"not this time ({last})") or "not_this_time",
            interrupted=lambda kind: self.endings.append("interrupted") or "interrupted",
        )
        self.budget = LaunchBudget(self.context, endings, clock=lambda: self.now)

    def _sleep(self, seconds: float) -> bool:
        self.now += seconds
        return False

    def waits(self) -> list[dict]:
        return [entry for entry in self.context.journal.entries() if entry["event"] == Event.BUDGET_WAIT]


def test_within_the_budget_attempts_go_ahead_without_waiting(tmp_path):
    stand = Stand(tmp_path, per_day=3)
    assert [stand.budget.before(LAUNCH, None) for _ in range(3)] == [None, None, None]
    assert stand.now == NOW and stand.waits() == [] and stand.notified == []


def test_a_spent_budget_waits_for_each_slot_and_is_notified_once(tmp_path):
    stand = Stand(tmp_path, per_day=2)
    for _ in range(5):
        assert stand.budget.before(LAUNCH, None) is None

    # Two calls at NOW, two when they have left the window, and the fifth a day later again.
    assert stand.now == NOW + 2 * WINDOW_SECONDS
    assert [(w["calls"], w["budget"], w["wait"]) for w in stand.waits()] == [
        (2, 2, WINDOW_SECONDS),
        (2, 2, WINDOW_SECONDS),
    ]
    assert stand.notified == [NotifyEvent.BUDGET]
    lines = stand.output.getvalue().splitlines()
    assert len(lines) == 2
    assert (
        "launch budget: 2 LaunchInstance calls in the last 24 h (LAUNCH_BUDGET_PER_DAY=2); next attempt in 1d"
        in lines[0]
    )


def test_the_calls_of_earlier_runs_count(tmp_path):
    stand = Stand(tmp_path, per_day=2)
    for ts in (NOW - WINDOW_SECONDS - 1, NOW - 600, NOW - 300):  # the first has left the window
        Journal(tmp_path / "journal.jsonl").path.open("a").write(
            json.dumps({"event": "attempt", "operation": "launch", "attempt": 1, "category": "capacity", "ts": ts})
            + "\n"
        )
    assert stand.budget.before(LAUNCH, None) is None
    assert stand.now == NOW - 600 + WINDOW_SECONDS


def test_grow_and_start_attempts_are_not_launches(tmp_path):
    stand = Stand(tmp_path, per_day=1)
    for _ in range(3):
        assert stand.budget.before(SimpleNamespace(kind=Kind.GROW), None) is None
    assert stand.now == NOW


def test_no_budget_never_waits(tmp_path):
    stand = Stand(tmp_path, per_day=0)
    assert all(stand.budget.before(LAUNCH, None) is None for _ in range(500))
    assert stand.now == NOW


def test_once_ends_the_run_instead_of_waiting(tmp_path):
    stand = Stand(tmp_path, per_day=1, once=True)
    assert stand.budget.before(LAUNCH, None) is None
    last = SimpleNamespace(category=Category.CAPACITY)
    assert stand.budget.before(LAUNCH, last) == "not_this_time"
    assert stand.endings == ["not this time (capacity)"]
    assert stand.now == NOW and stand.waits() == []
    [note] = stand.notes
    assert "launch budget spent: 1 LaunchInstance calls" in note and "a --once run after" in note


def test_an_interrupt_during_the_wait_ends_the_run(tmp_path):
    stand = Stand(tmp_path, per_day=1)
    assert stand.budget.before(LAUNCH, None) is None
    stand.context.waiter.interrupt()
    assert stand.budget.before(LAUNCH, None) == "interrupted"


def test_with_capacity_probe_the_report_is_asked_after_the_wait_for_a_slot(tmp_path):
    stand = Stand(tmp_path, per_day=1)
    asked_at = []
    paced = stand.budget.paced(lambda pending: asked_at.append(stand.now) or pending[-1])
    assert stand.budget.before(LAUNCH, None) is None

    assert paced(["AD-1", "AD-2"]) == "AD-2"
    assert stand.budget.before(LAUNCH, None) is None

    assert asked_at == [NOW + WINDOW_SECONDS] and stand.now == NOW + WINDOW_SECONDS
    assert len(stand.waits()) == 1


def test_with_capacity_probe_a_spent_budget_under_once_asks_no_report(tmp_path):
    stand = Stand(tmp_path, per_day=1, once=True)
    paced = stand.budget.paced(lambda pending: pytest.fail("asked a report"))
    assert stand.budget.before(LAUNCH, None) is None
    assert paced(["AD-1", "AD-2"]) == "AD-1"
    assert stand.budget.before(LAUNCH, None) == "not_this_time"
    assert len(stand.notes) == 1


def test_targets_of_one_tenancy_count_one_budget_their_journals_and_this_runs_calls(tmp_path):
    gate = TenancyGate("t")
    stands = {}
    for name in ("one", "two", "won"):  # `won` has its instance: it makes no call, but its past call counts
        folder = tmp_path / name
        folder.mkdir()
        if name == "won":
            (folder / "journal.jsonl").write_text(
                json.dumps({"event": "attempt", "operation": "launch", "attempt": 1, "category": "ok", "ts": NOW - 600})
                + "\n"
            )
        seat = gate.seat(name, earlier_calls=lambda f=folder: journal_call_times(f / "journal.jsonl"))
        stands[name] = Stand(folder, per_day=3, gate=seat)
    one, two = stands["one"], stands["two"]

    assert one.budget.before(LAUNCH, None) is None and two.budget.before(LAUNCH, None) is None
    assert one.now == two.now == NOW and one.waits() == two.waits() == []
    # The tenancy's fourth call waits for `won`'s to leave the window.
    assert one.budget.before(LAUNCH, None) is None
    assert one.now == NOW - 600 + WINDOW_SECONDS
    [wait] = one.waits()
    assert (wait["calls"], wait["budget"]) == (3, 3)
    assert "launch budget: 3 LaunchInstance calls by the tenancy's targets in the last 24 h" in one.output.getvalue()
    assert sorted(gate.launch_calls()) == [NOW - 600, NOW, NOW, NOW - 600 + WINDOW_SECONDS]


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_spent_budget_stops_the_calls_until_the_window_frees_a_slot(tmp_path):
    session = new_session(tmp_path, LAUNCH_BUDGET_PER_DAY="3")
    run, shown = session.start("retry", "--simulate", "capacity*10,ok", until="launch budget:")
    try:
        status = json.loads(session.run("status", "--json").stdout)
    finally:
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=60) == 130

    assert len(session.calls("LaunchInstance")) == 3
    assert [e["category"] for e in session.journal()] == ["capacity"] * 3
    [wait] = session.journal("budget_wait")
    assert (wait["calls"], wait["budget"]) == (3, 3) and wait["wait"] > WINDOW_SECONDS - 600
    assert "launch budget: 3 LaunchInstance calls in the last 24 h (LAUNCH_BUDGET_PER_DAY=3)" in shown[-1]
    # While it waits, status names the budget's end as the next attempt, and the day's calls.
    assert status["run"]["next_attempt_at"] == _iso(wait["ts"] + wait["wait"])
    assert status["last_24h"]["calls_last_24h"] == 3 and status["last_24h"]["by_category"] == {"capacity": 3}
