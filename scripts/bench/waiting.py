"""Waiting between attempts: the loops for real with a one-hour interval, once each waits after its
failed first attempt: the RSS of what waits; and for coinpilot-tf's `retry` process, its CPU time and
wakeups (voluntary context switches) while it waits."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

import click

from orchestrator.journal import Journal

from .processes import ProcessTable, _rss_kb, console_script, sleeping, start_shell_loop, stop
from .terraform_apply import terraform_apply_loop_again

# The waiting loops' interval: far longer than the benchmark looks at them.
WAITING_INTERVAL_SECONDS = 3600
# The runbook's first attempt alone backs off for about 100 s inside oci-cli.
WAITING_TIMEOUT_SECONDS = 600
# Time for the idle process to go from its journal line into its wait.
SETTLE_SECONDS = 0.5


def waiting_env(environ: dict[str, str]) -> dict[str, str]:
    return {**environ, "RETRY_INTERVAL_SECONDS": str(WAITING_INTERVAL_SECONDS)}


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


def _until_all_wait(journal: Journal, shells: dict[str, subprocess.Popen], retry: subprocess.Popen) -> None:
    """Until `retry` journaled its first attempt and every shell loop sleeps (polling, in the benchmark)."""
    deadline = time.monotonic() + WAITING_TIMEOUT_SECONDS
    while journal.last_attempt_number() < 1 or not all(sleeping(shell.pid) for shell in shells.values()):
        ended = [name for name, process in (*shells.items(), ("coinpilot_tf", retry)) if process.poll() is not None]
        if ended or time.monotonic() > deadline:
            why = ended or "timeout"
            raise click.ClickException(f"a waiting loop ended or hung before its first wait: {why}")
        time.sleep(0.2)
    time.sleep(SETTLE_SECONDS)


def _idle(retry: subprocess.Popen, seconds: int) -> dict:
    """The waiting retry process's CPU and wakeups over `seconds`."""
    ticks, switches, began = _cpu_ticks(retry.pid), _voluntary_switches(retry.pid), time.monotonic()
    time.sleep(seconds)
    ticks = _cpu_ticks(retry.pid) - ticks
    switches = _voluntary_switches(retry.pid) - switches
    elapsed = time.monotonic() - began
    cpu = ticks / os.sysconf("SC_CLK_TCK")
    return {
        "interval_seconds": WAITING_INTERVAL_SECONDS,
        "sampled_seconds": elapsed,
        "cpu_seconds": cpu,
        "cpu_share": cpu / elapsed,
        "wakeups": switches,
    }


def measure_waiting(
    seconds: int, root: Path, environ: dict[str, str], runbook: subprocess.Popen | None, baseline_workdir: Path
) -> dict:
    """The waiting loops' RSS and the waiting retry's idle cost. The runbook's loop is started earlier
    by the caller (its first attempt backs off for minutes); the `terraform apply` loop runs again in
    the module it ran in before (`baseline_workdir`); `retry` starts from nothing, as a user starts it."""
    with ExitStack() as stack:
        shells = {"runbook": runbook} if runbook else {}
        baseline = terraform_apply_loop_again(baseline_workdir, "capacity", 1, environ)
        shells["baseline"] = start_shell_loop(baseline.argv, baseline.cwd, waiting_env(baseline.env))
        stack.callback(stop, shells["baseline"], signal.SIGTERM, True)
        retry = subprocess.Popen(
            [console_script(), "retry", "--simulate", "capacity", "--workdir", str(root / "idle")],
            env=waiting_env(environ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _until_all_wait(Journal(root / "idle" / "journal.jsonl"), shells, retry)
            idle = _idle(retry, seconds)
            # A table read afresh: a pid the shared one saw earlier in the run may belong to another
            # process by now, which would hide a child or count a stranger.
            table = ProcessTable()
            waiting_rss = {name: table.rss_kb(shell.pid) for name, shell in shells.items()}
            # The `retry` process itself, as targets_rss's "process": its child, the simulated provider,
            # is a rehearsal's (against OCI, Terraform's provider lives only while a command runs).
            waiting_rss["coinpilot_tf"] = _rss_kb(retry.pid)
        finally:
            stop(retry)
    return {"rss_kb": waiting_rss, "idle": {**idle, "exit_code_after_interrupt": retry.returncode}}
