"""oci-cli in a virtualenv of its own, in the user cache folder: it is not a dependency of
coinpilot-tf, and its pins would fight ours. The benchmark's runbook contender and the oci-cli
fidelity tests each have their own (the runbook's loop takes minutes; the fidelity tests seconds).

    .venv/bin/python -m scripts.oci_cli     # once: the fidelity tests' oci-cli (.ci/run does it)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import platformdirs

BENCH = "bench-oci-cli"
FIDELITY = "fidelity-oci-cli"


def oci_cli_environment(name: str) -> Path:
    return Path(platformdirs.user_cache_dir("coinpilot-tf", appauthor=False)) / name


def cached_oci_cli(name: str) -> Path:
    """Where the `oci` of that virtualenv is (it may not be installed)."""
    return oci_cli_environment(name) / "bin" / "oci"


def ensure_oci_cli(name: str) -> str:
    """The `oci` of that virtualenv, installed the first time (a minute or more)."""
    environment = oci_cli_environment(name)
    oci = environment / "bin" / "oci"
    if not oci.exists():
        click.echo(f"installing oci-cli into {environment} (once; it takes a minute or more)", err=True)
        subprocess.run([sys.executable, "-m", "venv", str(environment)], check=True)
        subprocess.run([str(environment / "bin" / "python"), "-m", "pip", "install", "--quiet", "oci-cli"], check=True)
    return str(oci)


if __name__ == "__main__":
    click.echo(ensure_oci_cli(FIDELITY))
