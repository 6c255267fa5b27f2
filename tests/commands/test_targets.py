"""A user with several accounts: one targets file, one `retry --targets` process, one status table."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from orchestrator.errors import ExitCode

from ..session import new_session

TWO_TENANCIES = """
[defaults]
retry_interval_seconds = 0

[targets.alice]
simulate = "capacity*2,ok"
simulator_dir = "sim-alice"

[targets.bob]
simulate = "capacity,ok"
simulator_dir = "sim-bob"
"""


def _targets_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "targets.toml"
    path.write_text(text)
    return str(path)


def _launch_calls(folder: Path) -> list[dict]:
    calls = [json.loads(line) for line in (folder / "calls.jsonl").read_text().splitlines()]
    return [call for call in calls if call["op"] == "LaunchInstance"]


def _live(folder: Path) -> list[dict]:
    instances = json.loads((folder / "cloud.json").read_text())["instances"]
    return [instance for instance in instances if instance["lifecycle_state"] != "TERMINATED"]


def test_two_accounts_win_in_one_process_then_show_in_one_table_and_one_is_destroyed_alone(tmp_path):
    session = new_session(tmp_path)
    targets = _targets_file(tmp_path, TWO_TENANCIES)

    run = session.run("retry", "--targets", targets)
    assert run.returncode == ExitCode.OK, run.stdout + run.stderr
    assert "[alice] won the instance after 3 attempts" in run.stdout
    assert "[bob] won the instance after 2 attempts" in run.stdout

    status = session.run("status", "--targets", targets, "--json")
    rows = {row["target"]: row for row in json.loads(status.stdout)["targets"]}
    assert {name: row["state"] for name, row in rows.items()} == {"alice": "RUNNING", "bob": "RUNNING"}
    assert all(row["public_ip"] for row in rows.values())
    assert rows["alice"]["attempts"] == 3

    destroy = session.run("destroy", "--targets", targets, "--target", "bob", "--yes")
    assert destroy.returncode == 0, destroy.stdout + destroy.stderr
    assert rows["bob"]["instance_id"] in destroy.stdout
    assert _live(tmp_path / "sim-bob") == []
    assert [instance["id"] for instance in _live(tmp_path / "sim-alice")] == [rows["alice"]["instance_id"]]


def test_a_target_whose_credentials_are_refused_stops_alone_and_the_run_exits_with_its_code(tmp_path):
    session = new_session(tmp_path)
    targets = _targets_file(
        tmp_path,
        TWO_TENANCIES.replace('"capacity*2,ok"', '"auth"'),
    )

    run = session.run("retry", "--targets", targets, "--log-format", "json")

    assert run.returncode == ExitCode.STOPPED
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    results = {line.get("target"): line for line in lines if line["event"] == "result"}
    assert results["alice"]["outcome"] == "stopped" and results["alice"]["exit_code"] == ExitCode.STOPPED
    assert results["bob"]["outcome"] == "won"
    assert results[None] == {"event": "result", "exit_code": 1, "targets": {"alice": "stopped", "bob": "won"}}


def test_a_429_in_one_target_backs_off_every_target_of_its_tenancy(tmp_path):
    session = new_session(tmp_path)
    backoff = 2
    targets = _targets_file(
        tmp_path,
        f"""
[defaults]
simulate = "throttle,capacity*3,ok"
simulator_dir = "shared"
retry_interval_seconds = 0
throttle_retry_base_seconds = {backoff}
throttle_jitter_max_seconds = 0
ocpus = 1
memory_gbs = 6

[targets.one]
[targets.two]
""",
    )

    run = session.run("retry", "--targets", targets)

    assert run.returncode == ExitCode.OK, run.stdout + run.stderr
    calls = _launch_calls(tmp_path / "shared")
    assert [call["outcome"] for call in calls] == ["throttle", "capacity", "capacity", "capacity", "ok", "ok"]
    throttled = calls[0]["ts"]
    assert all(call["ts"] >= throttled + backoff for call in calls[1:])
    assert {call["display_name"] for call in calls[1:]} == {"one", "two"}


def test_targets_of_one_tenancy_share_its_launch_budget_and_status_counts_the_tenancys_calls(tmp_path):
    session = new_session(tmp_path)
    targets = _targets_file(
        tmp_path,
        """
[defaults]
simulate = "capacity*10,ok"
simulator_dir = "shared"
retry_interval_seconds = 0
launch_budget_per_day = 2
ocpus = 1
memory_gbs = 6

[targets.one]
[targets.two]
""",
    )

    run, shown = session.start("retry", "--targets", targets, until="launch budget:")
    run.send_signal(signal.SIGINT)
    assert run.wait(timeout=60) == ExitCode.INTERRUPTED
    status = json.loads(session.run("status", "--targets", targets, "--json").stdout)
    table = session.run("status", "--targets", targets).stdout

    # Two calls in the tenancy (by whichever target had the turn), then both wait: one for the
    # budget, the other for its turn behind it.
    calls = [call["display_name"] for call in _launch_calls(tmp_path / "shared")]
    assert len(calls) == 2
    assert "launch budget: 2 LaunchInstance calls by the tenancy's targets in the last 24 h" in shown[-1]
    by_target = {row["target"]: row["calls_last_24h"] for row in status["targets"]}
    assert by_target == {name: calls.count(name) for name in ("one", "two")}
    [tenancy] = status["tenancies"]
    assert (tenancy["targets"], tenancy["calls_last_24h"], tenancy["budget_per_day"]) == (["one", "two"], 2, 2)
    assert "CALLS 24H" in table and "shared by one, two: 2 LaunchInstance call(s) in the last 24 h" in table
