"""A user with several accounts: one targets file, one `retry --targets` process, one status table."""

from __future__ import annotations

import json
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
    calls = [
        json.loads(line)
        for line in (tmp_path / "shared" / "calls.jsonl").read_text().splitlines()
        if json.loads(line)["op"] == "LaunchInstance"
    ]
    assert [call["outcome"] for call in calls] == ["throttle", "capacity", "capacity", "capacity", "ok", "ok"]
    throttled = calls[0]["ts"]
    assert all(call["ts"] >= throttled + backoff for call in calls[1:])
    assert {call["display_name"] for call in calls[1:]} == {"one", "two"}
