"""After the win, end to end (real Terraform, the simulated OCI): grow to the full size, start an
instance Oracle stopped, relaunch one it took back, refuse a plan that would replace ours, and
show the reclaim risk."""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .session import Session
from .webhook import WebhookServer
from .workdirs import built_once, copy_session, module_session

LADDER = ("--size", "2:12", "--size", "1:6")
CHANGING_CALLS = {"LaunchInstance", "UpdateInstance", "InstanceAction", "TerminateInstance"}


def _won_small(base: Path) -> Session:
    """`retry` with the size ladder while only the smaller size has room: it wins 1/6."""
    session = module_session(base)
    result = session.run("retry", "--simulate", "launch=capacity,ok;update=capacity*2,ok", *LADDER)
    assert result.returncode == 0, result.stdout + result.stderr
    session.result = result
    return session


def _won_full(base: Path) -> Session:
    session = module_session(base)
    result = session.run("retry", "--simulate", "ok")
    assert result.returncode == 0, result.stdout + result.stderr
    return session


# Built once per test run (the module's tests may run on several workers); never changed: copied.
@pytest.fixture(scope="session")
def won_small(run_folder) -> Session:
    return built_once(run_folder, "won_small", _won_small)


@pytest.fixture(scope="session")
def won_full(run_folder) -> Session:
    return built_once(run_folder, "won_full", _won_full)


@pytest.fixture
def small(won_small, tmp_path):
    return copy_session(won_small, tmp_path)


@pytest.fixture
def full(won_full, tmp_path):
    return copy_session(won_full, tmp_path)


def shape(instance: dict) -> tuple[float, float]:
    return instance["shape_config"]["ocpus"], instance["shape_config"]["memory_in_gbs"]


def changing_calls_since(session: Session, before: int) -> list[str]:
    return [call["op"] for call in session.calls()[before:] if call["op"] in CHANGING_CALLS]


def test_a_smaller_win_says_that_grow_can_resize_it(won_small):
    [instance] = won_small.live_instances()
    assert shape(instance) == (1, 6)
    assert "`coinpilot-tf grow` resizes it in place" in won_small.result.stdout + won_small.result.stderr


def test_grow_retries_the_resize_like_the_launch_and_keeps_the_same_instance(small):
    [before] = small.live_instances()
    calls_before = len(small.calls())

    result = small.run("grow", "--yes", *LADDER)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "reboots" in result.stderr
    [after] = small.live_instances()
    assert after["id"] == before["id"] and shape(after) == (2, 12) and after["lifecycle_state"] == "RUNNING"
    assert changing_calls_since(small, calls_before) == ["UpdateInstance"] * 3
    grow_attempts = [e for e in small.journal() if e.get("operation") == "grow"]
    assert [e["category"] for e in grow_attempts] == ["capacity", "capacity", "success"]
    assert [e["instance_id"] for e in small.journal("grown")] == [before["id"]]
    assert json.loads((small.workdir / "launch_result.json").read_text())["ocpus"] == 2
    # The module every other command uses is back: a size change is ignored again.
    assert "      shape_config,\n" in (small.workdir / "main.tf").read_text()
    assert small.run("terraform", "plan", "-detailed-exitcode", "-no-color").returncode == 0


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


