"""After the win, end to end (real Terraform, the simulated OCI): grow to the full size, start an
instance Oracle stopped, relaunch one it took back, refuse a plan that would replace ours, and
show the reclaim risk."""

from __future__ import annotations

import json
import signal
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from .session import Session
from .webhook import WebhookServer
from .workdirs import built_once, copy_session, module_session

LADDER = ("--size", "2:12", "--size", "1:6")
CHANGING_CALLS = {"LaunchInstance", "UpdateInstance", "InstanceAction", "TerminateInstance"}
NO_WAITS = {"THROTTLE_RETRY_BASE_SECONDS": "0", "THROTTLE_RETRY_MAX_SECONDS": "0", "THROTTLE_JITTER_MAX_SECONDS": "0"}


def _won_small(base: Path) -> Session:
    """`retry` with the size ladder while only the smaller size has room: it wins 1/6."""
    session = module_session(base)
    result = session.run("retry", "--simulate", "launch=capacity,ok;update=capacity*2,ok", *LADDER)
    assert result.returncode == 0, result.stdout + result.stderr
    session.result = result
    return session


# Built once per test run (the module's tests may run on several workers); never changed: copied.
@pytest.fixture(scope="session")
def won_small(run_folder) -> Session:
    return built_once(run_folder, "won_small", _won_small)


@pytest.fixture
def small(won_small, tmp_path):
    return copy_session(won_small, tmp_path)


@pytest.fixture
def full(won_template, tmp_path):
    """A copy of the shared won workdir: the instance at its one (full) size."""
    return copy_session(won_template, tmp_path)


@dataclass
class Recorded:
    """One session played once per test run (built_once); several tests assert on what it recorded."""

    session: Session
    before: dict
    runs: dict[str, subprocess.CompletedProcess] = field(default_factory=dict)
    calls_before: dict[str, int] = field(default_factory=dict)
    messages: dict[str, list[str]] = field(default_factory=dict)  # what the webhook got, per run
    pid: dict[str, int] = field(default_factory=dict)
    journal: dict[str, list[dict]] = field(default_factory=dict)  # journal.jsonl's entries, per moment


def _notify(webhook: WebhookServer) -> dict[str, str]:
    return {"DISCORD_WEBHOOK_URL": webhook.url, "DISCORD_NOTIFY_EVERY_N_ATTEMPTS": "2"}


def _interrupted(process: subprocess.Popen) -> subprocess.CompletedProcess:
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _grown(won_small: Session, base: Path) -> Recorded:
    """The smaller win grown by `grow --yes`, the webhook told: throttled, no room, then resized."""
    small = copy_session(won_small, base)
    [before] = small.live_instances()
    recorded = Recorded(small, before, calls_before={"grow": len(small.calls())})
    webhook = WebhookServer()
    try:
        recorded.runs["grow"] = small.run(
            "grow",
            "--yes",
            "--simulate",
            "update=throttle,capacity,ok",
            *LADDER,
            extra_env={**_notify(webhook), **NO_WAITS},
        )
        recorded.messages["grow"] = [received.json["content"] for received in webhook.received]
    finally:
        webhook.close()
    recorded.runs["plan"] = small.run("terraform", "plan", "-detailed-exitcode", "-no-color")
    return recorded


def _restarted(won: Session, base: Path) -> Recorded:
    """The won instance stopped; a `retry` starting it interrupted at its first attempt; the next
    `retry` starting it after two more refusals; then `status --json`. The webhook is told throughout."""
    full = copy_session(won, base)
    [before] = full.live_instances()
    recorded = Recorded(full, before)
    recorded.runs["stop"] = full.run("simulate", "stop")
    recorded.calls_before["interrupted"] = len(full.calls())
    webhook = WebhookServer()
    try:
        process, _ = full.start(
            "retry",
            "--simulate",
            "start=capacity",
            until="start attempt",
            extra_env={**_notify(webhook), "RETRY_INTERVAL_SECONDS": "3600"},
        )
        recorded.runs["interrupted"] = _interrupted(process)
        recorded.messages["interrupted"] = [received.json["content"] for received in webhook.received]
        recorded.calls_before["retry"] = len(full.calls())
        recorded.runs["retry"] = full.run("retry", "--simulate", "start=capacity*2,ok", extra_env=_notify(webhook))
        recorded.messages["retry"] = [r.json["content"] for r in webhook.received][
            len(recorded.messages["interrupted"]) :
        ]
    finally:
        webhook.close()
    recorded.runs["status"] = full.run("status", "--json")
    return recorded


