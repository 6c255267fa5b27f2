"""Startup: `coinpilot-tf --help` against `python -c "import click"`, alternated, median; and what
`--help` imports (`-X importtime`) of the modules that must load only when used (cli.py)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from .processes import console_script

HEAVY_MODULES = ("oci", "jinja2", "requests", "apprise", "python_terraform", "orchestrator.engine")


def _heavy_imports_at_help(environ: dict[str, str]) -> list[str]:
    traced = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from orchestrator.cli import main; main()", "--help"],
        env=environ,
        capture_output=True,
        text=True,
    )
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in traced.stderr.splitlines() if line.startswith("import time:")
    }
    return sorted(name for name in imported if any(name == m or name.startswith(m + ".") for m in HEAVY_MODULES))


def measure_startup(runs: int, environ: dict[str, str]) -> dict:
    help_argv = [console_script(), "--help"]
    click_argv = [sys.executable, "-c", "import click"]
    timings: dict[str, list[float]] = {"help": [], "click": []}
    for _ in range(runs):  # alternated, so both see the same load
        for name, argv in (("help", help_argv), ("click", click_argv)):
            began = time.perf_counter()
            subprocess.run(argv, env=environ, check=True, stdout=subprocess.DEVNULL)
            timings[name].append(time.perf_counter() - began)
    return {
        "runs": runs,
        "help_seconds_median": statistics.median(timings["help"]),
        "import_click_seconds_median": statistics.median(timings["click"]),
        "heavy_imports_at_help": _heavy_imports_at_help(environ),
    }
