#!/usr/bin/env python3
"""Benchmark: coinpilot-tf's retry loop against the plain `terraform apply -auto-approve` loop.

Both loops make N attempts (N-1 "Out of host capacity", then ok) with real Terraform against the
simulated OCI, each in its own workdir, and the run prints a markdown table and writes JSON.

- Baseline: what Terraform-based grabbers run, `terraform apply -auto-approve` again and again on
  the module `coinpilot-tf render --simulate` wrote, with the tool's engine and environment.
- coinpilot-tf: `retry` with zero waits, run in this process the way the CLI runs it, with a thin
  timing wrapper around Terraform.execute. Its own time per attempt is the attempt's wall time minus
  the time spent inside Terraform.execute (which includes starting the subprocess).
- Attempts are interleaved (coinpilot-tf attempt k, then baseline attempt k) so that both loops see
  the same load on a shared machine; the baseline's attempt runs outside coinpilot-tf's timing.
- API calls per attempt come from the simulator's calls.jsonl, by time window.
- RSS is read in-process from /proc/self/status (VmRSS) right after attempts 1, 10 and N.
- Startup: the `coinpilot-tf --help` console script against `python -c "import click"`,
  alternated, median; `-X importtime` shows whether --help loaded a heavy module.
- Idle CPU: a real `coinpilot-tf retry` subprocess waiting out a long interval after its first
  attempt; its CPU time and wakeups (voluntary context switches) from /proc/<pid>.

Linux only (/proc). Usage: .venv/bin/python scripts/bench.py [--attempts 30] [--json bench.json]
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from orchestrator.config import FIELDS
from orchestrator.engine.runner import Terraform
from orchestrator.journal import Journal
from orchestrator.prepare import prepare
from orchestrator.progress import Reporter
from orchestrator.retry import RetryLoop
from orchestrator.session import Session
from orchestrator.simulator.scenario import MAX_REPEAT
from orchestrator.simulator.store import CloudStore

# Runbook variables a user may have exported: the benchmark sets its own (and never notifies Discord).
RUNBOOK_VARIABLES = frozenset(field.env for field in FIELDS if field.env) | {"COINPILOT_TF_WORKDIR"}
# What `coinpilot-tf --help` must not import (heavy modules load only when used, cli.py).
HEAVY_MODULES = ("oci", "jinja2", "requests", "python_terraform", "orchestrator.engine")
RSS_ATTEMPTS = (1, 10)
# Time for the idle process to go from its journal line into its wait.
SETTLE_SECONDS = 0.5
FIRST_ATTEMPT_TIMEOUT_SECONDS = 300

TARGET_WALL_RATIO = 0.6
TARGET_OWN_SHARE = 0.05
TARGET_RSS_GROWTH_KB = 5 * 1024
TARGET_STARTUP_RATIO = 2.0
BASELINE_CALLS_CLAIMED = 3


@dataclass
class Attempt:
    number: int
    outcome: str | None  # what the simulated LaunchInstance answered
    wall_seconds: float
    calls: dict[str, int]
    terraform_seconds: float | None = None
    own_seconds: float | None = None


# ---- measurements -------------------------------------------------------------------------------


def launch_scenario(attempts: int) -> str:
    """N-1 capacity failures, then ok, within the simulator's repeat limit."""
    parts, left = [], attempts - 1
    while left:
        count = min(left, MAX_REPEAT)
        parts.append(f"capacity*{count}")
        left -= count
    return ",".join(parts + ["ok"])


def console_script() -> str:
    script = Path(sys.executable).with_name("coinpilot-tf")
    found = str(script) if script.exists() else shutil.which("coinpilot-tf")
    if not found:
        raise click.ClickException("coinpilot-tf is not installed next to this Python; run `pip install -e .` first")
    return found


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def calls_between(calls: list[dict], after: float, until: float) -> dict[str, int]:
    return dict(Counter(call["op"] for call in calls if after < call["ts"] <= until))


