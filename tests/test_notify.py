"""Notifications against real receivers on 127.0.0.1 (a Discord-like webhook, Apprise's json:// and
ntfy://); nothing is mocked. The end-to-end runs are in test_notify_run.py."""

import logging

import pytest

from orchestrator.notify import Event, Notifier, sender
from orchestrator.notify.apprise_channel import AppriseChannel, BadNotifyUrl
from orchestrator.notify.discord import DiscordChannel, redact_webhook
from orchestrator.notify.events import message, plain_text

from .webhook import Reply, WebhookServer

# Its bot id differs from the test webhook's id: secrets are scrubbed process-wide, and this one
# would otherwise hide that id in later tests' log lines too.
TELEGRAM_TOKEN = "987654321:AAF-madeuptoken"


@pytest.fixture
def discord():
    server = WebhookServer()
    yield server
    server.close()


@pytest.fixture
def receiver():
    """Apprise's json:// and ntfy:// post here; ntfy wants a 200 with a JSON body."""
    server = WebhookServer(default=Reply(200, {"id": "m1"}))
    yield server
    server.close()


def test_each_event_reads_well():
    started = message(Event.STARTED, instance_name="box", ads=["AD-1", "AD-2"], sizes=[(2, 12), (1, 6.5)])
    progress = message(
        Event.PROGRESS, attempts=20, counts_per_category={"throttle": 2, "capacity": 18}, elapsed_seconds=12000
    )
    changed = message(Event.CATEGORY, old="capacity", new="throttle", wait_seconds=930)
    succeeded = message(
        Event.SUCCESS,
        instance_id="ocid1.instance.oc1..x",
        public_ip="203.0.113.7",
        availability_domain="AD-2",
        ocpus=2,
        memory_gbs=12,
        ssh_command="ssh -i k ubuntu@203.0.113.7",
    )
    stopped = message(Event.STOP, category="auth", reason="401 NotAuthenticated\nCheck the API key")
    gave_up = message(Event.GAVE_UP, attempts=100, reason="MAX_ATTEMPTS reached")
    interrupted = message(Event.INTERRUPTED, attempts=1)

    assert "box" in started and "AD-1, AD-2" in started and "2 OCPUs / 12 GB, 1 OCPU / 6.5 GB" in started
    assert "20 attempts" in progress and "3h 20m" in progress and "capacity 18 · throttle 2" in progress
    assert "capacity → throttle" in changed and "15m 30s" in changed
    for detail in ("ocid1.instance.oc1..x", "203.0.113.7", "AD-2", "2 OCPUs / 12 GB", "ssh -i k ubuntu@203.0.113.7"):
        assert detail in succeeded
    assert "auth" in stopped and "401 NotAuthenticated\nCheck the API key" in stopped
    assert "100 attempts" in gave_up and "MAX_ATTEMPTS reached" in gave_up
    assert "1 attempt." in interrupted
    assert "test" in message(Event.TEST)
    assert plain_text(succeeded).splitlines()[:2] == ["✅ Won the instance!", "ID: ocid1.instance.oc1..x"]
    assert plain_text(stopped).splitlines()[1:] == ["401 NotAuthenticated", "Check the API key"]


def test_success_without_public_ip_or_ssh_command():
    succeeded = message(
        Event.SUCCESS,
        instance_id="ocid1.instance.oc1..x",
        public_ip=None,
        availability_domain="AD-1",
        ocpus=2,
        memory_gbs=12,
        ssh_command=None,
    )
    assert "no public IP" in succeeded and "SSH" not in succeeded


def test_long_stop_messages_fit_in_one_discord_message():
    stopped = message(Event.STOP, category="unknown", reason="```" + "x" * 5000)
    assert len(stopped) <= 2000
    assert stopped.count("```") == 2


def test_every_event_reaches_every_channel(discord, receiver):
    json_url = f"json://{receiver.address}/hook"
    ntfy_url = f"ntfy://{receiver.address}/coinpilot"
    logged = []
    notifier = Notifier(
        [DiscordChannel(discord.url), AppriseChannel(json_url), AppriseChannel(ntfy_url)], log=logged.append
    )

    notifier.notify(Event.STARTED, instance_name="box", ads=["AD-1"], sizes=[(2, 12)])
    notifier.notify(
        Event.SUCCESS,
        instance_id="ocid1.instance.oc1..x",
        public_ip="203.0.113.7",
        availability_domain="AD-1",
        ocpus=2,
        memory_gbs=12,
        ssh_command="ssh ubuntu@203.0.113.7",
    )
    notifier.close()

    assert logged == []
    started, succeeded = (received.json for received in discord.received)
    assert "`box`" in started["content"] and started["allowed_mentions"] == {"parse": []}
    assert "ocid1.instance.oc1..x" in succeeded["content"]
    to_json = [received.json for received in receiver.received if received.path == "/hook"]
    to_ntfy = [received.json for received in receiver.received if received.path == "/"]
    for sent in (to_json, to_ntfy):
        assert [item["title"] for item in sent] == ["coinpilot-tf", "coinpilot-tf"]
        assert "started for box" in sent[0]["message"]
        assert "IP: 203.0.113.7" in sent[1]["message"] and "`" not in sent[1]["message"]
    assert {item["topic"] for item in to_ntfy} == {"coinpilot"}


