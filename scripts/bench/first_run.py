"""A user's first rehearsal: `coinpilot-tf retry --simulate 'capacity,ok'` in an empty folder (a new
simulated cloud and SSH key, the module rendered, one capacity failure, then the win), run several
times one after the other. Cheap and optional (about half a minute):

    .venv/bin/python -m scripts.bench.first_run [--runs 10]

Wall time is the run's, from start to exit. CPU is the whole machine's during the run: every process
the run starts counts, the simulated provider too (the tool does not wait for its exit), so run it
on a quiet machine; the machine's load before the runs is printed with the figures.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import click

from .cli import clean_environ
from .processes import console_script

SCENARIO = "capacity,ok"


def _machine_cpu_seconds() -> float:
    """Busy time of all CPUs since boot (/proc/stat: user, nice, system, irq, softirq)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6]) / os.sysconf("SC_CLK_TCK")


def _one_run(folder: Path, environ: dict[str, str]) -> tuple[float, float]:
    env = {
        **environ,
        "HOME": str(folder / "home"),
        "XDG_DATA_HOME": str(folder / "data"),
        "COINPILOT_TF_WORKDIR": str(folder / "workdir"),
        "RETRY_INTERVAL_SECONDS": "0",
    }
    cpu, began = _machine_cpu_seconds(), time.perf_counter()
    run = subprocess.run([console_script(), "retry", "--simulate", SCENARIO], env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - began, _machine_cpu_seconds() - cpu
    if run.returncode != 0:
        raise click.ClickException(f"retry --simulate {SCENARIO} ended with {run.returncode}: {run.stderr.strip()}")
    return wall, cpu


def measure(runs: int, environ: dict[str, str]) -> dict:
    walls, cpus, load = [], [], os.getloadavg()[0]
    with TemporaryDirectory(prefix="coinpilot-bench-first-run-") as folder:
        for number in range(runs):
            wall, cpu = _one_run(Path(folder) / str(number), environ)
            walls.append(wall)
            cpus.append(cpu)
    return {
        "runs": runs,
        "scenario": SCENARIO,
        "load_average_before": load,
        "wall_seconds_median": statistics.median(walls),
        "machine_cpu_seconds_median": statistics.median(cpus),
    }


@click.command()
@click.option("--runs", type=click.IntRange(min=1), default=10, show_default=True)
def main(runs: int) -> None:
    """Wall time and CPU of a first `retry --simulate`, median of RUNS runs."""
    report = measure(runs, clean_environ())
    click.echo(
        f"first `retry --simulate '{SCENARIO}'`, median of {runs}: {report['wall_seconds_median']:.2f} s wall, "
        f"{report['machine_cpu_seconds_median']:.2f} s CPU (load average {report['load_average_before']:.2f} before)"
    )
    click.echo(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    main()
