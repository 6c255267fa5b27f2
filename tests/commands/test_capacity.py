"""The capacity radar as a user meets it: `coinpilot-tf capacity` on a simulated workdir, and a
CAPACITY_PROBE run that asks the report before each launch and still launches once per attempt."""

import json

from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

from ..workdirs import copy_session, module_session

ADS = PLACEHOLDERS["availability_domains"]


def journal(session):
    return [json.loads(line) for line in (session.workdir / "journal.jsonl").read_text().splitlines()]


def test_capacity_prints_one_line_per_ad_and_size(won_template, tmp_path):
    session = copy_session(won_template, tmp_path)
    CloudStore.ensure(session.workdir / "simulator", "capacity,ok")  # the next launch would meet no capacity

    result = session.run("capacity", "--size", "2:12", "--size", "1:6")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:-1] == [f"{ad}  {size:<6}  OUT_OF_HOST_CAPACITY" for ad in ADS for size in ("2:12", "1:6")]
    assert lines[-1] == "mode: simulated OCI (no account used)"
    given = session.run("capacity", "--availability-domain", ADS[1], "--fault-domains")
    assert [line.split()[1] for line in given.stdout.splitlines()[:-1]] == [
        "any",
        "FAULT-DOMAIN-1",
        "FAULT-DOMAIN-2",
        "FAULT-DOMAIN-3",
    ]


def test_capacity_probe_journals_a_report_before_each_launch_and_launches_once_per_attempt(tmp_path):
    session = module_session(tmp_path, CAPACITY_PROBE="1")

    result = session.run("retry", "--simulate", "capacity*2,ok", "--availability-domain", "all")

    assert result.returncode == 0, result.stdout + result.stderr
    entries = [entry for entry in journal(session) if entry["event"] in ("capacity_report", "attempt")]
    assert [entry["event"] for entry in entries] == ["capacity_report", "attempt"] * 3
    for report, attempt in zip(entries[::2], entries[1::2], strict=True):
        assert report["tried"] == attempt["availability_domain"] and report["size"] == attempt["size"]
    # The first sweep's report asks for every AD still to try at that size.
    assert list(entries[0]["availability"]) == ADS
    assert entries[-2]["availability"][entries[-1]["availability_domain"]] == "AVAILABLE"
    calls = [call["op"] for call in CloudStore(session.workdir / "simulator").calls()]
    assert calls.count("LaunchInstance") == 3 and calls.count("CreateComputeCapacityReport") == 1 + 2 + 3
    status = session.run("status")
    assert "capacity:      CAPACITY_PROBE asked the report 3 time(s); it agreed with 3 of 3 launches (100%)" in (
        status.stdout
    )
    assert json.loads(session.run("status", "--json").stdout)["capacity_reports"] == {
        "reports": 3,
        "compared": 3,
        "agreed": 3,
    }
