"""`coinpilot-tf retry` end to end: real Terraform, the simulated OCI, a user's session."""

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestrator.failures import Category
from orchestrator.launch_inputs import prepare
from orchestrator.loop import RetryLoop
from orchestrator.notify import Notifier
from orchestrator.policy import Policy, PolicyConfig, Waiter
from orchestrator.progress import Reporter
from orchestrator.simulator.kill_hook import ENV as KILL_AT

from .conftest import TOOL_VARIABLES
from .session import command_session, new_session
from .workdirs import built_once, copy_session, module_session

AD1, AD2 = "SiMu:SIM-REGION-1-AD-1", "SiMu:SIM-REGION-1-AD-2"


@pytest.fixture
def session(tmp_path):
    return new_session(tmp_path)


def test_capacity_three_times_then_won(session):
    result = session.run("retry", "--simulate", "capacity*3,ok")

    assert result.returncode == 0, result.stderr
    assert len(session.calls("LaunchInstance")) == 4
    launch = json.loads((session.workdir / "launch_result.json").read_text())
    assert (session.workdir / "launch_result.json").stat().st_mode & 0o777 == 0o600
    [instance] = session.live_instances()
    assert launch["instance_id"] == instance["id"]
    assert f"instance id:  {instance['id']}" in result.stdout
    assert f"public IP:    {instance['public_ip']}" in result.stdout
    assert f"SSH key:      {launch['ssh_private_key']}" in result.stdout
    assert "result file:" in result.stdout and "launch_result.json" in result.stdout
    assert f"ssh -i {launch['ssh_private_key']} ubuntu@{instance['public_ip']}" in result.stdout
    assert [entry["category"] for entry in session.journal()] == ["capacity"] * 3 + ["success"]
    # After the first attempt, each attempt is exactly one call: LaunchInstance (the saved plan).
    calls = [call["op"] for call in session.calls()]
    first_launch = calls.index("LaunchInstance")
    assert calls[first_launch : first_launch + 4] == ["LaunchInstance"] * 4
    assert "GetSubnet" not in calls[first_launch:]
    assert session.workdir.stat().st_mode & 0o777 == 0o700
    for private in [
        "terraform.tfstate",
        "terraform.tfvars.json",
        "journal.jsonl",
        *[p.name for p in session.workdir.glob("*.tfplan")],
    ]:
        assert (session.workdir / private).stat().st_mode & 0o777 == 0o600, private


def test_auth_stops_after_one_call_and_says_what_to_check(session):
    result = session.run("retry", "--simulate", "auth")

    assert result.returncode == 1
    assert len(session.calls("LaunchInstance")) == 1
    assert "check the OCI config profile" in result.stderr
    assert session.live_instances() == []
    assert session.journal("stop")[0]["category"] == "auth"


def test_gives_up_after_max_attempts_and_numbering_continues_across_restarts(tmp_path, failed_once_template):
    # The template's run made attempt 1 and gave up (MAX_ATTEMPTS=1); this run is the restart.
    session = copy_session(failed_once_template, tmp_path)
    launches_before = len(session.calls("LaunchInstance"))

    result = session.run("retry", "--simulate", "capacity", extra_env={"MAX_ATTEMPTS": "3"})

    assert result.returncode == 3
    assert len(session.calls("LaunchInstance")) == launches_before + 3
    assert "MAX_ATTEMPTS=3" in result.stderr
    [saved_plan] = session.workdir.glob("*.tfplan")
    assert saved_plan.stat().st_mode & 0o777 == 0o600
    assert [entry["attempt"] for entry in session.journal()] == [1, 2, 3, 4]


def test_once_tries_each_availability_domain_once_and_exits_3_then_0(session):
    result = session.run(
        "retry", "--once", "--simulate", "capacity", "--availability-domain", AD1, "--availability-domain", AD2
    )
    assert result.returncode == 3
    preparing = "preparing: Terraform, its provider and the state, then the first launch attempt\n"
    assert result.stdout.startswith(preparing)  # before the first attempt's line
    assert "not this time (last: capacity)" in result.stderr + result.stdout
    assert "gave up" not in result.stderr + result.stdout
    assert [call["availability_domain"] for call in session.calls("LaunchInstance")] == [AD1, AD2]
    status = session.run("status").stdout
    assert "last event:    a retry --once: not this time " in status and status.count("(last: capacity)") == 1

    assert session.run("retry", "--once", "--simulate", "ok", "--availability-domain", AD1).returncode == 0
    assert len(session.live_instances()) == 1


def test_two_availability_domains_alternate(session):
    result = session.run(
        "retry", "--simulate", "capacity*3,ok", "--availability-domain", AD1, "--availability-domain", AD2
    )

    assert result.returncode == 0
    assert [call["availability_domain"] for call in session.calls("LaunchInstance")] == [AD1, AD2, AD1, AD2]
    assert session.live_instances()[0]["availability_domain"] == AD2


def test_sizes_are_tried_largest_first_with_json_log_lines(sized_json_win_run):
    session, result = sized_json_win_run  # retry --simulate capacity,ok --size 1:6 --size 2:12 --log-format json
    assert result.returncode == 0
    sizes = [call["shape_config"]["ocpus"] for call in session.calls("LaunchInstance")]
    assert sizes == [2, 1]
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    lines = [line for line in printed if line.get("event") == "attempt"]
    assert printed[0]["event"] == "note" and printed[0]["message"].startswith("preparing: ")
    ending = printed[-1]
    assert [(line["category"], line["size"]) for line in lines] == [("capacity", "2:12"), ("success", "1:6")]
    assert all("reason" in line for line in lines)
    assert (ending["event"], ending["outcome"], ending["ocpus"]) == ("result", "won", 1)
    assert "`coinpilot-tf grow` resizes it" in ending["message"]


