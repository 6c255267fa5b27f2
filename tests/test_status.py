"""`coinpilot-tf status` through a workdir's life, text and JSON: before any attempt, rendered,
after failures, while a retry waits, after the win, after destroy."""

from __future__ import annotations

import json
import re
import signal
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from orchestrator.humanize import timestamp
from orchestrator.lock import STARTED_FORMAT
from orchestrator.status import timeline_lines

from .session import Session
from .workdirs import module_session

TIMELINE_ROW = re.compile(r"^  \d\d-\d\d \d\dh +(?P<count>\d+)  (?P<marks>\S+)$")


@dataclass
class Snapshot:
    text: str
    data: dict


def snapshot(session: Session) -> Snapshot:
    text, as_json = session.run("status"), session.run("status", "--json")
    assert text.returncode == 0, text.stderr
    assert as_json.returncode == 0, as_json.stderr
    return Snapshot(text.stdout, json.loads(as_json.stdout))


def timeline_marks(text: str) -> str:
    """All marks of the text timeline, oldest first (a run may straddle an hour)."""
    return "".join(match["marks"] for line in text.splitlines() if (match := TIMELINE_ROW.match(line)))


def people_time(recorded: str) -> str:
    """run.lock's recorded start, as status shows times (humanize.timestamp)."""
    return timestamp(datetime.strptime(recorded, STARTED_FORMAT).timestamp())


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def life(tmp_path_factory):
    session = module_session(
        tmp_path_factory.mktemp("status"),
        THROTTLE_RETRY_BASE_SECONDS="0",
        THROTTLE_RETRY_MAX_SECONDS="0",
        THROTTLE_JITTER_MAX_SECONDS="0",
    )
    snapshots = {"before": snapshot(session)}
    assert not session.workdir.exists(), "status must not create the workdir"

    assert session.run("render", "--simulate", "capacity*2,throttle").returncode == 0
    snapshots["rendered"] = snapshot(session)

    assert session.run("retry", extra_env={"MAX_ATTEMPTS": "3"}).returncode == 3
    snapshots["failing"] = snapshot(session)

    # A retry that waits an hour after its capacity failure (its 4th attempt).
    process, _ = session.start(
        "retry", "--simulate", "capacity", until=", next in ", extra_env={"RETRY_INTERVAL_SECONDS": "3600"}
    )
    try:
        snapshots["waiting"] = snapshot(session)
        snapshots["waiting_pid"] = process.pid
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    assert process.returncode == 130

    won = session.run("retry", "--simulate", "ok")
    assert won.returncode == 0, won.stderr
    snapshots["won"] = snapshot(session)
    [snapshots["won_instance"]] = session.live_instances()

    assert session.run("destroy", "--yes").returncode == 0
    snapshots["destroyed"] = snapshot(session)
    snapshots["session"] = session
    return snapshots


def test_before_any_attempt(life):
    before = life["before"]
    assert "(does not exist yet)" in before.text
    assert "instance:      none in state" in before.text
    assert "attempts:      none yet; start with `coinpilot-tf retry`" in before.text
    assert "run:           none holds the workdir" in before.text
    assert before.data["workdir"] == str(life["session"].workdir)
    assert before.data["workdir_exists"] is False
    assert before.data["instance"] is None
    assert before.data["attempts"] == {
        "total": 0,
        "by_category": {},
        "first_at": None,
        "last_at": None,
        "last_failure": None,
    }
    assert before.data["run"] == {
        "active": False,
        "stale_lock_pid": None,
        "pid": None,
        "command": None,
        "since": None,
        "next_attempt_at": None,
    }
    assert before.data["timeline"] == []


def test_rendered_workdir_without_attempts(life):
    rendered = life["rendered"]
    assert "(simulated OCI)" in rendered.text and "does not exist" not in rendered.text
    assert rendered.data["workdir_exists"] is True and rendered.data["simulated"] is True
    assert rendered.data["attempts"]["total"] == 0
    assert "attempts per hour" not in rendered.text


def test_after_failures(life):
    failing = life["failing"]
    attempts = failing.data["attempts"]
    journal = [entry for entry in life["session"].journal() if entry["attempt"] <= 3]
    assert attempts["total"] == 3
    assert attempts["by_category"] == {"capacity": 2, "throttle": 1}
    assert attempts["first_at"] == iso(journal[0]["ts"]) and attempts["last_at"] == iso(journal[2]["ts"])
    assert attempts["last_failure"]["attempt"] == 3
    assert attempts["last_failure"]["category"] == "throttle"
    assert attempts["last_failure"]["status"] == 429
    assert attempts["last_failure"]["message"] == journal[2]["message"]
    assert failing.data["instance"] is None
    assert failing.data["last_run_event"]["event"] == "gave_up"
    assert failing.data["run"]["active"] is False
    assert sum(sum(hour["counts"].values()) for hour in failing.data["timeline"]) == 3

    assert "attempts:      3 (capacity 2, throttle 1)" in failing.text
    assert "last failure:  attempt 3, " in failing.text and f"throttle: {journal[2]['message']}" in failing.text
    assert "last event:    a retry gave up" in failing.text and "MAX_ATTEMPTS=3" in failing.text
    assert "attempts per hour (c capacity, t throttle)" in failing.text
    assert timeline_marks(failing.text) == "cct"


