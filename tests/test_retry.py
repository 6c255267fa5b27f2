"""`coinpilot-tf retry` end to end: real Terraform, the simulated OCI, a user's session."""

import json
import random

import pytest

from orchestrator.failures import Category
from orchestrator.policy import Policy, PolicyConfig, Waiter
from orchestrator.prepare import prepare, terraform_for
from orchestrator.progress import Reporter
from orchestrator.retry import RetryLoop
from orchestrator.notify import Notifier

from .session import new_session

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
    assert session.workdir.stat().st_mode & 0o777 == 0o700
    for private in ["terraform.tfstate", "terraform.tfvars.json", "journal.jsonl", *[p.name for p in session.workdir.glob("*.tfplan")]]:
        assert (session.workdir / private).stat().st_mode & 0o777 == 0o600, private


def test_after_the_first_attempt_each_attempt_is_one_launch_call(session):
    assert session.run("retry", "--simulate", "capacity*5,ok").returncode == 0
    calls = [call["op"] for call in session.calls()]
    first_launch = calls.index("LaunchInstance")
    last_launch = len(calls) - 1 - calls[::-1].index("LaunchInstance")
    assert calls[first_launch:last_launch + 1] == ["LaunchInstance"] * 6
    assert "GetSubnet" not in calls[first_launch:]


def test_auth_stops_after_one_call_and_says_what_to_check(session):
    result = session.run("retry", "--simulate", "auth")

    assert result.returncode == 1
    assert len(session.calls("LaunchInstance")) == 1
    assert "check the OCI config profile" in result.stderr
    assert session.live_instances() == []
    assert session.journal("stop")[0]["category"] == "auth"


def test_gives_up_after_max_attempts(session):
    result = session.run("retry", "--simulate", "capacity", extra_env={"MAX_ATTEMPTS": "3"})

    assert result.returncode == 3
    assert len(session.calls("LaunchInstance")) == 3
    assert "MAX_ATTEMPTS=3" in result.stderr
    [saved_plan] = session.workdir.glob("*.tfplan")
    assert saved_plan.stat().st_mode & 0o777 == 0o600


def test_attempt_numbers_continue_across_restarts(session):
    session.run("retry", "--simulate", "capacity", extra_env={"MAX_ATTEMPTS": "2"})
    session.run("retry", extra_env={"MAX_ATTEMPTS": "2"})
    assert [entry["attempt"] for entry in session.journal()] == [1, 2, 3, 4]


def test_once_exits_3_on_capacity_and_0_on_ok(session):
    assert session.run("retry", "--once", "--simulate", "capacity").returncode == 3
    assert len(session.calls("LaunchInstance")) == 1
    assert session.run("retry", "--once", "--simulate", "ok").returncode == 0
    assert len(session.live_instances()) == 1


def test_once_tries_each_availability_domain_once(session):
    result = session.run("retry", "--once", "--simulate", "capacity", "--availability-domain", AD1, "--availability-domain", AD2)
    assert result.returncode == 3
    assert [call["availability_domain"] for call in session.calls("LaunchInstance")] == [AD1, AD2]


def test_two_availability_domains_alternate(session):
    result = session.run("retry", "--simulate", "capacity*3,ok", "--availability-domain", AD1, "--availability-domain", AD2)

    assert result.returncode == 0
    assert [call["availability_domain"] for call in session.calls("LaunchInstance")] == [AD1, AD2, AD1, AD2]
    assert session.live_instances()[0]["availability_domain"] == AD2


def test_sizes_are_tried_largest_first(session):
    result = session.run("retry", "--simulate", "capacity,ok", "--size", "1:6", "--size", "2:12")
    assert result.returncode == 0
    sizes = [call["shape_config"]["ocpus"] for call in session.calls("LaunchInstance")]
    assert sizes == [2, 1]


def test_a_second_retry_after_success_makes_no_call(session):
    assert session.run("retry", "--simulate", "ok").returncode == 0
    calls_before = len(session.calls())

    again = session.run("retry")

    assert again.returncode == 0
    assert "already exists" in again.stderr + again.stdout
    assert len(session.calls()) == calls_before
    assert len(session.live_instances()) == 1


def test_unavailable_drops_the_domain_and_stops_when_none_is_left(session):
    result = session.run("retry", "--simulate", "unavailable", "--availability-domain", AD1, "--availability-domain", AD2)
    assert result.returncode == 1
    assert [call["availability_domain"] for call in session.calls("LaunchInstance")] == [AD1, AD2]
    assert "not offered" in result.stderr


def test_json_log_lines_for_unattended_runs(session):
    result = session.run("retry", "--simulate", "capacity,ok", "--log-format", "json")
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["category"] for line in lines] == ["capacity", "success"]
    assert all("reason" in line for line in lines)


def _in_process_loop(tmp_path, monkeypatch, scenario, **env):
    """The loop with the real engine and simulator, but a waiter that records instead of sleeping."""
    monkeypatch.setenv("COINPILOT_TF_WORKDIR", str(tmp_path / "wd"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import os
    import io

    prepared = prepare({}, os.environ, scenario)
    waits = []
    waiter = Waiter(sleep=lambda seconds: waits.append(seconds) and False)
    settings = prepared.settings
    policy = Policy(PolicyConfig(
        retry_interval=settings.retry_interval_seconds, throttle_base=settings.throttle_retry_base_seconds,
        throttle_max=settings.throttle_retry_max_seconds, throttle_jitter=settings.throttle_jitter_max_seconds,
    ), rng=random.Random(7))
    loop = RetryLoop(prepared, terraform_for(prepared, None, os.environ), policy=policy, waiter=waiter,
                     notifier=Notifier(None), reporter=Reporter(io.StringIO(), "text"))
    return loop, waits


def test_throttle_backs_off_exponentially_with_jitter(tmp_path, monkeypatch):
    loop, waits = _in_process_loop(tmp_path, monkeypatch, "throttle*4,ok")

    outcome = loop.run()

    assert outcome.exit_code == 0
    # Defaults: base 900, doubling, capped at 3600, plus 0..120 s of jitter each.
    for wait, floor in zip(waits, [900, 1800, 3600, 3600]):
        assert floor <= wait <= floor + 120
    assert len(waits) == 4
    assert len(set(w % 1 for w in waits)) > 1  # the jitter is random, not a constant


def test_capacity_waits_the_interval(tmp_path, monkeypatch):
    loop, waits = _in_process_loop(tmp_path, monkeypatch, "capacity*2,ok", RETRY_INTERVAL_SECONDS="600")
    assert loop.run().exit_code == 0
    assert waits == [600, 600]


def test_category_change_is_journaled_with_the_wait(tmp_path, monkeypatch):
    loop, waits = _in_process_loop(tmp_path, monkeypatch, "capacity,throttle,ok", RETRY_INTERVAL_SECONDS="60")
    assert loop.run().exit_code == 0
    entries = [e for e in loop.journal.entries() if e["event"] == "attempt"]
    assert [e["category"] for e in entries] == [Category.CAPACITY, Category.THROTTLE, "success"]
    assert entries[0]["wait"] == 60 and 900 <= entries[1]["wait"] <= 1020


def test_a_launch_lost_to_a_network_error_is_adopted_not_repeated(session):
    # 1:6 leaves room in the A1 allowance: nothing but the reconcile stops a second launch.
    result = session.run("retry", "--simulate", "lost,ok", "--size", "1:6")

    assert result.returncode == 0, result.stderr
    assert len(session.calls("LaunchInstance")) == 1
    [instance] = session.live_instances()
    assert json.loads((session.workdir / "launch_result.json").read_text())["instance_id"] == instance["id"]
