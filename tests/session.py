"""A user's session for end-to-end tests: the installed `coinpilot-tf` in a subprocess,
real Terraform, the simulated OCI, and the files a user (or a benchmark) would read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from orchestrator.cloud import OciCloud
from orchestrator.simulator.cloud import SimulatedCloud
from orchestrator.workdir import Workdir

COINPILOT = str(Path(sys.executable).parent / "coinpilot-tf")
# On PYTHONPATH, a child Python the tool starts can import these tests' helpers (EndpointOnly).
REPOSITORY = str(Path(__file__).resolve().parent.parent)


@dataclass
class Session:
    workdir: Path
    env: dict[str, str]

    def run(
        self, *args: str, extra_env: dict[str, str] | None = None, input: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [COINPILOT, *args],
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
        )

    def calls(self, op: str | None = None) -> list[dict]:
        path = self.workdir / "simulator" / "calls.jsonl"
        lines = path.read_text().splitlines() if path.exists() else []
        return [call for call in map(json.loads, lines) if op is None or call["op"] == op]

    def cloud_instances(self) -> list[dict]:
        return json.loads((self.workdir / "simulator" / "cloud.json").read_text())["instances"]

    def live_instances(self) -> list[dict]:
        return [i for i in self.cloud_instances() if i["lifecycle_state"] != "TERMINATED"]

    def journal(self, event: str | None = "attempt") -> list[dict]:
        path = self.workdir / "journal.jsonl"
        lines = path.read_text().splitlines() if path.exists() else []
        return [entry for entry in map(json.loads, lines) if event is None or entry.get("event") == event]


def started_until(
    args: list[str], env: dict[str, str], line_start: str, stream: str = "stdout"
) -> tuple[subprocess.Popen, list[str]]:
    """coinpilot-tf ARGS started, and its stdout (or stderr) read until a line starts with
    line_start (the lines read so far): the test acts while the run is at that point."""
    run = subprocess.Popen(
        [COINPILOT, *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    shown = []
    for line in getattr(run, stream):
        shown.append(line)
        if line.startswith(line_start):
            break
    return run, shown


def new_session(tmp_path: Path, **env: str) -> Session:
    workdir = tmp_path / "workdir"
    return Session(
        workdir,
        {
            **os.environ,
            "COINPILOT_TF_WORKDIR": str(workdir),
            "RETRY_INTERVAL_SECONDS": "0",
            "NO_COLOR": "1",
            **env,
        },
    )


def command_session(workdir: Path, environ=None, simulate: str | None = None, **flags):
    """The in-process Session a command gets (orchestrator/session.py), for tests that drive the
    loop or the checks directly."""
    from orchestrator.session import Session as CommandSession

    session = CommandSession(dict(os.environ if environ is None else environ))
    session.flags = {"workdir": str(workdir), **flags}
    session.scenario = simulate
    return session


class EndpointOnly(OciCloud):
    """OCI as in real mode (the user's ~/.oci/config, no placeholders) whose API is the simulated
    endpoint: only the endpoint differs. Module-level, so that a lookup the tool runs in a child
    Python (isolated.py) can take it along; that child imports it with REPOSITORY on PYTHONPATH."""

    def __init__(self, store_dir: Path):
        self.store_dir = Path(store_dir)

    def api(self, profile):
        return SimulatedCloud(self.store_dir, Workdir(self.store_dir)).api(profile)


def real_cloud_on(store_dir: Path) -> EndpointOnly:
    return EndpointOnly(store_dir)
