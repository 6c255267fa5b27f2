"""TEST-ONLY: make `coinpilot-tf retry` die (or get a signal) at a chosen point of a run.

The crash-safety tests (tests/test_crash_safety.py) set, for one run in a simulated workdir:

    COINPILOT_TF_SIM_KILL_AT="<phase>[:<SIGNAL>]"   e.g. "plan", "apply", "apply:INT"

and the tool's process gets SIGNAL (default KILL) the first time it reaches `phase`.
Phases: render, init, plan, journal, wait (reached in the loop), apply (reached in the
simulated provider once the cloud has answered a LaunchInstance, maybe creating the instance,
and before Terraform hears of it: the most dangerous moment) and update (reached in the
provider once the cloud has accepted a START or a resizing UpdateInstance, before Terraform
hears of it). Only a simulated workdir honours it: the loop calls its cloud's phase hook, and
only SimulatedCloud.reached (simulator/cloud.py) calls this from there; the provider exists
only there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

ENV = "COINPILOT_TF_SIM_KILL_AT"
# A launch run reaches these; only a resize or a start reaches "update".
PHASES = ("render", "init", "plan", "apply", "journal", "wait")

# With a catchable signal, how long the provider holds the launch open: the tool's forwarded
# interrupt then reaches Terraform while the create is still in flight.
SIGNAL_IN_FLIGHT_SECONDS = 1.0


def reached(phase: str, *, in_provider: bool = False) -> None:
    """Called at each phase; does nothing unless the test armed this one."""
    wanted_phase, _, signal_name = os.environ.get(ENV, "").partition(":")
    if wanted_phase != phase:
        return
    signum = signal.Signals[f"SIG{signal_name or 'KILL'}"]
    # The provider runs under Terraform, which runs under the tool.
    os.kill(_grandparent() if in_provider else os.getpid(), signum)
    if in_provider and signum != signal.SIGKILL:
        time.sleep(SIGNAL_IN_FLIGHT_SECONDS)


def _grandparent() -> int:
    parent = os.getppid()
    out = subprocess.run(["ps", "-o", "ppid=", "-p", str(parent)], capture_output=True, text=True, check=True).stdout
    return int(out.strip())
