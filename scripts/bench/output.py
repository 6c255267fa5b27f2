"""What the benchmark prints and writes: one line per contender for the terminal, and the tables of
docs/benchmark.md (between its result markers)."""

from __future__ import annotations

from pathlib import Path

from .summary import TARGET_OWN_SHARE, TARGET_STARTUP_RATIO, TARGET_WAITING_RSS_KB, TARGET_WALL_RATIO

CONTENDERS = {
    "coinpilot_tf": "coinpilot-tf retry",
    "coinpilot_tf_pg": "coinpilot-tf retry, pg state backend",
    "baseline": "terraform apply loop",
    "runbook": "runbook: oci compute instance launch loop",
}
PG_NOT_MEASURED = "not measured (no PostgreSQL server binaries)"


def _calls_text(calls: dict[str, int]) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(calls.items())) or "none"


def _later_text(summary: dict) -> str:
    later = summary["per_later_failed_attempt"]
    if later["max"] is None:
        return "n/a (no failed attempt after the first)"
    count = str(later["max"]) if later["min"] == later["max"] else f"{later['min']}-{later['max']}"
    return f"{count} ({', '.join(later['operations'])})"


def _launch_text(summary: dict) -> str:
    launch = summary["launch_per_failed_attempt"]
    if launch["mean"] is None:
        return "n/a (no failed attempt)"
    return f"{launch['mean']:.1f}" + ("" if launch["min"] == launch["max"] else f" ({launch['min']}-{launch['max']})")


def _backend_cost_text(pg: dict | None) -> str:
    if pg is None:
        return PG_NOT_MEASURED
    cost = pg["backend_seconds_per_attempt"]
    return f"{cost['median']:+.2f} s ({cost['p90']:+.2f} s)"


def _backend_ratio_text(pg: dict | None) -> str:
    if pg is None:
        return PG_NOT_MEASURED
    ratio = pg["wall_ratio_to_local"]
    return f"{ratio['median']:.2f}x ({ratio['p90']:.2f}x)"


def _pg_launch_text(pg: dict | None) -> str:
    if pg is None:
        return PG_NOT_MEASURED
    launch = pg["launch_per_later_failed_attempt"]
    if launch["max"] is None:
        return "n/a (no failed attempt after the first)"
    count = str(launch["max"]) if launch["min"] == launch["max"] else f"{launch['min']}-{launch['max']}"
    return f"{count} (all API calls: {_later_text(pg['api_calls'])})"


def _pg_text(pg: dict | None) -> str:
    if pg is None:
        return PG_NOT_MEASURED
    return (
        f"{len(pg['attempts'])} attempts, {pg['wall_seconds']['median']:.2f} s per attempt, "
        f"{_pg_launch_text(pg)} LaunchInstance calls per failed attempt after the first, "
        f"the backend's own time per attempt (pg minus local state) {_backend_cost_text(pg)}, "
        f"pg / local state {_backend_ratio_text(pg)}, median (p90) of attempt-by-attempt pairs"
    )


def _met(value: bool | None) -> str:
    return "n/a" if value is None else ("yes" if value else "**no**")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _mb(kb: float | None) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.1f} MB"


def _times(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.2f}x"


def _result(name: str, summary: dict) -> str:
    if name.startswith("coinpilot_tf"):
        return f"exit code {summary['exit_code']}"
    return f"last exit code {summary['returncode']}"