def launch_outcome(calls: list[dict], after: float, until: float) -> str | None:
    return next((c.get("outcome") for c in calls if c["op"] == "LaunchInstance" and after < c["ts"] <= until), None)


class BaselineLoop:
    """`terraform apply -auto-approve` on the same module until it wins, as a shell loop would."""

    def __init__(self, workdir: Path, attempts: int, environ: dict[str, str]):
        subprocess.run(
            [console_script(), "render", "--simulate", launch_scenario(attempts), "--workdir", str(workdir)],
            env=environ, check=True, stdout=subprocess.DEVNULL,
        )
        session = Session(environ)
        session.flags = {"workdir": str(workdir)}
        tool = session.terraform  # the tool's engine and environment
        self.engine, self.environment = tool.engine, tool.environment
        self.workdir, self.attempts = workdir, attempts
        self.windows: list[tuple[float, float, int]] = []

    @property
    def done(self) -> bool:
        return len(self.windows) >= self.attempts or bool(self.windows and self.windows[-1][2] == 0)

    def attempt(self) -> None:
        if self.done:
            return
        began = time.time()
        returncode = subprocess.run(
            [self.engine.path, "apply", "-auto-approve"], cwd=self.workdir, env=self.environment,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ).returncode
        self.windows.append((began, time.time(), returncode))

    def results(self) -> tuple[list[Attempt], int | None]:
        calls = CloudStore(self.workdir / "simulator").calls()
        attempts = [
            Attempt(number, launch_outcome(calls, began, ended), ended - began, calls_between(calls, began, ended))
            for number, (began, ended, _) in enumerate(self.windows, start=1)
        ]
        return attempts, self.windows[-1][2] if self.windows else None


class AttemptMarks(Reporter):
    """The CLI's text reporter, plus: when each attempt ended, RSS, and the baseline's turn."""

    def __init__(self, stream, rss_at: set[int], between_attempts: Callable[[], None]):
        super().__init__(stream, "text")
        self.rss_at, self.between_attempts = rss_at, between_attempts
        self.ended: list[float] = []
        self.resumed: list[float] = []
        self.rss_kb: dict[int, int] = {}

    def attempt(self, entry, reason):
        super().attempt(entry, reason)
        self.ended.append(time.time())
        if len(self.ended) in self.rss_at:
            self.rss_kb[len(self.ended)] = rss_kb()
        self.between_attempts()
        self.resumed.append(time.time())


@contextmanager
def timed_terraform_runs() -> Iterator[list[tuple[float, float]]]:
    """(start, end) of every Terraform.execute while the block runs: the time spent inside Terraform."""
    original = Terraform.execute
    spans: list[tuple[float, float]] = []

    def run(self, *args, **options):
        began = time.time()
        try:
            return original(self, *args, **options)
        finally:
            spans.append((began, time.time()))

    Terraform.execute = run
    try:
        yield spans
    finally:
        Terraform.execute = original


