"""A user's session for end-to-end tests: the installed `coinpilot-tf` in a subprocess,
real Terraform, the simulated OCI, and the files a user (or a benchmark) would read."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from orchestrator.cloud import OciCloud
from orchestrator.simulator.cloud import SimulatedCloud
from orchestrator.workdir import Workdir

COINPILOT = str(Path(sys.executable).parent / "coinpilot-tf")
# On PYTHONPATH, a child Python the tool starts can import these tests' helpers (EndpointOnly).
REPOSITORY = str(Path(__file__).resolve().parent.parent)
# Only a guard: a run that neither prints the awaited line nor ends is killed after this long.
START_GUARD_SECONDS = 300


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

    def run_at_terminal(self, *args: str, typed: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """As run, with stdin a terminal (a pseudo-terminal) on which `typed` was typed already."""
        typing_end, terminal = pty.openpty()
        try:
            os.write(typing_end, typed.encode())
            return subprocess.run(
                [COINPILOT, *args], env=self.env, capture_output=True, text=True, timeout=timeout, stdin=terminal
            )
        finally:
            os.close(terminal)
            os.close(typing_end)

    def start(
        self, *args: str, until: str, extra_env: dict[str, str] | None = None, stream: str = "stdout"
    ) -> tuple[subprocess.Popen, list[str]]:
        """`coinpilot-tf ARGS` started, and its stdout (or stderr) read until a line holds `until`
        (the lines read so far): the test acts while the run is at that point, then ends it
        (communicate, a signal). A run that ends before the line fails the test with its output."""
        run = subprocess.Popen(
            [COINPILOT, *args],
            env={**self.env, **(extra_env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        guard = threading.Timer(START_GUARD_SECONDS, run.kill)
        guard.start()
        # Byte by byte from the pipe itself: a buffered read would take lines past the awaited one,
        # which communicate() (reading the pipe, not the buffer) would then never return.
        fd, shown, line = getattr(run, stream).fileno(), [], b""
        try:
            while byte := os.read(fd, 1):
                line += byte
                if byte == b"\n":
                    shown.append(line.decode(errors="replace"))
                    line = b""
                    if until in shown[-1]:
                        return run, shown
        finally:
            guard.cancel()
        out, err = run.communicate()
        raise AssertionError(f"{args} ended ({run.returncode}) before printing {until!r}:\n{''.join(shown)}{out}{err}")

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
    Python (in_child.py) can take it along; that child imports it with REPOSITORY on PYTHONPATH."""

    def __init__(self, store_dir: Path):
        self.store_dir = Path(store_dir)

    def api(self, profile):
        return SimulatedCloud(self.store_dir, Workdir(self.store_dir)).api(profile)


def real_cloud_on(store_dir: Path) -> EndpointOnly:
    return EndpointOnly(store_dir)
