"""Real requests against a Discord-like webhook on 127.0.0.1; nothing is mocked."""

import logging

import pytest

from orchestrator.notify import Notifier, redact_webhook

from .webhook import Reply, WebhookServer


@pytest.fixture
def webhook_server():
    server = WebhookServer()
    yield server
    server.close()


@pytest.fixture
def logged():
    return []


@pytest.fixture
def notifier(webhook_server, logged):
    return Notifier(webhook_server.url, timeout=2.0, max_retry_after=1.0, log=logged.append)


def contents(webhook_server):
    return [received.json["content"] for received in webhook_server.received]


def assert_token_hidden(webhook_server, logged):
    assert all(webhook_server.token not in line for line in logged)


def test_each_event_posts_one_readable_message(notifier, webhook_server, logged):
    assert notifier.started("box", ["AD-1", "AD-2"], [(2, 12), (1, 6.5)])
    assert notifier.progress(20, {"throttle": 2, "capacity": 18}, 12000)
    assert notifier.category_changed("capacity", "throttle", 930)
    assert notifier.succeeded("ocid1.instance.oc1..x", "203.0.113.7", "AD-2", 2, 12, "ssh -i k ubuntu@203.0.113.7")
    assert notifier.stopped("auth", "401 NotAuthenticated\nCheck the API key")
    assert notifier.gave_up(100, "MAX_ATTEMPTS reached")
    assert notifier.interrupted(1)
    assert notifier.test()

    started, progress, changed, succeeded, stopped, gave_up, interrupted, test = contents(webhook_server)
    assert "box" in started and "AD-1, AD-2" in started and "2 OCPU / 12 GB, 1 OCPU / 6.5 GB" in started
    assert "20 attempts" in progress and "3h 20m" in progress and "capacity 18 · throttle 2" in progress
    assert "capacity → throttle" in changed and "15m 30s" in changed
    for detail in ("ocid1.instance.oc1..x", "203.0.113.7", "AD-2", "2 OCPU / 12 GB", "ssh -i k ubuntu@203.0.113.7"):
        assert detail in succeeded
    assert "auth" in stopped and "401 NotAuthenticated\nCheck the API key" in stopped
    assert "100 attempts" in gave_up and "MAX_ATTEMPTS reached" in gave_up
    assert "1 attempt." in interrupted
    assert "test" in test
    assert all(received.json["allowed_mentions"] == {"parse": []} for received in webhook_server.received)
    assert all(received.path.endswith(webhook_server.token) for received in webhook_server.received)
    assert logged == []


def test_succeeded_without_public_ip_or_ssh_command(notifier, webhook_server):
    assert notifier.succeeded("ocid1.instance.oc1..x", None, "AD-1", 2, 12, None)

    (succeeded,) = contents(webhook_server)
    assert "no public IP" in succeeded and "SSH" not in succeeded


def test_long_stop_messages_fit_in_one_discord_message(notifier, webhook_server):
    assert notifier.stopped("unknown", "```" + "x" * 5000)

    (stopped,) = contents(webhook_server)
    assert len(stopped) <= 2000
    assert stopped.count("```") == 2


def test_without_a_url_nothing_is_sent(webhook_server, logged):
    for url in (None, ""):
        silent = Notifier(url, log=logged.append)
        assert not silent.started("box", ["AD-1"], [(2, 12)])
        assert not silent.test()
    assert webhook_server.received == []
    assert logged == []


def test_rate_limit_is_waited_out_then_the_message_is_sent(notifier, webhook_server, logged):
    webhook_server.reply(Reply(429, {"message": "You are being rate limited.", "retry_after": 0.01, "global": False}))

    assert notifier.test()

    first, second = webhook_server.received
    assert first.json == second.json
    assert logged == []


@pytest.mark.parametrize("body", [{"retry_after": 60.0}, {"message": "no retry_after"}, None])
def test_rate_limit_beyond_the_bound_drops_the_message(notifier, webhook_server, logged, body):
    webhook_server.reply(Reply(429, body))

    assert not notifier.test()

    assert len(webhook_server.received) == 1
    assert len(logged) == 1 and "rate limited" in logged[0]
    assert_token_hidden(webhook_server, logged)


def test_a_hanging_webhook_times_out(webhook_server, logged):
    webhook_server.reply(Reply(hang=True))
    impatient = Notifier(webhook_server.url, timeout=0.05, log=logged.append)

    assert not impatient.test()

    assert len(logged) == 1 and "no answer" in logged[0]
    assert_token_hidden(webhook_server, logged)


def test_a_refused_connection_is_logged_redacted(notifier, webhook_server, logged):
    webhook_server.close()

    assert not notifier.test()

    assert len(logged) == 1 and "could not connect" in logged[0]
    assert "/api/webhooks/123456789/***" in logged[0]
    assert_token_hidden(webhook_server, logged)


def test_an_outage_is_logged_once_and_again_after_recovery(notifier, webhook_server, logged):
    webhook_server.reply(Reply(500), Reply(503), Reply(502))

    assert not notifier.progress(10, {"capacity": 10}, 600)
    assert not notifier.progress(20, {"capacity": 20}, 1200)
    assert not notifier.progress(30, {"capacity": 30}, 1800)
    assert len(logged) == 1 and "HTTP 500" in logged[0]

    assert notifier.progress(40, {"capacity": 40}, 2400)
    assert len(logged) == 2 and "again" in logged[1]

    webhook_server.close()
    assert not notifier.progress(50, {"capacity": 50}, 3000)
    assert not notifier.progress(60, {"capacity": 60}, 3600)
    assert len(logged) == 3 and "could not connect" in logged[2]
    assert len(webhook_server.received) == 4  # every event was tried while the server was up
    assert_token_hidden(webhook_server, logged)


def test_no_exception_escapes(webhook_server, logged):
    for url in (webhook_server.url, "not a url", "http://127.0.0.1:0/api/webhooks/1/x"):
        notifier = Notifier(url, timeout=1.0, log=logged.append)
        assert not notifier.started("box", ["AD-1"], [1])  # sizes that are not pairs
    assert not Notifier("not a url", log=logged.append).test()
    assert all("not a url" not in line for line in logged)


def test_default_log_and_library_logs_never_show_the_token(webhook_server, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    notifier = Notifier(webhook_server.url, timeout=1.0)

    assert notifier.test()  # urllib3 logs the request path at DEBUG
    webhook_server.close()
    assert not notifier.test()

    assert any(
        record.name.startswith("urllib3") and "/webhooks/123456789/***" in record.getMessage()
        for record in caplog.records
    )
    assert any(record.name == "orchestrator.notify" for record in caplog.records)
    assert webhook_server.token not in caplog.text
    out, err = capfd.readouterr()
    assert webhook_server.token not in out + err


def test_redact_webhook_keeps_at_most_the_id():
    assert redact_webhook("https://discord.com/api/webhooks/123/tok-en?wait=true") == (
        "https://discord.com/api/webhooks/123/***"
    )
    assert redact_webhook("https://user:pass@discord.com/api/webhooks/123/token") == (
        "https://discord.com/api/webhooks/123/***"
    )
    assert redact_webhook("https://example.com/hooks/secret") == "https://example.com/***"
    assert redact_webhook("secret") == "***"
