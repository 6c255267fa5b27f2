"""The contenders side by side: coinpilot-tf's loop in this process, the other loops' attempt k between
its attempts k and k+1, so that all see the same load on a shared machine."""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

from .attempts import CommandLoop, launch_scenario
from .coinpilot_tf import run_retry, timed_terraform_runs
from .coinpilot_tf_pg import SteppedRetry, pg_retry, server_version
from .runbook import runbook_loop
from .terraform_apply import terraform_apply_loop

# The `terraform apply` loop's workdir under the benchmark's folder (the waiting measure runs it again).
BASELINE_WORKDIR = "baseline"


def compare_loops(attempts: int, root: Path, environ: dict[str, str], oci: str | None, postgres: str | None) -> dict:
    """Every contender's attempts, and the engine's description. The runbook's loop runs with an oci
    executable; coinpilot-tf's loop on the pg state backend with a PostgreSQL server (its connection
    string, `postgres`)."""
    scenario = launch_scenario(attempts)
    baseline, engine = terraform_apply_loop(root / BASELINE_WORKDIR, scenario, attempts, environ)
    with ExitStack() as stack:
        devnull = stack.enter_context(open(os.devnull, "w"))
        spans = stack.enter_context(timed_terraform_runs())
        others: dict[str, CommandLoop | SteppedRetry] = {}
        if postgres:
            others["coinpilot_tf_pg"] = pg_retry(
                stack, root / "coinpilot-tf-pg", environ, scenario, postgres, devnull, spans
            )
        others["baseline"] = baseline
        if oci:
            others["runbook"] = runbook_loop(stack, root, environ, oci, attempts)
        ours = run_retry(
            root / "coinpilot-tf",
            environ,
            scenario,
            attempts,
            lambda: [other.attempt() for other in others.values()],
            spans,
            devnull,
        )
        for other in others.values():
            while not other.done:  # only if coinpilot-tf stopped early
                other.attempt()
        measured = {"engine": engine, "coinpilot_tf": ours, **{name: o.results() for name, o in others.items()}}
    if postgres:
        measured["coinpilot_tf_pg"].update(server_version(postgres))
    return measured
