"""`status --targets`: each target's calls of the last 24 h, and a shared tenancy's pooled."""

from __future__ import annotations

import json

from orchestrator.launch_budget import WINDOW_SECONDS
from orchestrator.session import Session
from orchestrator.target_status import rows_json, rows_text, target_row, tenancy_pacing
from orchestrator.targets import load_targets

NOW = 2_000_000_000.0

TARGETS = """
[defaults]
simulate = "ok"
simulator_dir = "shared"
[targets.one]
workdir = "w/one"
launch_budget_per_day = 100
retry_interval_seconds = 900
[targets.two]
workdir = "w/two"
launch_budget_per_day = 50
retry_interval_seconds = 600
[targets.alone]
workdir = "w/alone"
simulator_dir = "elsewhere"
"""


def _journal_calls(folder, *times: float) -> None:
    folder.mkdir(parents=True)
    lines = [
        {"event": "attempt", "operation": "launch", "attempt": n, "category": "capacity", "ts": ts}
        for n, ts in enumerate(times, 1)
    ]
    (folder / "journal.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_a_tenancy_shared_by_targets_pools_their_calls_under_the_strictest_budget_and_shortest_interval(tmp_path):
    path = tmp_path / "targets.toml"
    path.write_text(TARGETS)
    _journal_calls(tmp_path / "w" / "one", NOW - WINDOW_SECONDS - 1, NOW - 60)  # the first has left the window
    _journal_calls(tmp_path / "w" / "two", NOW - 30, NOW - 20)
    _journal_calls(tmp_path / "w" / "alone", NOW - 10)
    targets = load_targets(Session({}), path)

    rows = [target_row(target, NOW) for target in targets]
    tenancies = tenancy_pacing(targets, NOW)

    assert [row.calls_last_24h for row in rows] == [1, 2, 1]
    shared, alone = tenancies
    assert shared.targets == ("one", "two") and alone.targets == ("alone",)
    assert (shared.pacing.calls, shared.pacing.budget, shared.pacing.interval) == (3, 50, 600)
    assert shared.pacing.implied == 144  # the gate holds the tenancy one interval after each attempt

    text = rows_text(rows, tenancies)
    assert text.splitlines()[0].endswith("CALLS 24H")
    assert "shared by one, two: 3 LaunchInstance call(s) in the last 24 h of LAUNCH_BUDGET_PER_DAY=50" in text
    assert "for the whole tenancy: its targets take turns" in text
    assert "shared by alone" not in text  # a lone target's row says it all
    data = json.loads(rows_json(rows, tenancies))
    assert [tenancy["calls_last_24h"] for tenancy in data["tenancies"]] == [3, 1]
    assert data["targets"][1]["calls_last_24h"] == 2
