"""A user's runs with notifications: `retry --simulate` tells Discord, Apprise's json:// and ntfy://
(real receivers on 127.0.0.1); misbehaving receivers change nothing; no token leaks anywhere;
`notify test` says which channel works."""

import itertools
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from .session import COINPILOT, Session, new_session
from .webhook import Reply, WebhookServer
from .workdirs import module_session

TELEGRAM_URL = "tgram://123456789:AAF-madeuptoken/12345"
TELEGRAM_SECRETS = ("AAF-madeuptoken", "123456789")


@pytest.fixture
def servers():
    started = []

    def start(default: Reply | None = None) -> WebhookServer:
        started.append(WebhookServer(default))
        return started[-1]

    yield start
    for server in started:
        server.close()


def _descendants(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _watch_children(process: subprocess.Popen, seen: dict[int, str]) -> None:
    """Record the argv and environment of every process under the tool while it runs."""
    tool = Path(f"/proc/{process.pid}/cmdline").read_bytes()
    while process.poll() is None:
        for pid in _descendants(process.pid):
            if pid in seen:
                continue
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                environ = Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                continue
            if cmdline == tool:
                continue  # forked, not yet running its program: still the tool's own memory
            seen[pid] = (cmdline + b"\n" + environ).decode(errors="replace")


@dataclass
class NotifiedRun:
    session: Session
    home: Path
    discord: WebhookServer
    receiver: WebhookServer
    returncode: int
    stdout: str
    stderr: str
    children: dict[int, str]  # each process under the tool: its argv and environment


@pytest.fixture(scope="module")
def notified_run(tmp_path_factory):
    """One simulated win that tells every channel: Discord, Apprise's json:// and ntfy:// (local
    receivers), and Telegram through a local proxy that refuses it, so nothing leaves the machine;
    every process under the tool is watched while it runs."""
    discord = WebhookServer()
    receiver = WebhookServer(Reply(200, {"id": "m1"}))  # ntfy wants a 200 with a JSON body
    proxy = WebhookServer(Reply(502))
    base = tmp_path_factory.mktemp("notified")
    session = module_session(
        base,
        DISCORD_WEBHOOK_URL=discord.url,
        NOTIFY_EVERY_N_ATTEMPTS="3",
        NOTIFY_URLS=f"json://{receiver.address}/hook, ntfy://{receiver.address}/coinpilot, {TELEGRAM_URL}",
        HTTPS_PROXY=f"http://{proxy.address}",
        NO_PROXY="127.0.0.1,localhost",
    )
    process = subprocess.Popen(
        [COINPILOT, "retry", "--simulate", "capacity*3,ok"],
        env=session.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    children: dict[int, str] = {}
    watcher = threading.Thread(target=_watch_children, args=(process, children))
    watcher.start()
    stdout, stderr = process.communicate(timeout=180)
    watcher.join()
    yield NotifiedRun(session, base / "home", discord, receiver, process.returncode, stdout, stderr, children)
    for server in (discord, receiver, proxy):
        server.close()


def test_a_simulated_run_tells_every_channel(notified_run):
    run, session = notified_run, notified_run.session

    assert run.returncode == 0, run.stderr
    [instance] = session.live_instances()
    to_discord = [received.json["content"] for received in run.discord.received]
    to_json = [received.json["message"] for received in run.receiver.received if received.path == "/hook"]
    to_ntfy = [received.json["message"] for received in run.receiver.received if received.path == "/"]
    for sent in (to_discord, to_json, to_ntfy):
        started, progress, succeeded = sent
        assert "started" in started and "coinpilot-ins" in started
        assert "3 attempts" in progress and "capacity 3" in progress
        details = (instance["id"], instance["public_ip"], instance["availability_domain"], "2 OCPUs / 12 GB", "ssh ")
        assert all(detail in succeeded for detail in details), succeeded
    assert "`" not in to_json[2] and "**" not in to_ntfy[0]  # plain text beyond Discord


def test_misbehaving_receivers_change_neither_outcome_nor_pace(tmp_path, servers):
    hanging = servers(Reply(hang=True))
    trickling = servers(Reply(trickle=True))
    failing = servers(Reply(500))
    limiting = servers(Reply(429, {"retry_after": 60}))
    session = new_session(
        tmp_path,
        DISCORD_WEBHOOK_URL=hanging.url,
        NOTIFY_EVERY_N_ATTEMPTS="1",
        NOTIFY_URLS=f"json://{trickling.address}/t json://{failing.address}/f ntfy://{limiting.address}/l",
    )

    result = session.run("retry", "--simulate", "capacity*4,ok")

    assert result.returncode == 0, result.stderr
    assert len(session.calls("LaunchInstance")) == 5
    attempts = session.journal()
    assert [entry["category"] for entry in attempts] == ["capacity"] * 4 + ["success"]
    # Between two failed attempts the loop spends its own time only (journal, policy, no wait):
    # a message being delivered would show here, and each receiver holds one for seconds.
    for before, after in itertools.pairwise(attempts[:4]):
        assert after["ts"] - before["ts"] - after["duration"] < 1.0
    logged = result.stdout + result.stderr
    shown_urls = (
        "/api/webhooks/123456789/***",
        f"{trickling.address}/t",
        f"{failing.address}/f",
        f"{limiting.address}/l",
    )
    for shown in shown_urls:
        assert sum(shown in line and "failed" in line for line in logged.splitlines()) == 1, logged
    assert hanging.token not in logged


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads other processes from /proc")
def test_tokens_are_nowhere_but_in_the_settings(notified_run):
    run = notified_run
    secrets = (*TELEGRAM_SECRETS, run.discord.token)

    assert run.returncode == 0, run.stderr
    assert "Telegram notification to tgram://1...n/12345" in run.stdout  # it failed, and said so masked
    children = run.children.values()
    assert any("provider_server" in seen.split("\n")[0] for seen in children)  # the simulated provider
    assert any("apply" in seen.split("\n")[0] for seen in children)
    haystacks = {"stdout": run.stdout, "stderr": run.stderr}
    haystacks.update({f"child {pid}": seen for pid, seen in run.children.items()})
    for root in (run.session.workdir, run.home):
        for path in root.rglob("*"):
            if path.is_file():
                haystacks[str(path)] = path.read_bytes().decode(errors="replace")
    for where, text in haystacks.items():
        for secret in secrets:
            assert secret not in text, (where, text[:300])


def test_notify_test_says_which_channel_works(tmp_path, servers):
    discord = servers()
    failing = servers(Reply(500))
    session = new_session(tmp_path, DISCORD_WEBHOOK_URL=discord.url)

    works = session.run("notify", "test")
    both = session.run("notify", "test", "--notify", f"json://user:hunter2pass@{failing.address}/hook")

    assert works.returncode == 0, works.stderr
    assert works.stdout.splitlines() == [f"ok    http://{discord.address}/api/webhooks/123456789/***"]
    assert both.returncode == 1
    ok, failed = both.stdout.splitlines()
    assert ok.startswith("ok    ") and failed.startswith(f"FAIL  json://user:****@{failing.address}/hook: ")
    assert "500" in failed
    assert len(discord.received) == 2 and "test message" in discord.received[0].json["content"]
    for result in (works, both):
        assert discord.token not in result.stdout + result.stderr and "hunter2pass" not in result.stdout + result.stderr


def test_a_bad_url_stops_everything_before_any_call(tmp_path):
    session = new_session(tmp_path, NOTIFY_URLS="json://127.0.0.1:9/ok, tgram://secret-bot-token")

    for args in (("retry", "--simulate", "ok"), ("notify", "test")):
        result = session.run(*args)
        assert result.returncode == 2
        assert result.stderr.startswith(
            "coinpilot-tf: NOTIFY_URLS: URL 2 of 2, tgram://*** is not a valid tgram:// URL"
        )
        assert "secret-bot-token" not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    assert session.calls() == []

    nothing = session.run("notify", "test", extra_env={"NOTIFY_URLS": ""})
    assert nothing.returncode == 2 and "no channel is set" in nothing.stderr


def test_apprise_loads_only_for_apprise_urls(tmp_path):
    script = (
        "import sys\n"
        "from orchestrator.config import load_settings\n"
        "from orchestrator.notify import Notifier\n"
        "Notifier.from_settings(load_settings({}, {'DISCORD_WEBHOOK_URL': sys.argv[1]}), simulated=False)\n"
        "print('apprise' in sys.modules)\n"
    )
    discord_only = subprocess.run(
        [sys.executable, "-c", script, "https://discord.com/api/webhooks/1/token"],
        capture_output=True,
        text=True,
        env={**os.environ},
        cwd=tmp_path,
        check=False,
    )
    assert discord_only.stdout.strip() == "False", discord_only.stderr
    help_only = subprocess.run(
        [sys.executable, "-c", "import sys, orchestrator.cli; print('apprise' in sys.modules)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert help_only.stdout.strip() == "False", help_only.stderr


def test_ctrl_c_is_not_held_up_by_a_trickling_webhook(tmp_path, servers):
    trickling = servers(Reply(trickle=True))  # each read gets a byte in time: only a total deadline ends it
    receiver = servers(Reply(200, {"id": "m1"}))
    session = new_session(
        tmp_path,
        DISCORD_WEBHOOK_URL=trickling.url,
        NOTIFY_URLS=f"json://{receiver.address}/hook",
        RETRY_INTERVAL_SECONDS="3600",
        NOTIFY_EVERY_N_ATTEMPTS="1",
    )
    # Until the first attempt is journaled: the loop then waits an hour.
    process, shown = session.start("retry", "--simulate", "capacity*5,ok", until=", next in ")
    try:
        process.send_signal(signal.SIGINT)
        # Without a total deadline the trickle would hold each message (and the exit) for minutes.
        rest, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    stdout = "".join(shown) + rest

    assert process.returncode == 130, stderr
    assert session.journal("interrupted")
    assert any("Interrupted after 1 attempt" in received.json["message"] for received in receiver.received)
    assert "Discord notification to" in stdout and trickling.token not in stdout + stderr