def compare_loops(attempts: int, root: Path, environ: dict[str, str]) -> dict:
    baseline = BaselineLoop(root / "baseline", attempts, environ)
    workdir = root / "coinpilot-tf"
    session = Session(environ)
    session.flags, session.scenario = {"workdir": str(workdir)}, launch_scenario(attempts)
    prepared = prepare(session)
    tf = session.terraform
    with open(os.devnull, "w") as devnull:
        marks = AttemptMarks(devnull, set(RSS_ATTEMPTS) | {attempts}, baseline.attempt)
        loop = RetryLoop.build(prepared, tf, once=False, reporter=marks)
        with timed_terraform_runs() as spans:
            called = time.time()
            outcome = loop.run()
    if not marks.ended:
        raise click.ClickException(f"coinpilot-tf made no attempt: {outcome.message}")
    while not baseline.done:  # only if coinpilot-tf stopped early
        baseline.attempt()

    entries = list(Journal(prepared.workdir.journal).entries())
    loop_started = next(entry["ts"] for entry in entries if entry["event"] == "start")
    calls = CloudStore(prepared.workdir.path / "simulator").calls()
    ours = []
    for number, ended in enumerate(marks.ended, start=1):
        # The setup before the loop runs no Terraform and calls no API in a fresh simulated workdir,
        # so the first attempt's window for those opens when run() was called.
        after = called if number == 1 else marks.resumed[number - 2]
        began = loop_started if number == 1 else after
        inside = sum(end - start for start, end in spans if after < start <= ended)
        wall = ended - began
        ours.append(Attempt(number, launch_outcome(calls, after, ended), wall,
                            calls_between(calls, after, ended), inside, wall - inside))
    base_attempts, base_returncode = baseline.results()
    return {
        "engine": baseline.engine.describe(),
        "baseline": {"returncode": base_returncode, "attempts": base_attempts},
        "coinpilot_tf": {
            "exit_code": outcome.exit_code,
            "setup_seconds": loop_started - called,
            "attempts": ours,
            "rss_kb_at_attempt": {str(number): kb for number, kb in sorted(marks.rss_kb.items())},
        },
    }


def measure_startup(runs: int, environ: dict[str, str]) -> dict:
    help_argv = [console_script(), "--help"]
    click_argv = [sys.executable, "-c", "import click"]
    timings: dict[str, list[float]] = {"help": [], "click": []}
    for _ in range(runs):  # alternated, so both see the same load
        for name, argv in (("help", help_argv), ("click", click_argv)):
            began = time.perf_counter()
            subprocess.run(argv, env=environ, check=True, stdout=subprocess.DEVNULL)
            timings[name].append(time.perf_counter() - began)
    traced = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from orchestrator.cli import main; main()", "--help"],
        env=environ, capture_output=True, text=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in traced.stderr.splitlines() if line.startswith("import time:")}
    heavy = sorted(name for name in imported if any(name == m or name.startswith(m + ".") for m in HEAVY_MODULES))
    return {
        "runs": runs,
        "help_seconds_median": statistics.median(timings["help"]),
        "import_click_seconds_median": statistics.median(timings["click"]),
        "heavy_imports_at_help": heavy,
    }


def _cpu_ticks(pid: int) -> int:
    # Fields after the command name; utime and stime are the 14th and 15th of the whole line.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _voluntary_switches(pid: int) -> int:
    total = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        for line in status.read_text().splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                total += int(line.split()[1])
    return total


