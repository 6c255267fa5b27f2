"""Memory of one process waiting for several targets (`retry --targets`, docs/targets.md), beside a
single target's `retry`: each waits after its failed first attempts with a one-hour interval, then
the RSS is read from /proc. Cheap and optional (about a minute):

    .venv/bin/python -m scripts.bench.targets_rss [--targets 5]

"process" is the `retry` process itself, the figure the target (60 MB for 5 targets) is about;
"tree" adds its children: in a rehearsal each target's simulated provider is a Python process of its
own, which a real run has in place as Terraform's oracle/oci provider only while a command runs.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import click

from orchestrator.journal import Journal

from .cli import clean_environ
from .processes import ProcessTable, _rss_kb, console_script, stop
from .waiting import SETTLE_SECONDS, WAITING_TIMEOUT_SECONDS, waiting_env

TARGET_RSS_KB = 60 * 1024  # issue 23: one process waiting for 5 targets


def _targets_file(root: Path, count: int) -> Path:
    tables = "".join(
        f'[targets.t{n}]\nsimulate = "capacity"\nsimulator_dir = "sim-{n}"\n\n' for n in range(1, count + 1)
    )
    path = root / "targets.toml"
    path.write_text(tables)
    return path


def _waiting_rss(argv: list[str], journals: list[Path], environ: dict[str, str]) -> dict[str, int]:
    """Start the run, wait (polling, in the benchmark) until every journal has its first attempt, read the RSS."""
    run = subprocess.Popen(
        [console_script(), *argv],
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + WAITING_TIMEOUT_SECONDS
        while not all(Journal(journal).last_attempt_number() >= 1 for journal in journals):
            if run.poll() is not None or time.monotonic() > deadline:
                raise click.ClickException(f"{argv} ended or hung before its first wait")
            time.sleep(0.2)
        time.sleep(SETTLE_SECONDS)
        return {"process": _rss_kb(run.pid), "tree": ProcessTable().rss_kb(run.pid)}  # read afresh, as in waiting.py
    finally:
        stop(run)


def measure(count: int, environ: dict[str, str]) -> dict:
    with TemporaryDirectory(prefix="coinpilot-bench-targets-") as folder:
        root = Path(folder)
        env = {**waiting_env(environ), "XDG_DATA_HOME": str(root / "data")}
        single = _waiting_rss(
            ["retry", "--simulate", "capacity", "--workdir", str(root / "single")],
            [root / "single" / "journal.jsonl"],
            env,
        )
        workdirs = root / "data" / "coinpilot-tf" / "workdirs"
        several = _waiting_rss(
            ["retry", "--targets", str(_targets_file(root, count))],
            [workdirs / f"t{n}" / "journal.jsonl" for n in range(1, count + 1)],
            env,
        )
    return {
        "targets": count,
        "single_target_rss_kb": single,
        "targets_rss_kb": several,
        "target_rss_kb": TARGET_RSS_KB,
        "target_met": several["process"] <= TARGET_RSS_KB if count == 5 else None,
    }


@click.command()
@click.option("--targets", "count", type=click.IntRange(min=1), default=5, show_default=True)
def main(count: int) -> None:
    """RSS of one `retry --targets` process waiting for COUNT targets, beside a single `retry`'s."""
    report = measure(count, clean_environ())
    single, several = report["single_target_rss_kb"], report["targets_rss_kb"]
    click.echo(
        f"waiting RSS, 1 target:  process {single['process'] / 1024:.1f} MB, with children {single['tree'] / 1024:.1f} MB"
    )
    click.echo(
        f"waiting RSS, {count} targets: process {several['process'] / 1024:.1f} MB, "
        f"with children {several['tree'] / 1024:.1f} MB (target: process <= {TARGET_RSS_KB // 1024} MB for 5)"
    )
    click.echo(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    main()