def test_notify_events_filters_all_but_the_test_message(discord):
    notifier = Notifier([DiscordChannel(discord.url)], events={Event.SUCCESS, Event.STOP})

    notifier.notify(Event.STARTED, instance_name="box", ads=["AD-1"], sizes=[(2, 12)])
    notifier.notify(Event.STOP, category="auth", reason="401")
    notifier.close()
    assert [(channel, error) for channel, error in notifier.test()] == [(redact_webhook(discord.url), None)]

    stop, test = (received.json["content"] for received in discord.received)
    assert "Stopped: auth" in stop and "test message" in test


def test_without_channels_nothing_happens():
    notifier = Notifier([])
    notifier.notify(Event.STARTED, instance_name="box", ads=["AD-1"], sizes=[(2, 12)])
    notifier.close()
    assert notifier.test() == []


def test_a_message_that_cannot_be_worded_is_logged_once_and_skipped(discord):
    logged = []
    notifier = Notifier([DiscordChannel(discord.url)], log=logged.append)
    for _ in range(2):
        notifier.notify(Event.STARTED, instance_name="box", ads=["AD-1"], sizes=[1])  # sizes that are not pairs
    notifier.close()
    assert len(logged) == 1 and "started" in logged[0]
    assert discord.received == []


def test_a_simulated_workdir_says_so_in_every_message(discord):
    notifier = Notifier([DiscordChannel(discord.url)], simulated=True)

    notifier.notify(Event.STOP, category="auth", reason="401")
    notifier.close()
    notifier.test()

    stop, test = (received.json["content"] for received in discord.received)
    assert stop.startswith("[simulated] 🛑 **Stopped: auth**") and test.startswith("[simulated] 🔔")


def test_a_target_of_a_targets_file_is_named_in_its_messages(discord):
    notifier = Notifier([DiscordChannel(discord.url)], simulated=True, target="alice")

    notifier.notify(Event.STOP, category="auth", reason="401")
    notifier.close()

    [stop] = (received.json["content"] for received in discord.received)
    assert stop.startswith("[simulated] [alice] 🛑 **Stopped: auth**")


def test_discord_rate_limit_is_waited_out_then_the_message_is_sent(discord):
    discord.reply(Reply(429, {"message": "You are being rate limited.", "retry_after": 0.01, "global": False}))

    [(_, error)] = Notifier([DiscordChannel(discord.url)]).test()

    assert error is None
    first, second = discord.received
    assert first.json == second.json


@pytest.mark.parametrize("body", [{"retry_after": 60.0}, {"message": "no retry_after"}, None])
def test_discord_rate_limit_beyond_the_bound_drops_the_message(discord, body):
    discord.reply(Reply(429, body))

    [(shown, error)] = Notifier([DiscordChannel(discord.url)]).test()

    assert "rate limited" in error and discord.token not in shown
    assert len(discord.received) == 1


# These use the real deadline (DELIVERY_DEADLINE_SECONDS): the other channel's local POST must fit in
# it, and a shorter one would be a timing margin. Discord's own read timeout equals the deadline, so
# a hung request may end at the deadline too: only a trickle is sure to keep its delivery busy.
@pytest.mark.parametrize("reply", [Reply(hang=True), Reply(trickle=True)], ids=["hang", "trickle"])
def test_a_channel_that_never_finishes_is_left_behind_at_the_deadline(discord, receiver, reply):
    discord.reply(reply)
    notifier = Notifier([DiscordChannel(discord.url), AppriseChannel(f"json://{receiver.address}/hook")])

    [(shown, error), (_, other)] = notifier.test()

    assert shown == redact_webhook(discord.url)
    assert error == f"no answer within {sender.DELIVERY_DEADLINE_SECONDS:g} s"
    assert other is None and len(receiver.received) == 1  # the other channel is not held up
    assert len(discord.received) == 1


def test_a_channel_still_busy_with_an_earlier_message_is_skipped(discord, receiver):
    discord.reply(Reply(trickle=True))  # busy until the server closes, at the test's end
    notifier = Notifier([DiscordChannel(discord.url), AppriseChannel(f"json://{receiver.address}/hook")])
    notifier.test()

    [(shown, error), (_, other)] = notifier.test()

    assert shown == redact_webhook(discord.url) and error.startswith("still busy with an earlier message")
    assert other is None and len(receiver.received) == 2
    assert len(discord.received) == 1


