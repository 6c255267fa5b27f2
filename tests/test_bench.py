"""scripts/bench.py on a tiny run: the JSON it writes and the simulated API calls it counts (never timing)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench.py"


def load_bench():
    if "bench_script" not in sys.modules:  # dataclasses look their module up in sys.modules
        spec = importlib.util.spec_from_file_location("bench_script", SCRIPT)
        sys.modules["bench_script"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["bench_script"])
    return sys.modules["bench_script"]


def test_scenario_stays_within_the_simulators_repeat_limit():
    bench = load_bench()
    assert bench.launch_scenario(2) == "capacity*1,ok"
    assert bench.launch_scenario(1200) == "capacity*1000,capacity*199,ok"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    # The autouse isolated_home fixture is function-scoped; this run gets its own HOME the same way.
    home = tmp_path_factory.mktemp("bench-home")
    json_path = home / "bench.json"
    env = {name: value for name, value in os.environ.items() if name not in load_bench().RUNBOOK_VARIABLES}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"))
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--attempts", "3", "--startup-runs", "1", "--idle-seconds", "1",
         "--json", str(json_path)],
        env=env, cwd=home, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout, json.loads(json_path.read_text())


def test_prints_the_markdown_tables(report):
    stdout, _ = report
    assert "| measure | measured | target | met |" in stdout
    assert "| | baseline: `terraform apply -auto-approve` loop | coinpilot-tf `retry` |" in stdout


def test_json_has_every_section(report):
    _, data = report
    assert data["attempts"] == 3
    assert data["scenario"] == "capacity*2,ok"
    assert set(data["ratios"]) == {"wall_median", "wall_p90", "wall_total", "calls_per_later_failed_attempt",
                                   "startup_help_vs_import_click"}
    assert set(data["targets_met"]) == {
        "one_launch_call_per_later_attempt", "baseline_three_or_more_calls", "wall_median_ratio", "own_share_p90",
        "rss_growth_10_to_n", "startup_ratio", "no_heavy_imports_at_help", "idle_cpu_zero",
    }
    for loop in ("baseline", "coinpilot_tf"):
        assert set(data[loop]["wall_seconds"]) == {"median", "p90", "total"}
        assert len(data[loop]["attempts"]) == 3
    ours = data["coinpilot_tf"]
    assert set(ours["own_seconds"]) == {"median", "p90", "total"}
    assert all(a["terraform_seconds"] is not None and a["own_seconds"] is not None for a in ours["attempts"])
    assert set(ours["rss_kb_at_attempt"]) == {"1", "3"}  # attempt 10 needs --attempts 10 or more
    assert ours["rss_growth_kb_10_to_n"] is None
    assert data["startup"]["runs"] == 1
    assert isinstance(data["startup"]["heavy_imports_at_help"], list)
    assert data["idle"]["exit_code_after_interrupt"] == 130


def test_both_loops_win_on_the_last_attempt(report):
    _, data = report
    assert data["baseline"]["returncode"] == 0
    assert data["coinpilot_tf"]["exit_code"] == 0
    for loop in ("baseline", "coinpilot_tf"):
        assert [a["outcome"] for a in data[loop]["attempts"]] == ["capacity", "capacity", "ok"]


def test_coinpilot_makes_one_launch_call_per_attempt_after_the_first(report):
    _, data = report
    attempts = data["coinpilot_tf"]["attempts"]
    assert attempts[0]["calls"]["LaunchInstance"] == 1
    assert attempts[1]["calls"] == {"LaunchInstance": 1}
    assert attempts[2]["calls"] == {"LaunchInstance": 1, "GetInstance": 1}
    assert data["coinpilot_tf"]["api_calls"]["per_later_failed_attempt"] == {"min": 1, "max": 1, "operations": ["LaunchInstance"]}
    assert data["targets_met"]["one_launch_call_per_later_attempt"] is True


def test_baseline_reads_the_subnet_on_every_attempt(report):
    _, data = report
    for attempt in data["baseline"]["attempts"]:
        assert attempt["calls"]["GetSubnet"] == 1
        assert attempt["calls"]["LaunchInstance"] == 1
    assert data["baseline"]["api_calls"]["total"]["LaunchInstance"] == 3