def side_by_side(report: dict) -> list[str]:
    shown = [name for name in CONTENDERS if report[name]]
    rows = [
        ("attempts made; result", lambda s, n: f"{len(s['attempts'])}; {_result(n, s)}"),
        (
            "wall time per attempt, median (p90)",
            lambda s, n: f"{s['wall_seconds']['median']:.2f} s ({s['wall_seconds']['p90']:.2f} s)",
        ),
        (
            "LaunchInstance calls per failed attempt, client retries included: mean (range)",
            lambda s, n: _launch_text(s["api_calls"]),
        ),
        ("API calls per failed attempt after the first", lambda s, n: _later_text(s["api_calls"])),
        (
            "CPU seconds per attempt, median (p90)",
            lambda s, n: f"{s['cpu_seconds']['median']:.2f} s ({s['cpu_seconds']['p90']:.2f} s)",
        ),
        (
            "peak RSS of everything an attempt starts, median (max)",
            lambda s, n: f"{_mb(s['peak_rss_kb']['median'])} ({_mb(s['peak_rss_kb']['max'])})",
        ),
        ("RSS of what waits between attempts", lambda s, n: _mb(s["waiting_rss_kb"])),
    ]
    lines = [
        "| per attempt | " + " | ".join(CONTENDERS[name] for name in shown) + " |",
        "|---" * (len(shown) + 1) + "|",
    ]
    lines += [f"| {label} | " + " | ".join(cell(report[name], name) for name in shown) + " |" for label, cell in rows]
    lines += [
        "",
        (
            "| coinpilot-tf / other | wall time per attempt | LaunchInstance calls per failed attempt "
            "| RSS while waiting |"
        ),
        "|---|---|---|---|",
    ]
    for name in ("baseline", "runbook"):
        if name not in shown:
            continue
        ratio = report["ratios"][f"vs_{name}"]
        lines.append(
            f"| {CONTENDERS[name]} | {_times(ratio['wall_median'])} | "
            f"{_times(ratio['launch_calls_per_failed_attempt'])} | {_times(ratio['waiting_rss'])} |"
        )
    return lines


def summary_lines(report: dict) -> list[str]:
    """One line per contender, for the terminal."""
    lines = []
    for name, label in CONTENDERS.items():
        s = report[name]
        if name == "coinpilot_tf_pg":
            lines.append(f"{label}: {_pg_text(s)}")
            continue
        if not s:
            lines.append(f"{label}: not run (--without-runbook)")
            continue
        lines.append(
            f"{label}: {len(s['attempts'])} attempts, {s['wall_seconds']['median']:.2f} s per attempt, "
            f"{_launch_text(s['api_calls'])} LaunchInstance calls per failed attempt, "
            f"{s['cpu_seconds']['median']:.2f} s CPU per attempt, peak {_mb(s['peak_rss_kb']['max'])}, "
            f"waits in {_mb(s['waiting_rss_kb'])}"
        )
    return lines


def _heading(report: dict) -> list[str]:
    n, machine, runbook, pg = report["attempts"], report["machine"], report["runbook"], report["coinpilot_tf_pg"]
    return [
        f"## coinpilot-tf benchmark: {n} attempts ({n - 1} x capacity, then ok) on the simulated OCI",
        "",
        f"Engine {report['engine']}; {machine['cpus']} CPUs; Python {machine['python']}; "
        f"load average {machine['load_average_before']:.2f} before, {machine['load_average_after']:.2f} after"
        + (f"; {pg['server']} for the pg state backend" if pg else "; pg state backend " + PG_NOT_MEASURED)
        + (f"; oci-cli {runbook['oci_cli']}." if runbook else "; the runbook's loop was not run (--without-runbook)."),
    ]


