"""The digest notification: every DIGEST_INTERVAL_SECONDS while the loop runs (during its waits
too), the attempts since the last digest by category and the calls against the launch budget."""

from __future__ import annotations

import re
import signal
from collections import Counter
from types import SimpleNamespace

import pytest

from orchestrator.config import load_settings
from orchestrator.journal import Event, Journal
from orchestrator.launch_budget import journal_call_times
from orchestrator.loop.digest import DigestAlarm
from orchestrator.notify import Event as NotifyEvent
from orchestrator.policy import Waiter
from orchestrator.tenancy_gate import NO_GATE, TenancyGate

from ..session import new_session
from ..webhook import WebhookServer


@pytest.fixture
def webhook():
    server = WebhookServer()
    yield server
    server.close()


def digests(server: WebhookServer) -> list[str]:
    return [r.json["content"] for r in server.received if "**Digest**" in r.json["content"]]


def test_digests_count_the_attempts_by_category_while_the_loop_runs(tmp_path, webhook):
    session = new_session(
        tmp_path,
        DISCORD_WEBHOOK_URL=webhook.url,
        DIGEST_INTERVAL_SECONDS="5",
        LAUNCH_BUDGET_PER_DAY="2",  # then a long wait, in which the digests go on
        THROTTLE_RETRY_BASE_SECONDS="0",
        THROTTLE_JITTER_MAX_SECONDS="0",
    )
    run, _ = session.start("retry", "--simulate", "throttle,capacity*50", until="launch budget:")
    try:
        # The first digest sent after both calls; earlier ones (on a slow machine) hold a part of them.
        last = webhook.wait_for(lambda r: "LaunchInstance calls in the last 24 h: 2 of 2" in r.json["content"])
    finally:
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=60) == 130

    sent = digests(webhook)
    up_to_last = sent[: sent.index(last.json["content"]) + 1]
    counts = Counter()
    for text in up_to_last:
        counts.update({category: int(n) for category, n in re.findall(r"(\w+) (\d+)(?: ·|$)", text.splitlines()[1])})
    assert counts == {"throttle": 1, "capacity": 1}
    assert all(text.startswith("[simulated] 📋 **Digest** since ") for text in sent)
    assert "Next attempt: " in last.json["content"]
    assert len([r for r in webhook.received if "Launch budget spent" in r.json["content"]]) == 1
    assert len(session.journal("digest")) >= len(up_to_last)


def stand_in(tmp_path, channels: list, once: bool = False, events=None, gate=NO_GATE):
    notifier = SimpleNamespace(wants=lambda event: bool(channels) and event in (events or {NotifyEvent.DIGEST}))
    journal = Journal(tmp_path / "journal.jsonl")
    return SimpleNamespace(
        settings=load_settings({}, {"DIGEST_INTERVAL_SECONDS": "60"}),
        once=once,
        journal=journal,
        events=SimpleNamespace(notifier=notifier, journal=journal),
        waiter=Waiter(),
        gate=gate,
    )


def test_the_digest_rings_only_for_a_channel_that_hears_it(tmp_path):
    hearing = stand_in(tmp_path, ["discord"])
    deaf = [
        stand_in(tmp_path, []),
        stand_in(tmp_path, ["discord"], once=True),  # --once never waits
        stand_in(tmp_path, ["discord"], events={NotifyEvent.SUCCESS}),  # NOTIFY_EVENTS without it
    ]
    for context in (hearing, *deaf):
        DigestAlarm.install(context)
    assert isinstance(hearing.waiter.alarm, DigestAlarm)
    assert [context.waiter.alarm for context in deaf] == [None, None, None]


def test_a_digest_is_journaled_and_sent_and_the_next_counts_from_it(tmp_path):
    context = stand_in(tmp_path, ["discord"])
    sent = []
    context.events.notify = lambda event, **fields: sent.append((event, fields))
    now = [1_900_000_000.0]
    alarm = DigestAlarm(context, clock=lambda: now[0])
    context.journal.path.write_text(
        "".join(
            f'{{"event": "attempt", "attempt": {n}, "category": "{category}", "ts": {now[0] + n}}}\n'
            for n, category in enumerate(["capacity", "capacity", "throttle"], start=1)
        )
    )
    now[0] += 61

    alarm.ring()

    [(event, fields)] = sent
    assert event == NotifyEvent.DIGEST
    assert fields["counts_per_category"] == {"capacity": 2, "throttle": 1}
    assert (fields["since"], fields["calls_last_24h"], fields["budget"]) == (now[0] - 61, 3, 288)
    [entry] = [e for e in context.journal.entries() if e["event"] == Event.DIGEST]
    assert entry["counts"] == {"capacity": 2, "throttle": 1}
    assert (alarm.since, alarm.due_at()) == (now[0], now[0] + 60)


def test_a_targets_digest_counts_its_tenancys_calls_as_its_budget_does(tmp_path):
    now = 1_900_000_000.0
    gate = TenancyGate("t")
    journal = tmp_path / "journal.jsonl"
    seat = gate.seat("one", earlier_calls=lambda: journal_call_times(journal))
    gate.seat("two", earlier_calls=lambda: [now - 100, now - 50])
    context = stand_in(tmp_path, ["discord"], gate=seat)
    sent = []
    context.events.notify = lambda event, **fields: sent.append(fields)
    journal.write_text(f'{{"event": "attempt", "attempt": 1, "category": "capacity", "ts": {now - 10}}}\n')

    DigestAlarm(context, clock=lambda: now).ring()

    assert sent[0]["calls_last_24h"] == 3  # its own, and the other target's two


def test_the_next_digest_is_due_an_interval_after_the_last_one_journaled(tmp_path):
    context = stand_in(tmp_path, ["discord"])
    context.journal.append(Event.DIGEST, since=1.0, counts={}, calls_last_24h=0)
    [last] = list(context.journal.entries())
    alarm = DigestAlarm(context)
    assert alarm.due_at() == last["ts"] + 60 and alarm.since == last["ts"]
