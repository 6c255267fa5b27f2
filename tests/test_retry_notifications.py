"""The loop with Discord notifications: events reach the webhook, a broken webhook changes
nothing, and no secret ends up in any file or output."""

import io

import pytest

from orchestrator.launch_inputs import prepare
from orchestrator.loop import RetryLoop
from orchestrator.notify import Notifier, sender
from orchestrator.notify.discord import DiscordChannel
from orchestrator.policy import Policy, PolicyConfig, Waiter
from orchestrator.progress import Reporter

from .session import command_session, new_session
from .webhook import Reply, WebhookServer
from .workdirs import copy_session


@pytest.fixture
def webhook():
    server = WebhookServer()
    yield server
    server.close()


def messages(server):
    return [received.json["content"] for received in server.received]


def test_full_simulated_run_notifies_and_leaks_no_secret(tmp_path, webhook):
    session = new_session(tmp_path, DISCORD_WEBHOOK_URL=webhook.url, DISCORD_NOTIFY_EVERY_N_ATTEMPTS="2")
    # Discord rate-limits the first message; the loop carries on.
    webhook.reply(Reply(429, {"retry_after": 0.05}))

    result = session.run(
        "retry",
        "--simulate",
        "capacity*2,throttle,ok",
        extra_env={"THROTTLE_RETRY_BASE_SECONDS": "0", "THROTTLE_JITTER_MAX_SECONDS": "0"},
    )

    assert result.returncode == 0, result.stderr
    assert len(session.calls("LaunchInstance")) == 4
    sent = messages(webhook)
    assert len(sent) >= 4
    assert all(text.startswith("[simulated] ") for text in sent)  # a rehearsal never passes for a win
    assert "coinpilot-ins" in sent[0]  # started (sent again after the 429)
    assert any("capacity" in text and "throttle" in text for text in sent)  # category changed
    assert any("2" in text and "attempt" in text.lower() for text in sent)  # progress every 2 attempts
    [instance] = session.live_instances()
    assert instance["id"] in sent[-1] and instance["public_ip"] in sent[-1]  # success

    private_key = (session.workdir / "ssh" / "coinpilot-ins_a1_flex").read_text()
    secret_lines = [line for line in private_key.splitlines() if "PRIVATE KEY" not in line]
    haystacks = {"stdout": result.stdout, "stderr": result.stderr}
    for path in session.workdir.rglob("*"):
        if path.is_file() and path.name != "coinpilot-ins_a1_flex":
            haystacks[str(path)] = path.read_bytes().decode(errors="replace")
    for where, text in haystacks.items():
        assert webhook.token not in text, where
        assert webhook.url not in text, where
        for line in secret_lines:
            assert line not in text, where


def test_a_refusing_webhook_changes_neither_outcome_nor_attempts(tmp_path, webhook, failed_once_template):
    # (5xx answers and a too-long retry_after are covered against the Notifier in test_notify.)
    webhook.close()
    session = copy_session(failed_once_template, tmp_path)  # one capacity attempt made, no instance
    session.env.update(DISCORD_WEBHOOK_URL=webhook.url, DISCORD_NOTIFY_EVERY_N_ATTEMPTS="1")
    launches_before = len(session.calls("LaunchInstance"))

    result = session.run("retry", "--simulate", "capacity*2,ok")

    assert result.returncode == 0
    assert len(session.calls("LaunchInstance")) == launches_before + 3
    assert (result.stdout + result.stderr).count("Discord notification to") == 1  # one line per outage
    assert webhook.token not in result.stdout + result.stderr


def test_a_hanging_webhook_times_out_and_the_loop_goes_on(tmp_path, monkeypatch, webhook):
    monkeypatch.setattr(sender, "DELIVERY_DEADLINE_SECONDS", 0.2)
    webhook.reply(*[Reply(hang=True)] * 10)
    monkeypatch.setenv("COINPILOT_TF_WORKDIR", str(tmp_path / "wd"))
    monkeypatch.setenv("RETRY_INTERVAL_SECONDS", "0")
    session = command_session(tmp_path / "wd", simulate="capacity,ok")
    prepared = prepare(session)
    notes = io.StringIO()
    loop = RetryLoop(
        prepared,
        session.terraform,
        policy=Policy(PolicyConfig(retry_interval=0)),
        waiter=Waiter(),
        notifier=Notifier([DiscordChannel(webhook.url)]),
        reporter=Reporter(notes, "text"),
    )

    outcome = loop.run()

    assert outcome.exit_code == 0
    assert [e["category"] for e in loop.journal.entries() if e["event"] == "attempt"] == ["capacity", "success"]


def test_once_from_a_scheduler_notifies_only_what_is_news(tmp_path, webhook):
    session = new_session(tmp_path, DISCORD_WEBHOOK_URL=webhook.url)
    assert session.run("retry", "--once", "--simulate", "capacity").returncode == 3
    assert messages(webhook) == []  # no "started" or "gave up" every few minutes
    assert session.run("retry", "--once", "--simulate", "ok").returncode == 0
    [won] = messages(webhook)
    assert session.live_instances()[0]["id"] in won
