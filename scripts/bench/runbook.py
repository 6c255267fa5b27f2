"""The runbook's own approach: a bash loop that calls `oci compute instance launch` (oci-cli, its
defaults) once per attempt, against `coinpilot-tf simulate serve`. oci-cli is not a dependency of the
tool: the benchmark installs it once into its own virtualenv in the user's cache folder. Its SDK
retries 429 and 5xx by itself, and "Out of host capacity" is a 500, so one attempt may make several
calls: its cloud answers capacity to every call until attempt N begins (then the scenario is ok)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

from orchestrator.config import FREE_MEMORY_GBS, FREE_OCPUS, SHAPE
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore
from orchestrator.ssh_keys import ensure_key_pair

from .. import oci_cli
from .attempts import CommandLoop
from .processes import BACKGROUND, console_script, start_shell_loop, stop
from .waiting import waiting_env

INSTANCE_NAME = "runbook-a1"
# How long `coinpilot-tf simulate serve` may take to say where it answers.
SERVE_TIMEOUT_SECONDS = 300


def ensure_oci_cli() -> str:
    """oci-cli in the benchmark's own virtualenv, installed the first time."""
    return oci_cli.ensure_oci_cli(oci_cli.BENCH)


@dataclass(frozen=True)
class Endpoint:
    """What `coinpilot-tf simulate serve` printed: where it answers and what to launch with."""

    directory: Path
    url: str
    config_file: str
    compartment: str
    subnet: str
    image: str


_URL = re.compile(r"https?://127\.0\.0\.1:\d+")
_OCID = re.compile(r"ocid1\.(compartment|subnet|image)\.[\w.-]+")


def _served(text: str, directory: Path) -> Endpoint | None:
    url = _URL.search(text)
    ocids = {match.group(1): match.group(0) for match in _OCID.finditer(text)}
    config = next((token for token in text.split() if token.endswith("config") and Path(token).is_file()), None)
    if not (url and config and len(ocids) == 3):
        return None
    return Endpoint(directory, url.group(0), config, ocids["compartment"], ocids["subnet"], ocids["image"])


@contextmanager
def simulated_endpoint(directory: Path, scenario: str, environ: dict[str, str]) -> Iterator[Endpoint]:
    """`coinpilot-tf simulate serve` in the background while the block runs."""
    directory.mkdir(parents=True)
    printed = directory.parent / f"{directory.name}.serve.out"
    with printed.open("w") as out:
        process = subprocess.Popen(
            [console_script(), "simulate", "serve", "--scenario", scenario, "--dir", str(directory)],
            env={**environ, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    BACKGROUND.add(process.pid)
    try:
        deadline = time.monotonic() + SERVE_TIMEOUT_SECONDS
        while (endpoint := _served(printed.read_text(), directory)) is None:
            if process.poll() is not None or time.monotonic() > deadline:
                said = printed.read_text().strip()
                raise click.ClickException(f"`coinpilot-tf simulate serve` did not start: {said}")
            time.sleep(0.1)
        yield endpoint
    finally:
        stop(process, signal.SIGTERM)  # SIGINT is ignored where the benchmark runs in the background


def runbook_environment(environ: dict[str, str], root: Path) -> dict[str, str]:
    # No oci_cli_rc of the user's (it could turn retries off); no warnings about the key file.
    return {
        **environ,
        "OCI_CLI_RC_FILE": str(root / "no-oci-cli-rc"),
        "OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING": "True",
        "SUPPRESS_LABEL_WARNING": "True",
    }


def runbook_launch(oci: str, endpoint: Endpoint, public_key: Path) -> list[str]:
    """The runbook's one call per attempt, with oci-cli's defaults (its SDK's retries included)."""
    return [
        oci,
        "--config-file",
        endpoint.config_file,
        "--endpoint",
        endpoint.url,
        "compute",
        "instance",
        "launch",
        "--compartment-id",
        endpoint.compartment,
        "--availability-domain",
        PLACEHOLDERS["availability_domains"][0],
        "--subnet-id",
        endpoint.subnet,
        "--image-id",
        endpoint.image,
        "--display-name",
        INSTANCE_NAME,
        "--shape",
        SHAPE,
        "--shape-config",
        json.dumps({"ocpus": FREE_OCPUS, "memoryInGBs": FREE_MEMORY_GBS}),
        "--assign-public-ip",
        "true",
        "--ssh-authorized-keys-file",
        str(public_key),
    ]


def oci_cli_version(oci: str, env: dict[str, str]) -> str:
    return subprocess.run([oci, "--version"], env=env, capture_output=True, text=True, check=True).stdout.strip()


def runbook_loop(stack: ExitStack, root: Path, environ: dict[str, str], oci: str, attempts: int) -> CommandLoop:
    """The runbook's attempts against their own simulated cloud, which turns ok before the last one;
    the cloud stops when `stack` closes."""
    endpoint = stack.enter_context(simulated_endpoint(root / "runbook", "capacity", environ))
    key = ensure_key_pair(root / "runbook-ssh" / "key")
    return CommandLoop(
        runbook_launch(oci, endpoint, key.public_path),
        None,
        runbook_environment(environ, root),
        CloudStore(endpoint.directory),
        attempts,
        before_last=lambda: CloudStore.ensure(endpoint.directory, "ok"),
    )


def start_waiting_runbook(stack: ExitStack, root: Path, environ: dict[str, str], oci: str) -> subprocess.Popen:
    """The runbook's loop for real, against its own simulated cloud, stopped when `stack` closes."""
    endpoint = stack.enter_context(simulated_endpoint(root / "waiting-runbook", "capacity", environ))
    key = ensure_key_pair(root / "runbook-ssh" / "key")
    shell = start_shell_loop(
        runbook_launch(oci, endpoint, key.public_path), None, runbook_environment(waiting_env(environ), root)
    )
    stack.callback(stop, shell, signal.SIGTERM, True)
    return shell