def _waiting_grow(won_small: Session, base: Path) -> Recorded:
    """A `grow` waiting after its first refusal (an hour between attempts), `status` asked then,
    the grow interrupted, and the next `grow` finishing the resize."""
    small = copy_session(won_small, base)
    [before] = small.live_instances()
    recorded = Recorded(small, before)
    process, _ = small.start(
        "grow",
        "--yes",
        "--simulate",
        "update=capacity*5,ok",
        "--log-format",
        "json",
        *LADDER,
        until='{"attempt": ',
        extra_env={"RETRY_INTERVAL_SECONDS": "3600"},
    )
    recorded.pid["grow"] = process.pid
    try:
        recorded.runs["status --json"] = small.run("status", "--json")
        recorded.runs["status"] = small.run("status")
    finally:
        recorded.runs["interrupted"] = _interrupted(process)
    recorded.journal["interrupted"] = small.journal()  # its attempts
    recorded.runs["grow"] = small.run("grow", "--yes", "--simulate", "update=ok", *LADDER)
    return recorded


@pytest.fixture(scope="session")
def grown(run_folder, won_small) -> Recorded:
    return built_once(run_folder, "after_win_grown", partial(_grown, won_small))


@pytest.fixture(scope="session")
def restarted(run_folder, won_template) -> Recorded:
    return built_once(run_folder, "after_win_restarted", partial(_restarted, won_template))


@pytest.fixture(scope="session")
def waiting_grow(run_folder, won_small) -> Recorded:
    return built_once(run_folder, "after_win_waiting_grow", partial(_waiting_grow, won_small))


def shape(instance: dict) -> tuple[float, float]:
    return instance["shape_config"]["ocpus"], instance["shape_config"]["memory_in_gbs"]


def changing_calls_since(session: Session, before: int) -> list[str]:
    return [call["op"] for call in session.calls()[before:] if call["op"] in CHANGING_CALLS]


def test_a_smaller_win_says_that_grow_can_resize_it(won_small):
    [instance] = won_small.live_instances()
    assert shape(instance) == (1, 6)
    assert "`coinpilot-tf grow` resizes it in place" in won_small.result.stdout + won_small.result.stderr


def test_grow_retries_the_resize_like_the_launch_and_keeps_the_same_instance(grown):
    small, before, result = grown.session, grown.before, grown.runs["grow"]

    assert result.returncode == 0, result.stdout + result.stderr
    assert "reboots" in result.stderr
    [after] = small.live_instances()
    assert after["id"] == before["id"] and shape(after) == (2, 12) and after["lifecycle_state"] == "RUNNING"
    assert changing_calls_since(small, grown.calls_before["grow"]) == ["UpdateInstance"] * 3
    grow_attempts = [e for e in small.journal() if e.get("operation") == "grow"]
    assert [e["category"] for e in grow_attempts] == ["throttle", "capacity", "success"]
    assert [e["instance_id"] for e in small.journal("grown")] == [before["id"]]
    assert json.loads((small.workdir / "launch_result.json").read_text())["ocpus"] == 2
    # The module every other command uses is back: a size change is ignored again.
    assert "      shape_config,\n" in (small.workdir / "main.tf").read_text()
    assert grown.runs["plan"].returncode == 0, grown.runs["plan"].stdout + grown.runs["plan"].stderr


def test_grow_asks_first_and_without_an_answer_changes_nothing(small):
    calls_before = len(small.calls())
    result = small.run("grow", *LADDER)
    assert result.returncode == 2
    assert "reboots" in result.stderr
    assert "grow: no terminal to confirm on; pass --yes (nothing was changed)" in result.stderr
    assert changing_calls_since(small, calls_before) == []

    refused = small.run_at_terminal("grow", *LADDER, typed="n\n")
    assert refused.returncode == 2
    assert "grow: not confirmed; nothing was changed" in refused.stderr
    assert changing_calls_since(small, calls_before) == []


@pytest.mark.parametrize(
    ("sizes", "exit_code", "says"),
    [
        (("--size", "1:6"), 0, "nothing to grow: the instance is 1 OCPU / 6 GB already"),
        (("--size", "1:4"), 2, "--size: the first size 1 OCPU / 4 GB is not larger than the instance's 1 OCPU / 6 GB"),
    ],
)
def test_grow_with_nothing_to_do_or_a_bad_size_calls_no_one(small, sizes, exit_code, says):
    calls_before = len(small.calls())
    result = small.run("grow", "--yes", *sizes)
    assert result.returncode == exit_code
    assert says in result.stdout + result.stderr
    assert len(small.calls()) == calls_before


def test_grow_with_no_instance_has_nothing_to_do(tmp_path):
    session = module_session(tmp_path)
    result = session.run("grow", "--yes", *LADDER)
    assert result.returncode == 0
    assert "nothing to grow: the state holds no instance" in result.stdout
    assert session.calls() == []