def test_status_shows_when_a_waiting_grow_tries_again(small):
    grow, _ = small.start(
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
    try:
        status = small.run("status", "--json")
        text = small.run("status")
    finally:
        grow.send_signal(signal.SIGINT)
        assert grow.wait(timeout=60) == 130

    [attempt] = [e for e in small.journal() if e.get("operation") == "grow"]
    assert attempt["category"] == "capacity" and attempt["wait"] > 0
    run = json.loads(status.stdout)["run"]
    assert run["command"] == "grow" and run["pid"] == grow.pid
    next_at = datetime.fromtimestamp(attempt["ts"] + attempt["wait"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert run["next_attempt_at"] == next_at
    assert f"`coinpilot-tf grow` (pid {grow.pid}" in text.stdout
    assert "; next attempt " in text.stdout


def test_grow_interrupted_exits_130_and_the_next_grow_continues(small):
    [before] = small.live_instances()
    process, _ = small.start(
        "grow", "--yes", *LADDER, until="grow attempt", extra_env={"RETRY_INTERVAL_SECONDS": "3600"}
    )
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "coinpilot-tf grow` again" in stderr

    result = small.run("grow", "--yes", *LADDER)

    assert result.returncode == 0, result.stdout + result.stderr
    [after] = small.live_instances()
    assert after["id"] == before["id"] and shape(after) == (2, 12)
    assert len(small.calls("LaunchInstance")) == 2  # the launch's own two (capacity, ok), no more


def test_a_stopped_instance_is_started_under_the_same_policy(full):
    [before] = full.live_instances()
    assert full.run("simulate", "stop").returncode == 0
    launches = len(full.calls("LaunchInstance"))

    result = full.run("retry", "--simulate", "start=capacity*2,ok")

    assert result.returncode == 0, result.stdout + result.stderr
    [after] = full.live_instances()
    assert after["id"] == before["id"] and after["lifecycle_state"] == "RUNNING"
    assert [call["action"] for call in full.calls("InstanceAction")] == ["START"] * 3
    assert len(full.calls("LaunchInstance")) == launches
    assert [e["instance_id"] for e in full.journal("instance_stopped")] == [before["id"]]
    assert [e["attempts"] for e in full.journal("started")] == [3]
    status = json.loads(full.run("status", "--json").stdout)
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


def test_status_says_when_monitoring_has_nothing(full):
    """No series set: like an instance without the compute agent's monitoring plugin."""
    result = full.run("status", "--json")
    assert result.returncode == 0
    risk = json.loads(result.stdout)["reclaim_risk"]
    assert risk["cpu_p95_7d"] is None and risk["warning"] is False
    assert "Monitoring has no CpuUtilization" in risk["unknown"]


@pytest.mark.parametrize(
    ("scenario", "exit_code", "categories"),
    [
        ("update=throttle,capacity,ok", 0, ["throttle", "capacity", "success"]),
        ("update=auth", 1, ["auth"]),
    ],
)
def test_a_resize_failure_is_classified_and_decided_like_a_launch_failure(small, scenario, exit_code, categories):
    no_waits = {
        "THROTTLE_RETRY_BASE_SECONDS": "0",
        "THROTTLE_RETRY_MAX_SECONDS": "0",
        "THROTTLE_JITTER_MAX_SECONDS": "0",
    }
    result = small.run("grow", "--yes", "--simulate", scenario, *LADDER, extra_env=no_waits)
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert [e["category"] for e in small.journal() if e.get("operation") == "grow"] == categories
    if exit_code == 1:
        assert small.journal("stop")[-1]["operation"] == "grow"
        assert "check the OCI config profile" in result.stderr


@pytest.fixture
def webhook():
    server = WebhookServer()
    yield server
    server.close()


def test_grow_and_start_tell_the_webhook_what_happens(small, webhook):
    notify = {"DISCORD_WEBHOOK_URL": webhook.url, "DISCORD_NOTIFY_EVERY_N_ATTEMPTS": "2"}
    [instance] = small.live_instances()

    assert small.run("grow", "--yes", *LADDER, extra_env=notify).returncode == 0
    grow_messages = [received.json["content"] for received in webhook.received]
    assert "coinpilot-tf grow" in grow_messages[0] and "1 OCPU / 6 GB → 2 OCPUs / 12 GB" in grow_messages[0]
    assert any("Still trying" in text and "2 attempts" in text for text in grow_messages)  # every N
    assert "Instance resized" in grow_messages[-1] and "after 3 attempts" in grow_messages[-1]

    assert small.run("simulate", "stop").returncode == 0
    assert small.run("retry", "--simulate", "start=capacity,ok", extra_env=notify).returncode == 0
    start_messages = [received.json["content"] for received in webhook.received][len(grow_messages) :]
    assert "stopped by OCI or a user; starting it" in start_messages[0] and instance["id"] in start_messages[0]
    assert "Instance started" in start_messages[-1] and "after 2 attempts" in start_messages[-1]


def test_a_start_interrupted_exits_130_and_the_next_retry_starts_the_same_instance(full):
    [before] = full.live_instances()
    assert full.run("simulate", "stop").returncode == 0
    process, _ = full.start(
        "retry", "--simulate", "start=capacity", until="start attempt", extra_env={"RETRY_INTERVAL_SECONDS": "3600"}
    )
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert process.returncode == 130
    launches = len(full.calls("LaunchInstance"))

    result = full.run("retry", "--simulate", "start=ok")

    assert result.returncode == 0, result.stdout + result.stderr
    [after] = full.live_instances()
    assert after["id"] == before["id"] and after["lifecycle_state"] == "RUNNING"
    assert len(full.calls("LaunchInstance")) == launches
    assert len(full.journal("instance_stopped")) == 1  # one stop, seen by both runs, recorded once
