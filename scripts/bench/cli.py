"""The benchmark's command line: it parses, runs the contenders and the waiting and startup measures,
and prints and writes what summary.py and output.py make of them."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import ExitStack
from pathlib import Path

import click

from orchestrator.config import FIELDS
from scripts.postgres import running_server

from .compare import BASELINE_WORKDIR, compare_loops
from .output import markdown as markdown_tables
from .output import summary_lines, write_results
from .runbook import ensure_oci_cli, oci_cli_version, start_waiting_runbook
from .startup import measure_startup
from .summary import summarize
from .waiting import measure_waiting

# Runbook variables a user may have exported: the benchmark sets its own (and never notifies Discord).
RUNBOOK_VARIABLES = frozenset(env for field in FIELDS for env in field.env_names) | {
    "COINPILOT_TF_WORKDIR",
    "COINPILOT_TF_SIMULATOR_DIR",
}


def clean_environ() -> dict[str, str]:
    """This process's environment without the runbook's variables: every loop gets its settings itself."""
    return {name: value for name, value in os.environ.items() if name not in RUNBOOK_VARIABLES}


@click.command()
@click.option(
    "--attempts",
    type=click.IntRange(min=2),
    default=30,
    show_default=True,
    help="Attempts per loop: N-1 capacity failures, then ok (200 for the RSS-growth figure; "
    "a failed runbook attempt takes about 100 s).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("bench.json"),
    show_default=True,
    help="Where to write the full results.",
)
@click.option(
    "--markdown",
    "markdown_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(__file__).resolve().parents[2] / "docs" / "benchmark.md",
    show_default="docs/benchmark.md",
    help="Where to write the tables (between its result markers, if it has them).",
)
@click.option(
    "--startup-runs",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Runs of each startup command (median).",
)
@click.option(
    "--idle-seconds",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="How long to sample the CPU of a waiting retry process.",
)
@click.option(
    "--oci-cli",
    "oci_cli",
    type=click.Path(exists=True, dir_okay=False),
    help="An oci executable for the runbook's loop [default: oci-cli in the benchmark's cached virtualenv, "
    "installed on first use].",
)
@click.option("--without-runbook", is_flag=True, help="Leave the runbook's oci-cli loop out.")
@click.option(
    "--postgres",
    "postgres_conn_str",
    metavar="CONN_STR",
    help="A PostgreSQL server already running, for the pg state backend's loop (a schema of its own) "
    "[default: a throwaway server on 127.0.0.1, started with PostgreSQL's server binaries if installed].",
)
def main(
    attempts: int,
    json_path: Path,
    markdown_path: Path,
    startup_runs: int,
    idle_seconds: int,
    oci_cli: str | None,
    without_runbook: bool,
    postgres_conn_str: str | None,
) -> None:
    """Benchmark coinpilot-tf against a plain `terraform apply -auto-approve` loop and the runbook's
    `oci compute instance launch` loop on the simulated OCI, and coinpilot-tf's pg state backend
    against its local state."""
    environ = clean_environ()
    environ["RETRY_INTERVAL_SECONDS"] = "0"
    oci = None if without_runbook else (oci_cli or ensure_oci_cli())
    version = oci_cli_version(oci, environ) if oci else None
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="coinpilot-bench-") as root, ExitStack() as stack:
        # First: the runbook's first attempt backs off inside oci-cli for minutes, while the rest runs.
        runbook = start_waiting_runbook(stack, Path(root), environ, oci) if oci else None
        postgres = postgres_conn_str
        if postgres is None:
            server = stack.enter_context(running_server())  # None without PostgreSQL's server binaries
            postgres = server.conn_str if server else None
        measured = compare_loops(attempts, Path(root), environ, oci, postgres)
        startup = measure_startup(startup_runs, environ)
        waiting = measure_waiting(idle_seconds, Path(root), environ, runbook, Path(root) / BASELINE_WORKDIR)
    report = summarize(measured, startup, waiting, attempts, (load_before, os.getloadavg()[0]), version)
    json_path.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    write_results(markdown_path, markdown_tables(report))
    unmet = sorted(name for name, met in report["targets_met"].items() if met is False)
    click.echo("\n".join(summary_lines(report)))
    click.echo(f"targets not met: {', '.join(unmet) or 'none'}")
    click.echo(f"Tables: {markdown_path}\nFull results: {json_path}")