def test_while_a_retry_waits(life):
    waiting = life["waiting"]
    pid = life["waiting_pid"]
    fourth = life["session"].journal()[3]
    assert fourth["category"] == "capacity" and fourth["wait"] == 3600
    run = waiting.data["run"]
    assert (run["active"], run["pid"], run["command"]) == (True, pid, "retry")
    assert run["next_attempt_at"] == iso(fourth["ts"] + 3600)
    assert waiting.data["last_run_event"]["event"] == "start"
    assert (
        f"run:           `coinpilot-tf retry` (pid {pid}, since {people_time(run['since'])}) holds the workdir; "
        f"next attempt {timestamp(fourth['ts'] + 3600)} (in " in waiting.text
    )
    assert timeline_marks(waiting.text) == "cctc"


def test_after_the_win(life):
    won = life["won"]
    cloud = life["won_instance"]
    instance = won.data["instance"]
    assert instance["id"] == cloud["id"]
    assert instance["name"] == "coinpilot-ins"
    assert instance["lifecycle_state"] == "RUNNING"
    assert instance["shape"] == "VM.Standard.A1.Flex"
    assert (instance["ocpus"], instance["memory_gbs"]) == (2, 12)
    assert instance["availability_domain"] == cloud["availability_domain"]
    assert instance["public_ip"] == cloud["public_ip"] and instance["private_ip"] == cloud["private_ip"]
    assert instance["created_at"].startswith(cloud["time_created"][:10])
    assert instance["tainted"] is False
    assert won.data["attempts"]["by_category"] == {"capacity": 3, "throttle": 1, "success": 1}
    assert won.data["attempts"]["last_failure"]["attempt"] == 4
    assert won.data["last_run_event"]["event"] == "won"
    assert won.data["destroyed"] is None

    assert f"instance:      {cloud['id']} (coinpilot-ins)" in won.text
    assert "  state:       RUNNING" in won.text
    assert "  shape:       VM.Standard.A1.Flex, 2 OCPUs / 12 GB" in won.text
    assert f"  AD:          {cloud['availability_domain']}" in won.text
    assert f"  public IP:   {cloud['public_ip']}" in won.text
    assert f"  private IP:  {cloud['private_ip']}" in won.text
    assert "  created:     " in won.text
    assert "last event:    a retry won the instance" in won.text
    assert timeline_marks(won.text) == "cctc*"


def test_after_destroy(life):
    destroyed = life["destroyed"]
    won_id = life["won"].data["instance"]["id"]
    assert destroyed.data["instance"] is None
    assert destroyed.data["destroyed"]["instance_id"] == won_id
    assert destroyed.data["last_run_event"]["event"] == "destroy"
    assert destroyed.data["attempts"]["total"] == 5  # the history stays
    assert f"instance:      none in state (destroyed {won_id} " in destroyed.text
    assert "last event:    the instance was destroyed" in destroyed.text


def _attempts(start: float, categories: str, spacing: float) -> list[dict]:
    names = {"c": "capacity", "t": "throttle", "*": "success"}
    return [{"ts": start + i * spacing, "category": names[mark], "attempt": i + 1} for i, mark in enumerate(categories)]


def test_timeline_scales_a_busy_hour_and_keeps_the_order():
    hour = datetime(2026, 11, 10, 10).timestamp()
    rows = timeline_lines(_attempts(hour, "c" * 150 + "t" * 3 + "*", 20))
    assert rows[0] == "attempts per hour (* success, c capacity, t throttle; one mark = up to 3 attempts):"
    marks = "".join(TIMELINE_ROW.match(row)["marks"] for row in rows[1:])
    assert marks == "c" * 50 + "t" + "*"
    assert [TIMELINE_ROW.match(row)["count"] for row in rows[1:]] == ["154"]


def test_timeline_shows_the_last_24_hours_with_attempts():
    start = datetime(2026, 11, 10, 0, 30).timestamp()
    rows = timeline_lines(_attempts(start, "c" * 30, 3600))
    assert rows[1] == "  ... 6 earlier hour(s) with attempts; --json has them all"
    assert len(rows) == 2 + 24
    assert rows[-1] == "  11-11 05h     1  c"


def test_an_adopted_instance_is_the_last_event(tmp_path):
    """A lost launch (accepted by OCI, never in state) is adopted; status names the adoption."""
    session = module_session(tmp_path)
    result = session.run("retry", "--simulate", "lost")
    assert result.returncode == 0 and "adopted" in result.stdout, result.stdout + result.stderr
    [adopted] = session.journal("adopted")
    shown = snapshot(session)
    assert "last event:    a retry adopted our instance found in the compartment" in shown.text
    assert "recorded no end" not in shown.text
    assert shown.data["last_run_event"] == {"event": "adopted", "at": iso(adopted["ts"]), "reason": None}