def test_grow_after_win_lets_retry_go_on_into_grow(tmp_path):
    session = module_session(tmp_path, GROW_AFTER_WIN="true")
    result = session.run("retry", "--simulate", "launch=capacity,ok;update=capacity,ok", *LADDER)
    assert result.returncode == 0, result.stdout + result.stderr
    [instance] = session.live_instances()
    assert shape(instance) == (2, 12)
    assert len(session.calls("LaunchInstance")) == 2 and len(session.calls("UpdateInstance")) == 2


def test_status_shows_when_a_waiting_grow_tries_again(waiting_grow):
    status, text, pid = waiting_grow.runs["status --json"], waiting_grow.runs["status"], waiting_grow.pid["grow"]
    assert waiting_grow.runs["interrupted"].returncode == 130

    [attempt] = [e for e in waiting_grow.journal["interrupted"] if e.get("operation") == "grow"]
    assert attempt["category"] == "capacity" and attempt["wait"] > 0
    run = json.loads(status.stdout)["run"]
    assert run["command"] == "grow" and run["pid"] == pid
    next_at = datetime.fromtimestamp(attempt["ts"] + attempt["wait"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert run["next_attempt_at"] == next_at
    assert f"`coinpilot-tf grow` (pid {pid}" in text.stdout
    assert "; next attempt " in text.stdout


def test_grow_interrupted_exits_130_and_the_next_grow_continues(waiting_grow):
    small, before, interrupted = waiting_grow.session, waiting_grow.before, waiting_grow.runs["interrupted"]
    assert interrupted.returncode == 130
    [said] = [json.loads(line) for line in interrupted.stdout.splitlines() if '"event": "result"' in line]
    assert said["outcome"] == "interrupted" and "coinpilot-tf grow` again" in said["message"]  # --log-format json

    result = waiting_grow.runs["grow"]

    assert result.returncode == 0, result.stdout + result.stderr
    [after] = small.live_instances()
    assert after["id"] == before["id"] and shape(after) == (2, 12)
    assert len(small.calls("LaunchInstance")) == 2  # the launch's own two (capacity, ok), no more


def test_a_stopped_instance_is_started_under_the_same_policy(restarted):
    full, before, result = restarted.session, restarted.before, restarted.runs["retry"]
    assert restarted.runs["stop"].returncode == 0

    assert result.returncode == 0, result.stdout + result.stderr
    [after] = full.live_instances()
    assert after["id"] == before["id"] and after["lifecycle_state"] == "RUNNING"
    since = restarted.calls_before["retry"]
    assert [call["action"] for call in full.calls()[since:] if call["op"] == "InstanceAction"] == ["START"] * 3
    assert [call["op"] for call in full.calls()[restarted.calls_before["interrupted"] :]].count("LaunchInstance") == 0
    assert [e["instance_id"] for e in full.journal("instance_stopped")] == [before["id"]]
    assert [e["attempts"] for e in full.journal("started")] == [3]
    status = json.loads(restarted.runs["status"].stdout)
    assert status["instance"]["lifecycle_state"] == "RUNNING"
    assert status["instance"]["state_since"] == status["last_run_event"]["at"]
    assert status["last_run_event"]["event"] == "started"


def test_a_terminated_instance_is_replaced_by_exactly_one_new_one(full):
    [before] = full.live_instances()
    assert full.run("simulate", "terminate").returncode == 0

    result = full.run("retry")

    assert result.returncode == 0, result.stdout + result.stderr
    [after] = full.live_instances()
    assert after["id"] != before["id"]
    [gone] = full.journal("instance_gone")
    assert gone["instance_id"] == before["id"] and gone["lifecycle_state"] == "TERMINATED"
    assert "terminated by OCI or a user" in gone["reason"]
    status = full.run("status")
    assert f"replaces:    {before['id']}, found terminated" in status.stdout
    assert json.loads(full.run("status", "--json").stdout)["terminated"]["instance_id"] == before["id"]


# Hand-edited modules (an override that drops the ignore_changes hiding the change): another AD
# forces a new instance; another image is an in-place update of source_details, which the real
# provider carries out by replacing the boot volume: as bad.
ANOTHER_AD = (
    '  availability_domain = "SiMu:SIM-REGION-1-AD-2"\n',
    "source_details, metadata, create_vnic_details",
    "replace the instance (",
)
ANOTHER_IMAGE = (
    '  source_details {\n    source_type = "image"\n'
    '    source_id   = "ocid1.image.oc1.sim-region-1.aaaaaaaaanotherimage00000000000000000000"\n  }\n',
    "availability_domain, metadata, create_vnic_details",
    "replace the instance's boot volume",
)


@pytest.mark.parametrize("change, ignored, says", [ANOTHER_AD, ANOTHER_IMAGE], ids=["another AD", "another image"])
def test_a_plan_that_would_replace_the_instance_or_its_disk_is_refused_before_any_change(small, change, ignored, says):
    [before] = small.live_instances()
    (small.workdir / "main_override.tf").write_text(
        f'resource "oci_core_instance" "this" {{\n{change}  lifecycle {{\n    ignore_changes = [{ignored}]\n  }}\n}}\n'
    )
    calls_before = len(small.calls())

    result = small.run("grow", "--yes", *LADDER)

    assert result.returncode == 1, result.stdout + result.stderr
    refusal = [line for line in result.stderr.splitlines() if "refused" in line]
    assert len(refusal) == 1 and says in refusal[0]
    assert changing_calls_since(small, calls_before) == []
    assert small.live_instances() == [before]
    assert small.journal("refused")


def test_status_and_doctor_show_the_reclaim_risk(full):
    assert full.run("simulate", "cpu", "5").returncode == 0

    status = json.loads(full.run("status", "--json").stdout)

    assert status["reclaim_risk"]["cpu_p95_7d"] == 5.0
    assert status["reclaim_risk"]["warning"] is True
    assert "reclaim risk: WARNING: 7-day 95th-percentile CPU 5.0%" in full.run("status").stdout
    doctor = full.run("doctor")
    assert doctor.returncode == 0
    assert "warn  reclaim risk: 7-day 95th-percentile CPU 5.0%" in doctor.stdout

    assert full.run("simulate", "cpu", "60").returncode == 0
    busy = json.loads(full.run("status", "--json").stdout)["reclaim_risk"]
    assert busy["cpu_p95_7d"] == 60.0 and busy["warning"] is False


def test_status_says_when_monitoring_has_nothing(restarted):
    """No series set: like an instance without the compute agent's monitoring plugin."""
    result = restarted.runs["status"]
    assert result.returncode == 0
    risk = json.loads(result.stdout)["reclaim_risk"]
    assert risk["cpu_p95_7d"] is None and risk["warning"] is False
    assert "Monitoring has no CpuUtilization" in risk["unknown"]


def test_a_resize_failure_is_classified_and_decided_like_a_launch_failure(grown):
    """A throttle, then no room, then the resize: as a launch's attempts (the grow of `grown`)."""
    assert grown.runs["grow"].returncode == 0
    categories = [e["category"] for e in grown.session.journal() if e.get("operation") == "grow"]
    assert categories == ["throttle", "capacity", "success"]


def test_a_resize_refused_for_its_credentials_stops_like_a_launch(small):
    result = small.run("grow", "--yes", "--simulate", "update=auth", *LADDER, extra_env=NO_WAITS)
    assert result.returncode == 1, result.stdout + result.stderr
    assert [e["category"] for e in small.journal() if e.get("operation") == "grow"] == ["auth"]
    assert small.journal("stop")[-1]["operation"] == "grow"
    assert "check the OCI config profile" in result.stderr


def test_grow_and_start_tell_the_webhook_what_happens(grown, restarted):
    instance = restarted.before
    grow_messages = grown.messages["grow"]
    assert "coinpilot-tf grow" in grow_messages[0] and "1 OCPU / 6 GB → 2 OCPUs / 12 GB" in grow_messages[0]
    assert any("Still trying" in text and "2 attempts" in text for text in grow_messages)  # every N
    assert "Instance resized" in grow_messages[-1] and "after 3 attempts" in grow_messages[-1]

    start_messages = restarted.messages["interrupted"] + restarted.messages["retry"]
    assert "stopped by OCI or a user; starting it" in start_messages[0] and instance["id"] in start_messages[0]
    assert "Instance started" in start_messages[-1] and "after 3 attempts" in start_messages[-1]


def test_a_start_interrupted_exits_130_and_the_next_retry_starts_the_same_instance(restarted):
    full, before = restarted.session, restarted.before
    assert restarted.runs["interrupted"].returncode == 130

    result = restarted.runs["retry"]

    assert result.returncode == 0, result.stdout + result.stderr
    [after] = full.live_instances()
    assert after["id"] == before["id"] and after["lifecycle_state"] == "RUNNING"
    assert [call["op"] for call in full.calls()[restarted.calls_before["interrupted"] :]].count("LaunchInstance") == 0
    assert len(full.journal("instance_stopped")) == 1  # one stop, seen by both runs, recorded once
