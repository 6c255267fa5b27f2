"""scripts/bench.py on a tiny run: the JSON it writes and the simulated API calls it counts (never timing)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .postgres import server_binaries

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench.py"
# The benchmark measures the pg state backend where PostgreSQL's server binaries are installed.
HAS_POSTGRES = server_binaries() is not None
needs_postgres = pytest.mark.skipif(not HAS_POSTGRES, reason="PostgreSQL's server binaries are missing")


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


def run_bench(home: Path, *options: str) -> tuple[str, dict, str]:
    """stdout, the JSON and the markdown of one run, with its own HOME."""
    json_path, markdown_path = home / "bench.json", home / "benchmark.md"
    env = {name: value for name, value in os.environ.items() if name not in load_bench().RUNBOOK_VARIABLES}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"))
    run = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--startup-runs",
            "1",
            "--idle-seconds",
            "1",
            "--json",
            str(json_path),
            "--markdown",
            str(markdown_path),
            *options,
        ],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout, json.loads(json_path.read_text()), markdown_path.read_text()


# oci-cli as a previous benchmark run left it in the user's cache (looked up with the real HOME).
CACHED_OCI_CLI = load_bench().oci_cli_environment() / "bin" / "oci"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    # The autouse isolated_home fixture is function-scoped; this run gets its own HOME the same way.
    return run_bench(tmp_path_factory.mktemp("bench-home"), "--attempts", "3", "--without-runbook")


@pytest.fixture(scope="module")
def runbook_report(tmp_path_factory):
    """With the runbook's oci-cli loop: only where oci-cli is cached already. Installing it takes
    minutes, and one failed attempt of it about 100 s (oci-cli's own backoff), so 2 attempts."""
    if not CACHED_OCI_CLI.exists():
        pytest.skip(f"oci-cli is not in the benchmark's cache ({CACHED_OCI_CLI}); `scripts/bench.py` installs it")
    return run_bench(tmp_path_factory.mktemp("bench-home"), "--attempts", "2", "--oci-cli", str(CACHED_OCI_CLI))


def test_prints_one_line_per_contender(report):
    stdout, _, _ = report
    lines = stdout.splitlines()
    assert lines[0].startswith("coinpilot-tf retry: 3 attempts, ")
    if HAS_POSTGRES:
        assert lines[1].startswith("coinpilot-tf retry, pg state backend: 3 attempts, ")
        assert "the backend's own time per attempt (pg minus local state)" in lines[1]
    else:
        assert lines[1] == "coinpilot-tf retry, pg state backend: not measured (no PostgreSQL server binaries)"
    assert lines[2].startswith("terraform apply loop: 3 attempts, ")
    assert lines[3] == "runbook: oci compute instance launch loop: not run (--without-runbook)"
    assert "waits in" in lines[0] and "waits in" in lines[2]
    assert lines[4].startswith("targets not met: ")


def test_writes_the_markdown_tables(report):
    _, _, markdown = report
    pg_column = " coinpilot-tf retry, pg state backend |" if HAS_POSTGRES else ""
    assert f"| per attempt | coinpilot-tf retry |{pg_column} terraform apply loop |" in markdown
    assert "| measure | measured | target | met |" in markdown
    assert "| | baseline: `terraform apply -auto-approve` loop | coinpilot-tf `retry` |" in markdown


def test_results_replace_only_what_lies_between_the_markers(tmp_path):
    bench = load_bench()
    doc = tmp_path / "benchmark.md"
    doc.write_text(f"# How\n\n{bench.RESULTS_BEGIN}\nold\n{bench.RESULTS_END}\n\nafter\n")
    bench.write_results(doc, "new\n")
    assert doc.read_text() == f"# How\n\n{bench.RESULTS_BEGIN}\nnew\n{bench.RESULTS_END}\n\nafter\n"


def test_json_has_every_section(report):
    _, data, _ = report
    assert data["attempts"] == 3
    assert data["scenario"] == "capacity*2,ok"
    assert set(data["ratios"]) == {
        "wall_median",
        "wall_p90",
        "wall_total",
        "calls_per_later_failed_attempt",
        "startup_help_vs_import_click",
        "vs_baseline",
        "vs_runbook",
    }
    assert set(data["ratios"]["vs_baseline"]) == {"wall_median", "launch_calls_per_failed_attempt", "waiting_rss"}
    assert data["ratios"]["vs_runbook"] is None and data["runbook"] is None
    assert set(data["targets_met"]) == {
        "one_launch_call_per_later_attempt",
        "pg_one_launch_call_per_later_attempt",
        "baseline_three_or_more_calls",
        "wall_median_ratio",
        "own_share_p90",
        "rss_growth_10_to_n",
        "startup_ratio",
        "no_heavy_imports_at_help",
        "idle_cpu_zero",
        "waiting_rss",
    }
    for loop in ("baseline", "coinpilot_tf"):
        assert set(data[loop]["wall_seconds"]) == set(data[loop]["cpu_seconds"]) == {"median", "p90", "total"}
        assert set(data[loop]["peak_rss_kb"]) == {"median", "max"}
        assert len(data[loop]["attempts"]) == 3
        assert all(a["cpu_seconds"] > 0 and a["peak_rss_kb"] > 0 for a in data[loop]["attempts"])
        assert data[loop]["waiting_rss_kb"] > 0
    ours = data["coinpilot_tf"]
    assert set(ours["own_seconds"]) == {"median", "p90", "total"}
    assert all(a["terraform_seconds"] is not None and a["own_seconds"] is not None for a in ours["attempts"])
    assert set(ours["rss_kb_at_attempt"]) == {"1", "3"}  # attempt 10 needs --attempts 10 or more
    assert ours["rss_growth_kb_10_to_n"] is None
    assert data["startup"]["runs"] == 1
    assert isinstance(data["startup"]["heavy_imports_at_help"], list)
    assert data["idle"]["exit_code_after_interrupt"] == 130
    assert "coinpilot_tf_pg" in data
    if HAS_POSTGRES:
        pg = data["coinpilot_tf_pg"]
        assert set(pg["backend_seconds_per_attempt"]) == set(pg["wall_ratio_to_local"]) == {"median", "p90"}
        assert set(pg["wall_seconds"]) == {"median", "p90", "total"}
        assert len(pg["attempts"]) == 3
        assert pg["server"].startswith("PostgreSQL ")
    else:
        assert data["coinpilot_tf_pg"] is None
        assert data["targets_met"]["pg_one_launch_call_per_later_attempt"] is None


def test_both_loops_win_on_the_last_attempt(report):
    _, data, _ = report
    assert data["baseline"]["returncode"] == 0
    assert data["coinpilot_tf"]["exit_code"] == 0
    for loop in ("baseline", "coinpilot_tf"):
        assert [a["outcome"] for a in data[loop]["attempts"]] == ["capacity", "capacity", "ok"]


def test_coinpilot_makes_one_launch_call_per_attempt_after_the_first(report):
    _, data, _ = report
    attempts = data["coinpilot_tf"]["attempts"]
    assert attempts[0]["calls"]["LaunchInstance"] == 1
    assert attempts[1]["calls"] == {"LaunchInstance": 1}
    assert attempts[2]["calls"] == {"LaunchInstance": 1, "GetInstance": 1}
    assert data["coinpilot_tf"]["api_calls"]["per_later_failed_attempt"] == {
        "min": 1,
        "max": 1,
        "operations": ["LaunchInstance"],
    }
    assert data["targets_met"]["one_launch_call_per_later_attempt"] is True


@needs_postgres
def test_with_the_pg_backend_coinpilot_makes_one_launch_call_per_attempt_after_the_first(report):
    _, data, markdown = report
    pg = data["coinpilot_tf_pg"]
    assert pg["exit_code"] == 0
    assert [a["outcome"] for a in pg["attempts"]] == ["capacity", "capacity", "ok"]
    assert [a["calls"]["LaunchInstance"] for a in pg["attempts"]] == [1, 1, 1]
    assert pg["launch_per_later_failed_attempt"] == {"min": 1, "max": 1}
    assert data["targets_met"]["pg_one_launch_call_per_later_attempt"] is True
    row = "| LaunchInstance calls per failed attempt after the first: coinpilot-tf, pg state backend | 1 "
    assert row in markdown


def test_without_postgresql_the_pg_lines_say_not_measured(report):
    bench = load_bench()
    _, data, _ = report
    data = {**data, "coinpilot_tf_pg": None}
    data["targets_met"] = {**data["targets_met"], "pg_one_launch_call_per_later_attempt": None}

    lines = bench.summary_lines(data)
    markdown = bench.markdown(data)

    assert lines[1] == "coinpilot-tf retry, pg state backend: not measured (no PostgreSQL server binaries)"
    assert (
        "| LaunchInstance calls per failed attempt after the first: coinpilot-tf, pg state backend "
        "| not measured (no PostgreSQL server binaries) | 1 | n/a |"
    ) in markdown
    assert (
        "| pg state backend's own time per attempt: pg minus local state, attempt by attempt, median (p90) "
        "| not measured (no PostgreSQL server binaries) | | |"
    ) in markdown
    assert "| per attempt | coinpilot-tf retry | terraform apply loop |" in markdown


def test_baseline_reads_the_subnet_on_every_attempt(report):
    _, data, _ = report
    for attempt in data["baseline"]["attempts"]:
        assert attempt["calls"]["GetSubnet"] == 1
        assert attempt["calls"]["LaunchInstance"] == 1
    assert data["baseline"]["api_calls"]["total"]["LaunchInstance"] == 3


def test_every_attempt_starts_something_the_loop_waits_in_less(report):
    _, data, _ = report
    for loop in ("baseline", "coinpilot_tf"):
        assert data[loop]["waiting_rss_kb"] < data[loop]["peak_rss_kb"]["max"]


def test_the_runbooks_loop_wins_on_its_last_attempt(runbook_report):
    stdout, data, markdown = runbook_report
    runbook = data["runbook"]
    assert runbook["returncode"] == 0
    assert [a["outcome"] for a in runbook["attempts"]] == ["capacity", "ok"]
    assert runbook["oci_cli"]
    assert stdout.splitlines()[3].startswith("runbook: oci compute instance launch loop: 2 attempts, ")
    assert "| terraform apply loop | runbook: oci compute instance launch loop |" in markdown


def test_the_runbooks_hidden_retries_are_counted(runbook_report):
    _, data, _ = runbook_report
    first, won = data["runbook"]["attempts"]
    # oci-cli's SDK retries a 500 by itself: the cloud saw more than one LaunchInstance in one attempt.
    assert first["calls"]["LaunchInstance"] > 1
    assert won["calls"] == {"LaunchInstance": 1}
    assert data["runbook"]["api_calls"]["launch_per_failed_attempt"]["min"] == first["calls"]["LaunchInstance"]
    assert set(data["ratios"]["vs_runbook"]) == {"wall_median", "launch_calls_per_failed_attempt", "waiting_rss"}
    assert data["runbook"]["waiting_rss_kb"] > 0