def test_a_second_retry_after_success_only_looks_at_the_instance(tmp_path, won_template):
    session = copy_session(won_template, tmp_path)
    calls_before = len(session.calls())

    again = session.run("retry")

    assert again.returncode == 0
    assert "already exists" in again.stderr + again.stdout
    # One refresh, to see whether OCI stopped or terminated it meanwhile: reads only.
    assert {call["op"] for call in session.calls()[calls_before:]} <= {"GetInstance", "GetSubnet", "ListInstances"}
    assert len(session.live_instances()) == 1


def test_unavailable_drops_the_domain_and_stops_when_none_is_left(session):
    result = session.run(
        "retry", "--simulate", "unavailable", "--availability-domain", AD1, "--availability-domain", AD2
    )
    assert result.returncode == 1
    assert [call["availability_domain"] for call in session.calls("LaunchInstance")] == [AD1, AD2]
    assert "not offered" in result.stderr


def _in_process_waits(base: Path) -> tuple[list[float], list[dict]]:
    """The loop in this process with the real engine and simulator, but a waiter that records
    instead of sleeping: capacity twice (RETRY_INTERVAL_SECONDS=600), then throttle four times,
    then the win. Its waits and journaled attempts, for the tests below."""
    import io

    environ = module_session(base, RETRY_INTERVAL_SECONDS="600").env
    with pytest.MonkeyPatch.context() as patch:  # the engine's children read os.environ
        for name in TOOL_VARIABLES:
            patch.delenv(name, raising=False)
        for name, value in environ.items():
            patch.setenv(name, value)
        session = command_session(base / "workdir", simulate="capacity*2,throttle*4,ok")
        prepared = prepare(session)
        waits = []
        waiter = Waiter(sleep=lambda seconds: waits.append(seconds) and False)
        settings = prepared.settings
        policy = Policy(
            PolicyConfig(
                retry_interval=settings.retry_interval_seconds,
                throttle_base=settings.throttle_retry_base_seconds,
                throttle_max=settings.throttle_retry_max_seconds,
                throttle_jitter=settings.throttle_jitter_max_seconds,
            ),
            rng=random.Random(7),
        )
        loop = RetryLoop(
            prepared,
            session.terraform,
            policy=policy,
            waiter=waiter,
            notifier=Notifier([]),
            reporter=Reporter(io.StringIO(), "text"),
        )
        assert loop.run().exit_code == 0
        return waits, [dict(e) for e in loop.journal.entries() if e["event"] == "attempt"]


@pytest.fixture(scope="session")
def in_process_waits(run_folder):
    return built_once(run_folder, "retry-in-process-waits", _in_process_waits)


def test_throttle_backs_off_exponentially_with_jitter(in_process_waits):
    waits, _ = in_process_waits
    throttled = waits[2:]  # after the two capacity waits: the count starts over

    # Defaults: base 900, doubling, capped at 3600, plus 0..120 s of jitter each.
    for wait, floor in zip(throttled, [900, 1800, 3600, 3600], strict=True):
        assert floor <= wait <= floor + 120
    assert len(set(w % 1 for w in throttled)) > 1  # the jitter is random, not a constant


def test_capacity_waits_the_interval_and_each_wait_is_journaled(in_process_waits):
    waits, entries = in_process_waits
    assert waits[:2] == [600, 600]
    assert [e["category"] for e in entries] == [Category.CAPACITY] * 2 + [Category.THROTTLE] * 4 + ["success"]
    assert [e["wait"] for e in entries[:2]] == [600, 600] and 900 <= entries[2]["wait"] <= 1020
    assert [e["wait"] for e in entries[2:6]] == pytest.approx(waits[2:], abs=0.01)


# Run like the console script, plus a SIGUSR1 handler that writes down the modules the process holds.
# The simulator's test-only hook (simulator/kill_hook.py) sends SIGUSR1 when the loop reaches its wait.
MODULES_AT_WAIT = """
import os, signal, sys
from orchestrator.cli import main

def write_modules(*_):
    path = os.environ["MODULES_FILE"]
    with open(path + ".part", "w") as out:
        out.write("\\n".join(sorted(sys.modules)))
    os.replace(path + ".part", path)

signal.signal(signal.SIGUSR1, write_modules)
main()
"""


def test_the_loop_waits_without_the_oci_sdk_in_memory(session, tmp_path):
    modules_file = tmp_path / "modules-at-wait"
    env = {**session.env, KILL_AT: "wait:USR1", "RETRY_INTERVAL_SECONDS": "3600", "MODULES_FILE": str(modules_file)}
    waiting = subprocess.Popen(
        [sys.executable, "-c", MODULES_AT_WAIT, "retry", "--simulate", "capacity"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not modules_file.exists() and waiting.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        waiting.send_signal(signal.SIGINT)
        _, stderr = waiting.communicate(timeout=60)
    assert waiting.returncode == 130, stderr
    modules = modules_file.read_text().split()
    assert "orchestrator.loop.driver" in modules
    assert [name for name in modules if name == "oci" or name.startswith("oci.")] == []
    # It did look for an instance of ours in the compartment (ListInstances, read by a refresh) before
    # its first launch, without the SDK.
    ops = [call["op"] for call in session.calls()]
    assert "LaunchInstance" in ops and "ListInstances" in ops[: ops.index("LaunchInstance")]
