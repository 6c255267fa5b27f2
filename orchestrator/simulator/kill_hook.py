"""TEST-ONLY: make `coinpilot-tf retry` die (or get a signal) at a chosen point of a run.

The crash-safety tests (tests/test_crash_safety.py) set, for one run in a simulated workdir:

    COINPILOT_TF_SIM_KILL_AT="<phase>[:<SIGNAL>]"   e.g. "plan", "apply", "apply:INT"

and the tool's process gets SIGNAL (default KILL) the first time it reaches `phase`.
Phases: render, init, plan, journal, wait (reached in the loop), apply (reached in the
simulated provider once the cloud has answered a LaunchInstance, maybe creating the instance,
and before Terraform hears of it: the most dangerous moment) and update (reached in the
provider once the cloud has accepted a START or a resizing UpdateInstance, before Terraform
hears of it). The provider is the tool's child (provider_server.py), started in the workdir
with the tool's environment (allowlisted): it reads these variables and signals the tool by the
pid the tool gave it. Two faults take the place of a signal there, in the workdir Terraform (and
so the provider) runs in: FULL fills its file system, BLOCK_STATE puts a directory where Terraform
writes its state backup; either way Terraform cannot save the state of the create it is
finishing. Only a simulated workdir honours it: the loop calls its cloud's phase hook, and only
SimulatedCloud.reached (simulator/cloud.py) calls this; the provider exists only there.

    COINPILOT_TF_SIM_RUN_AT="<phase>:<command>"   e.g. "apply:pg_ctl -D /tmp/db stop"

runs the command (and waits for it) the first time the phase is reached instead: the fault
tests stop the state backend's server at the moment OCI has accepted a launch.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time

from orchestrator.phases import Phase

ENV = "COINPILOT_TF_SIM_KILL_AT"
RUN_ENV = "COINPILOT_TF_SIM_RUN_AT"
# A launch run reaches these; only a resize or a start reaches "update".
PHASES = (Phase.RENDER, Phase.INIT, Phase.PLAN, Phase.APPLY, Phase.JOURNAL, Phase.WAIT)

# With a catchable signal, how long the provider holds the launch open: the tool's forwarded
# interrupt then reaches Terraform while the create is still in flight.
SIGNAL_IN_FLIGHT_SECONDS = 1.0


def reached(phase: str, *, tool_pid: int | None = None) -> None:
    """Called at each phase; does nothing unless the test armed this one. The simulated provider
    passes the pid of the tool that started it (provider_server.py), the signal's target; a
    provider Terraform started by itself (no tool) passes None and gets the signal itself."""
    run_phase, _, command = os.environ.get(RUN_ENV, "").partition(":")
    if run_phase == phase:
        subprocess.run(shlex.split(command), stdin=subprocess.DEVNULL, capture_output=True, check=False)
    wanted_phase, _, signal_name = os.environ.get(ENV, "").partition(":")
    if wanted_phase != phase:
        return
    if signal_name in FAULTS:
        FAULTS[signal_name]()
        return
    signum = signal.Signals[f"SIG{signal_name or 'KILL'}"]
    os.kill(tool_pid or os.getpid(), signum)
    if tool_pid is not None and signum != signal.SIGKILL:
        time.sleep(SIGNAL_IN_FLIGHT_SECONDS)


def _fill_disk() -> None:
    with open(FILLER, "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:
            pass  # ENOSPC: full


def _block_state() -> None:
    backup = "terraform.tfstate.backup"
    if os.path.isfile(backup):
        os.unlink(backup)
    os.makedirs(backup, exist_ok=True)


FILLER = "disk-filler"  # what FULL leaves in the workdir; a test removes it to free the space
FAULTS = {"FULL": _fill_disk, "BLOCK_STATE": _block_state}