def _headline(report: dict) -> list[str]:
    """coinpilot-tf against the `terraform apply -auto-approve` loop, target by target."""
    n, base, ours = report["attempts"], report["baseline"], report["coinpilot_tf"]
    ratios, met, startup, idle = report["ratios"], report["targets_met"], report["startup"], report["idle"]
    growth = ours["rss_growth_kb_10_to_n"]
    growth_text = (
        "n/a (needs --attempts 10 or more)" if growth is None else f"{growth / 1024:+.2f} MB (attempt 10 -> {n})"
    )
    calls_ratio = ratios["calls_per_later_failed_attempt"]
    pg = report["coinpilot_tf_pg"]
    return [
        "| measure | measured | target | met |",
        "|---|---|---|---|",
        f"| wall time per attempt, median (coinpilot-tf / baseline) | {ratios['wall_median']:.2f}x | <= {TARGET_WALL_RATIO}x | {_met(met['wall_median_ratio'])} |",
        f"| wall time per attempt, p90 (coinpilot-tf / baseline) | {ratios['wall_p90']:.2f}x | | |",
        f"| wall time, all {n} attempts (coinpilot-tf / baseline) | {ratios['wall_total']:.2f}x | | |",
        f"| API calls per failed attempt after the first: coinpilot-tf | {_later_text(ours['api_calls'])} | 1 (LaunchInstance) | {_met(met['one_launch_call_per_later_attempt'])} |",
        f"| LaunchInstance calls per failed attempt after the first: coinpilot-tf, pg state backend | {_pg_launch_text(pg)} | 1 | {_met(met['pg_one_launch_call_per_later_attempt'])} |",
        f"| pg state backend's own time per attempt: pg minus local state, attempt by attempt, median (p90) | {_backend_cost_text(pg)} | | |",
        f"| wall time per attempt: pg state backend / local state, attempt by attempt, median (p90) | {_backend_ratio_text(pg)} | | |",
        f"| API calls per failed attempt after the first: baseline | {_later_text(base['api_calls'])} | 3 or more (issue's claim) | {_met(met['baseline_three_or_more_calls'])} |",
        f"| API calls per failed attempt after the first (coinpilot-tf / baseline) | {'n/a' if calls_ratio is None else f'{calls_ratio:.2f}x'} | | |",
        f"| orchestrator's own time, share of an attempt, p90 (median) | {ours['own_share']['p90']:.2%} ({ours['own_share']['median']:.2%}) | <= {TARGET_OWN_SHARE:.0%} | {_met(met['own_share_p90'])} |",
        f"| orchestrator RSS growth | {growth_text} | < 5 MB (10 -> 200) | {_met(met['rss_growth_10_to_n'])} |",
        f"| RSS of a `retry` waiting between attempts | {_mb(ours['waiting_rss_kb'])} | <= {_mb(TARGET_WAITING_RSS_KB)} | {_met(met['waiting_rss'])} |",
        f'| startup: `coinpilot-tf --help` / `python -c "import click"` | {ratios["startup_help_vs_import_click"]:.2f}x | <= {TARGET_STARTUP_RATIO:g}x | {_met(met["startup_ratio"])} |',
        f"| heavy modules imported by `--help` | {', '.join(startup['heavy_imports_at_help']) or 'none'} | none | {_met(met['no_heavy_imports_at_help'])} |",
        f"| idle CPU while waiting between attempts | {idle['cpu_share']:.2%} ({idle['cpu_seconds']:.2f} s CPU, {idle['wakeups']} wakeups in {idle['sampled_seconds']:.1f} s) | effectively zero | {_met(met['idle_cpu_zero'])} |",
    ]


def _details(report: dict) -> list[str]:
    """The baseline and coinpilot-tf, figure by figure."""
    base, ours, startup = report["baseline"], report["coinpilot_tf"], report["startup"]
    rss = ours["rss_kb_at_attempt"]
    return [
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
        f'| startup, median of {startup["runs"]} | `python -c "import click"` {startup["import_click_seconds_median"]:.3f} s | `coinpilot-tf --help` {startup["help_seconds_median"]:.3f} s |',
    ]


def markdown(report: dict) -> str:
    lines = [
        *_heading(report),
        "",
        "### Three ways to retry, side by side",
        "",
        *side_by_side(report),
        "",
        "### Headline: coinpilot-tf against the `terraform apply -auto-approve` loop",
        "",
        *_headline(report),
        "",
        "### Details",
        "",
        *_details(report),
    ]
    return "\n".join(lines) + "\n"


# Where the results go in docs/benchmark.md; the text around them is written by hand.
RESULTS_BEGIN, RESULTS_END = "<!-- benchmark results: begin -->", "<!-- benchmark results: end -->"


def write_results(path: Path, results: str) -> None:
    text = path.read_text() if path.exists() else ""
    if RESULTS_BEGIN in text and RESULTS_END in text:
        before, rest = text.split(RESULTS_BEGIN, 1)
        text = f"{before}{RESULTS_BEGIN}\n{results}{RESULTS_END}{rest.split(RESULTS_END, 1)[1]}"
    else:
        text = results
    path.write_text(text)