def test_an_outage_is_logged_once_again_after_recovery_and_every_hour(discord):
    now = [0.0]
    deliveries = sender.Sender([DiscordChannel(discord.url)], clock=lambda: now[0])
    discord.reply(Reply(500), Reply(503), Reply(502), Reply(200), Reply(500), Reply(500), Reply(500))

    def send(count: int) -> list[str]:
        for _ in range(count):
            deliveries.send("hello")
            assert deliveries.close()
        return deliveries.take_notes()

    [failed] = send(3)
    assert "HTTP 500" in failed and "/api/webhooks/123456789/***" in failed
    [recovered] = send(1)
    assert "delivered again" in recovered
    [failed_again] = send(2)
    now[0] += sender.OUTAGE_REPORT_EVERY_SECONDS
    [still] = send(1)
    assert "HTTP 500" in failed_again and "still fail" in still
    assert len(discord.received) == 7  # every message was tried


def test_a_full_queue_drops_the_oldest_message(monkeypatch, discord):
    monkeypatch.setattr(sender, "QUEUE_SIZE", 2)
    monkeypatch.setattr(sender, "DELIVERY_DEADLINE_SECONDS", 1.5)  # above Apprise's spacing (1 s)
    discord.reply(Reply(hang=True))
    deliveries = sender.Sender([DiscordChannel(discord.url)])

    for text in ("first", "second", "third", "fourth"):
        deliveries.send(text)  # never blocks, though the first delivery hangs

    deliveries.close()
    assert any("oldest of 2 waiting ones was dropped" in note for note in deliveries.take_notes())


def test_a_refused_connection_is_reported_redacted(discord):
    discord.close()
    [(shown, error)] = Notifier([DiscordChannel(discord.url)]).test()
    assert shown == "http://" + discord.address + "/api/webhooks/123456789/***"
    assert error == "could not connect"


def test_apprise_urls_show_only_their_privacy_form():
    telegram = AppriseChannel(f"tgram://{TELEGRAM_TOKEN}/12345")
    mail = AppriseChannel("mailto://user:hunter2pass@example.com")
    assert telegram.kind == "Telegram" and TELEGRAM_TOKEN.split(":")[1] not in telegram.shown
    assert "12345" in telegram.shown
    assert "hunter2pass" not in mail.shown and "example.com" in mail.shown


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("foo://secret-token-here", "foo://***: Apprise knows no service 'foo'"),
        ("secret-token-here", "*** is not an Apprise URL"),
        ("tgram://secret-token-here", "tgram://*** is not a valid tgram:// URL"),
    ],
)
def test_a_bad_apprise_url_is_named_masked(url, why, capfd):
    with pytest.raises(BadNotifyUrl) as raised:
        AppriseChannel(url)
    assert str(raised.value).startswith(why)
    out, err = capfd.readouterr()
    assert "secret-token-here" not in str(raised.value) + out + err  # apprise's own log quotes the URL


def test_telegram_failures_never_show_the_token(monkeypatch, caplog, capfd):
    """Telegram is reached through a proxy on 127.0.0.1 that refuses: nothing leaves the machine."""
    proxy = WebhookServer(default=Reply(502))
    monkeypatch.setenv("HTTPS_PROXY", f"http://{proxy.address}")
    caplog.set_level(logging.DEBUG)
    try:
        [(shown, error)] = Notifier([AppriseChannel(f"tgram://{TELEGRAM_TOKEN}/12345")]).test()
    finally:
        proxy.close()
    assert error is not None
    out, err = capfd.readouterr()
    # Apprise's own log quotes the token at DEBUG: it goes to no handler of the tool's (pytest adds one).
    assert logging.getLogger("apprise").propagate is False
    library_logs = "\n".join(record.getMessage() for record in caplog.records if record.name != "apprise")
    assert "api.telegram.org" in library_logs  # urllib3 did log: and with no token
    for text in (shown, error, library_logs, out, err):
        assert "madeuptoken" not in text and "987654321" not in text


def test_redact_webhook_keeps_at_most_the_id():
    assert redact_webhook("https://discord.com/api/webhooks/123/tok-en?wait=true") == (
        "https://discord.com/api/webhooks/123/***"
    )
    assert redact_webhook("https://user:pass@discord.com/api/webhooks/123/token") == (
        "https://discord.com/api/webhooks/123/***"
    )
    assert redact_webhook("https://example.com/hooks/secret") == "https://example.com/***"
    assert redact_webhook("secret") == "***"


def test_library_logs_never_show_the_discord_token(discord, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    notifier = Notifier([DiscordChannel(discord.url)])

    assert notifier.test()[0][1] is None  # urllib3 logs the request path at DEBUG
    discord.close()
    assert notifier.test()[0][1] == "could not connect"

    assert any(
        record.name.startswith("urllib3") and "/webhooks/123456789/***" in record.getMessage()
        for record in caplog.records
    ), [(r.name, r.getMessage()) for r in caplog.records]
    out, err = capfd.readouterr()
    assert discord.token not in caplog.text + out + err