def measure_idle_cpu(seconds: int, workdir: Path, environ: dict[str, str]) -> dict:
    """A real `retry` process, waiting after its first capacity failure: its CPU time and wakeups."""
    interval = max(3600, 10 * seconds)
    process = subprocess.Popen(
        [console_script(), "retry", "--simulate", "capacity", "--workdir", str(workdir)],
        env={**environ, "RETRY_INTERVAL_SECONDS": str(interval)},
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        journal = Journal(workdir / "journal.jsonl")
        deadline = time.monotonic() + FIRST_ATTEMPT_TIMEOUT_SECONDS
        while journal.last_attempt_number() < 1:  # polling here, in the benchmark, is fine
            if process.poll() is not None or time.monotonic() > deadline:
                raise click.ClickException(f"the idle-CPU run ended or hung before its first attempt (exit {process.returncode})")
            time.sleep(0.1)
        time.sleep(SETTLE_SECONDS)
        ticks, switches, began = _cpu_ticks(process.pid), _voluntary_switches(process.pid), time.monotonic()
        time.sleep(seconds)
        ticks = _cpu_ticks(process.pid) - ticks
        switches = _voluntary_switches(process.pid) - switches
        elapsed = time.monotonic() - began
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    cpu_seconds = ticks / os.sysconf("SC_CLK_TCK")
    return {
        "interval_seconds": interval,
        "sampled_seconds": elapsed,
        "cpu_seconds": cpu_seconds,
        "cpu_share": cpu_seconds / elapsed,
        "wakeups": switches,
        "exit_code_after_interrupt": process.returncode,
    }


# ---- summary ------------------------------------------------------------------------------------


def p90(values: list[float]) -> float:
    """Nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "p90": p90(values), "total": sum(values)}


def call_summary(attempts: list[Attempt]) -> dict:
    later_failed = [a.calls for a in attempts[1:] if a.outcome != "ok"]
    total: Counter = Counter()
    for attempt in attempts:
        total.update(attempt.calls)
    counts = [sum(calls.values()) for calls in later_failed]
    return {
        "total": dict(total),
        "first_attempt": attempts[0].calls if attempts else {},
        "last_attempt": attempts[-1].calls if attempts else {},
        "later_failed_attempts": len(later_failed),
        "per_later_failed_attempt": {"min": min(counts, default=None), "max": max(counts, default=None),
                                     "operations": sorted({op for calls in later_failed for op in calls})},
    }


def summarize(measured: dict, startup: dict, idle: dict, attempts: int, load: tuple) -> dict:
    base = measured["baseline"]["attempts"]
    ours = measured["coinpilot_tf"]["attempts"]
    base_wall = spread([a.wall_seconds for a in base])
    our_wall = spread([a.wall_seconds for a in ours])
    rss = measured["coinpilot_tf"]["rss_kb_at_attempt"]
    growth = rss[str(attempts)] - rss["10"] if "10" in rss and str(attempts) in rss else None
    base_calls, our_calls = call_summary(base), call_summary(ours)
    our_later, base_later = our_calls["per_later_failed_attempt"], base_calls["per_later_failed_attempt"]
    own_share = [a.own_seconds / a.wall_seconds for a in ours]
    startup_ratio = startup["help_seconds_median"] / startup["import_click_seconds_median"]
    ratios = {
        "wall_median": our_wall["median"] / base_wall["median"],
        "wall_p90": our_wall["p90"] / base_wall["p90"],
        "wall_total": our_wall["total"] / base_wall["total"],
        "calls_per_later_failed_attempt": (our_later["max"] / base_later["max"]) if our_later["max"] and base_later["max"] else None,
        "startup_help_vs_import_click": startup_ratio,
    }
    ticks = idle["cpu_seconds"] * os.sysconf("SC_CLK_TCK")
    targets = {
        "one_launch_call_per_later_attempt": our_calls["later_failed_attempts"] > 0 and all(
            a.calls == {"LaunchInstance": 1} for a in ours[1:] if a.outcome != "ok"),
        "baseline_three_or_more_calls": (base_later["min"] or 0) >= BASELINE_CALLS_CLAIMED,
        "wall_median_ratio": ratios["wall_median"] <= TARGET_WALL_RATIO,
        "own_share_p90": p90(own_share) <= TARGET_OWN_SHARE,
        "rss_growth_10_to_n": None if growth is None else growth < TARGET_RSS_GROWTH_KB,
        "startup_ratio": startup_ratio <= TARGET_STARTUP_RATIO,
        "no_heavy_imports_at_help": not startup["heavy_imports_at_help"],
        # At most one clock tick and one wakeup over the whole window: no polling loop.
        "idle_cpu_zero": ticks <= 1 and idle["wakeups"] <= 1,
    }
    return {
        "attempts": attempts,
        "scenario": launch_scenario(attempts),
        "engine": measured["engine"],
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "load_average_before": load[0], "load_average_after": load[1]},
        "baseline": {
            "command": "terraform apply -auto-approve",
            "returncode": measured["baseline"]["returncode"],
            "wall_seconds": base_wall,
            "api_calls": base_calls,
            "attempts": [asdict(a) for a in base],
        },
        "coinpilot_tf": {
            "command": "coinpilot-tf retry (RETRY_INTERVAL_SECONDS=0, in-process)",
            "exit_code": measured["coinpilot_tf"]["exit_code"],
            "setup_seconds": measured["coinpilot_tf"]["setup_seconds"],
            "wall_seconds": our_wall,
            "terraform_seconds": spread([a.terraform_seconds for a in ours]),
            "own_seconds": spread([a.own_seconds for a in ours]),
            "own_share": {"median": statistics.median(own_share), "p90": p90(own_share)},
            "rss_kb_at_attempt": rss,
            "rss_source": "VmRSS from /proc/self/status, in-process, right after the attempt",
            "rss_growth_kb_10_to_n": growth,
            "api_calls": our_calls,
            "attempts": [asdict(a) for a in ours],
        },
        "startup": startup,
        "idle": idle,
        "ratios": ratios,
        "targets_met": targets,
    }


# ---- output -------------------------------------------------------------------------------------


def _calls_text(calls: dict[str, int]) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(calls.items())) or "none"


def _later_text(summary: dict) -> str:
    later = summary["per_later_failed_attempt"]
    if later["max"] is None:
        return "n/a (no failed attempt after the first)"
    count = str(later["max"]) if later["min"] == later["max"] else f"{later['min']}-{later['max']}"
    return f"{count} ({', '.join(later['operations'])})"


def _met(value: bool | None) -> str:
    return "n/a" if value is None else ("yes" if value else "**no**")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def markdown(report: dict) -> str:
    n, base, ours = report["attempts"], report["baseline"], report["coinpilot_tf"]
    ratios, met, startup, idle = report["ratios"], report["targets_met"], report["startup"], report["idle"]
    rss = ours["rss_kb_at_attempt"]
    growth = ours["rss_growth_kb_10_to_n"]
    growth_text = "n/a (needs --attempts 10 or more)" if growth is None else f"{growth / 1024:+.2f} MB (attempt 10 -> {n})"
    calls_ratio = ratios["calls_per_later_failed_attempt"]
    machine = report["machine"]
    lines = [
        f"## coinpilot-tf benchmark: {n} attempts ({n - 1} x capacity, then ok) on the simulated OCI",
        "",
        f"Engine {report['engine']}; {machine['cpus']} CPUs; Python {machine['python']}; "
        f"load average {machine['load_average_before']:.2f} before, {machine['load_average_after']:.2f} after.",
        "",
        "### Headline: coinpilot-tf against the `terraform apply -auto-approve` loop",
        "",
        "| measure | measured | target | met |",
        "|---|---|---|---|",
        f"| wall time per attempt, median (coinpilot-tf / baseline) | {ratios['wall_median']:.2f}x | <= {TARGET_WALL_RATIO}x | {_met(met['wall_median_ratio'])} |",
        f"| wall time per attempt, p90 (coinpilot-tf / baseline) | {ratios['wall_p90']:.2f}x | | |",
        f"| wall time, all {n} attempts (coinpilot-tf / baseline) | {ratios['wall_total']:.2f}x | | |",
        f"| API calls per failed attempt after the first: coinpilot-tf | {_later_text(ours['api_calls'])} | 1 (LaunchInstance) | {_met(met['one_launch_call_per_later_attempt'])} |",
        f"| API calls per failed attempt after the first: baseline | {_later_text(base['api_calls'])} | 3 or more (issue's claim) | {_met(met['baseline_three_or_more_calls'])} |",
        f"| API calls per failed attempt after the first (coinpilot-tf / baseline) | {'n/a' if calls_ratio is None else f'{calls_ratio:.2f}x'} | | |",
        f"| orchestrator's own time, share of an attempt, p90 (median) | {ours['own_share']['p90']:.2%} ({ours['own_share']['median']:.2%}) | <= {TARGET_OWN_SHARE:.0%} | {_met(met['own_share_p90'])} |",
        f"| orchestrator RSS growth | {growth_text} | < 5 MB (10 -> 200) | {_met(met['rss_growth_10_to_n'])} |",
        f"| startup: `coinpilot-tf --help` / `python -c \"import click\"` | {ratios['startup_help_vs_import_click']:.2f}x | <= {TARGET_STARTUP_RATIO:g}x | {_met(met['startup_ratio'])} |",
        f"| heavy modules imported by `--help` | {', '.join(startup['heavy_imports_at_help']) or 'none'} | none | {_met(met['no_heavy_imports_at_help'])} |",
        f"| idle CPU while waiting between attempts | {idle['cpu_share']:.2%} ({idle['cpu_seconds']:.2f} s CPU, {idle['wakeups']} wakeups in {idle['sampled_seconds']:.1f} s) | effectively zero | {_met(met['idle_cpu_zero'])} |",
        "",
        "### Details",
        "",
        "| | baseline: `terraform apply -auto-approve` loop | coinpilot-tf `retry` |",
        "|---|---|---|",
        f"| result | last exit code {base['returncode']} after {len(base['attempts'])} attempts | exit code {ours['exit_code']} after {len(ours['attempts'])} attempts |",
        f"| wall time per attempt, median / p90 | {base['wall_seconds']['median']:.3f} s / {base['wall_seconds']['p90']:.3f} s | {ours['wall_seconds']['median']:.3f} s / {ours['wall_seconds']['p90']:.3f} s |",
        f"| wall time, all attempts | {base['wall_seconds']['total']:.1f} s | {ours['wall_seconds']['total']:.1f} s (plus {ours['setup_seconds']:.2f} s setup before the first) |",
        f"| time inside Terraform per attempt, median | (all of it) | {ours['terraform_seconds']['median']:.3f} s |",
        f"| orchestrator's own time per attempt, median / p90 | - | {_ms(ours['own_seconds']['median'])} / {_ms(ours['own_seconds']['p90'])} |",
        f"| API calls, first attempt | {_calls_text(base['api_calls']['first_attempt'])} | {_calls_text(ours['api_calls']['first_attempt'])} |",
        f"| API calls, winning attempt | {_calls_text(base['api_calls']['last_attempt'])} | {_calls_text(ours['api_calls']['last_attempt'])} |",
        f"| API calls, all attempts | {_calls_text(base['api_calls']['total'])} | {_calls_text(ours['api_calls']['total'])} |",
        f"| RSS (VmRSS, in-process) | - | {', '.join(f'{kb / 1024:.1f} MB at attempt {k}' for k, kb in rss.items())} |",
        f"| startup, median of {startup['runs']} | `python -c \"import click\"` {startup['import_click_seconds_median']:.3f} s | `coinpilot-tf --help` {startup['help_seconds_median']:.3f} s |",
    ]
    return "\n".join(lines) + "\n"


@click.command()
@click.option("--attempts", type=click.IntRange(min=2), default=30, show_default=True,
              help="Attempts per loop: N-1 capacity failures, then ok (200 for the issue's RSS figure).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("bench.json"),
              show_default=True, help="Where to write the full results.")
@click.option("--startup-runs", type=click.IntRange(min=1), default=10, show_default=True,
              help="Runs of each startup command (median).")
@click.option("--idle-seconds", type=click.IntRange(min=1), default=5, show_default=True,
              help="How long to sample the CPU of a waiting retry process.")
def main(attempts: int, json_path: Path, startup_runs: int, idle_seconds: int) -> None:
    """Benchmark coinpilot-tf against a plain `terraform apply -auto-approve` loop on the simulated OCI."""
    environ = {name: value for name, value in os.environ.items() if name not in RUNBOOK_VARIABLES}
    environ["RETRY_INTERVAL_SECONDS"] = "0"
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="coinpilot-bench-") as root:
        measured = compare_loops(attempts, Path(root), environ)
        startup = measure_startup(startup_runs, environ)
        idle = measure_idle_cpu(idle_seconds, Path(root) / "idle", environ)
    report = summarize(measured, startup, idle, attempts, (load_before, os.getloadavg()[0]))
    json_path.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    click.echo(markdown(report) + f"\nFull results: {json_path}")


if __name__ == "__main__":
    main()
