"""Whatever happens to the process, the result is exactly one instance, and a won one is kept.

The fault-injection test SIGKILLs `coinpilot-tf retry` at random points of randomized
scenarios, reruns it until it exits 0, and checks the simulated cloud after every run; each
trial is a test case of its own (pytest-xdist runs them side by side). The signal tests
interrupt an apply in flight with SIGINT and SIGTERM.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from orchestrator.simulator.kill_hook import ENV as KILL_AT
from orchestrator.simulator.kill_hook import PHASES

from .session import COINPILOT, Session, new_session
from .workdirs import copy_session

# 8 trials: each phase is the first run's kill point at least once; later runs are killed at
# random phases or after random delays. The seed is fixed, so a failing case's id replays it;
# COINPILOT_TF_CRASH_SEED=<n> tries other points, COINPILOT_TF_CRASH_TRIALS=100 is a soak.
TRIALS = int(os.environ.get("COINPILOT_TF_CRASH_TRIALS", "8"))
SEED = int(os.environ.get("COINPILOT_TF_CRASH_SEED", "20"))
# What LaunchInstance may answer before the final `ok` (the last outcome repeats).
PREFIX_OUTCOMES = ("capacity", "throttle", "transient", "limit", "timeout_running", "timeout_terminated", "lost")
ONCE_PHASES = tuple(phase for phase in PHASES if phase != "wait")  # --once never waits
MAX_KILLS_PER_TRIAL = 2
MAX_CLEAN_RUNS = 6
RUN_TIMEOUT = 120


def state_instance(workdir: Path) -> tuple[str, bool] | None:
    """(id, tainted) of the instance in the workdir's state file, or None."""
    path = workdir / "terraform.tfstate"
    if not path.exists():
        return None
    for resource in json.loads(path.read_text()).get("resources", []):
        if resource["mode"] == "managed" and resource["type"] == "oci_core_instance":
            for instance in resource["instances"]:
                return instance["attributes"]["id"], instance.get("status") == "tainted"
    return None


@dataclass
class Trial:
    number: int
    scenario: str
    runs: list[str] = field(default_factory=list)  # what happened, for the failure message
    killed_at: set[str] = field(default_factory=set)
    last_output: str = ""

    def __str__(self) -> str:
        return (
            f"seed {SEED} trial {self.number} scenario {self.scenario!r}: "
            + "; ".join(self.runs)
            + f"\nlast run printed:\n{self.last_output}"
        )


def _run(
    session: Session, trial: Trial, args: list[str], kill_at: str | None = None, kill_after: float | None = None
) -> int:
    env = {**session.env, **({KILL_AT: kill_at} if kill_at else {})}
    process = subprocess.Popen(
        [COINPILOT, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=kill_after if kill_after is not None else RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        if kill_after is None:
            raise
    trial.last_output = output
    return process.returncode


def _check_at_most_one(session: Session, trial: Trial) -> None:
    live = session.live_instances() if (session.workdir / "simulator" / "cloud.json").exists() else []
    assert len(live) <= 1, f"two live instances: {trial}"


def _first_phase(number: int) -> str:
    return PHASES[number % len(PHASES)]


def _trial(number: int, base: Path) -> Trial:
    rng = random.Random(f"{SEED}-{number}")
    first_phase = _first_phase(number)
    prefix = [rng.choice(PREFIX_OUTCOMES) for _ in range(rng.randint(0, 2))]
    if first_phase == "wait":
        prefix = ["capacity", *prefix]  # something to wait after
    trial = Trial(number, ",".join([*prefix, "ok"]))
    session = new_session(
        base,
        RETRY_INTERVAL_SECONDS="1",
        THROTTLE_RETRY_BASE_SECONDS="1",
        THROTTLE_RETRY_MAX_SECONDS="1",
        THROTTLE_JITTER_MAX_SECONDS="0",
    )

    # The first run always dies at its phase: every trial starts from a crash.
    once = [] if first_phase == "wait" else ["--once"]
    code = _run(session, trial, ["retry", "--simulate", trial.scenario, *once], kill_at=first_phase)
    trial.runs.append(f"{first_phase} -> {code}")
    if code == -signal.SIGKILL:
        trial.killed_at.add(first_phase)
    _check_at_most_one(session, trial)

    kills, clean_runs = 0, 0
    while clean_runs < MAX_CLEAN_RUNS:
        if kills < MAX_KILLS_PER_TRIAL and rng.random() < 0.4:
            kills += 1
            if rng.random() < 0.5:
                phase = rng.choice(ONCE_PHASES)
                code = _run(session, trial, ["retry", "--once"], kill_at=phase)
                trial.runs.append(f"{phase} -> {code}")
                if code == -signal.SIGKILL:
                    trial.killed_at.add(phase)
            else:
                delay = round(rng.uniform(0.2, 4.0), 2)
                code = _run(session, trial, ["retry", "--once"], kill_after=delay)
                trial.runs.append(f"after {delay}s -> {code}")
        else:
            clean_runs += 1
            code = _run(session, trial, ["retry", "--once"])
            trial.runs.append(f"clean -> {code}")
            assert code in (0, 3), f"unexpected exit {code}: {trial}"
        _check_at_most_one(session, trial)
        if code == 0:
            break

    assert code == 0, f"never won: {trial}"
    [instance] = session.live_instances()
    assert state_instance(session.workdir) == (instance["id"], False), f"state does not hold the live instance: {trial}"
    return trial


@pytest.mark.parametrize("number", range(TRIALS), ids=lambda number: f"seed{SEED}-trial{number}-{_first_phase(number)}")
def test_sigkill_at_any_point_leaves_exactly_one_instance(tmp_path, number):
    trial = _trial(number, tmp_path)

    assert _first_phase(number) in trial.killed_at, f"the first run was not killed at its phase: {trial}"


@pytest.mark.parametrize("signal_name", ["INT", "TERM", "HUP"])
def test_a_signal_mid_apply_saves_the_state_and_exits_130(tmp_path, signal_name):
    session = new_session(tmp_path)

    result = session.run("retry", "--simulate", "ok", extra_env={KILL_AT: f"apply:{signal_name}"})

    assert result.returncode == 130, result.stderr
    assert "interrupted" in result.stderr
    assert session.journal("interrupted"), "no journal line for the interruption"
    assert session.journal()[-1]["category"] == "interrupted"  # not 'unknown': the launch may have gone through
    # Terraform finished the create it had in flight and saved it: the state is intact.
    [instance] = session.live_instances()
    assert state_instance(session.workdir) == (instance["id"], False)
    assert (session.workdir / "run.lock").read_text() == ""  # released

    again = session.run("retry")
    assert again.returncode == 0, again.stderr
    assert len(session.calls("LaunchInstance")) == 1
    assert f"instance id:  {instance['id']}" in again.stdout


def test_a_saved_plan_cut_short_by_a_crash_is_made_again(failed_once_template, tmp_path):
    session = copy_session(failed_once_template, tmp_path)
    [plan] = session.workdir.glob("attempt-*.tfplan")
    plan.write_bytes(plan.read_bytes()[:100])

    result = session.run("retry")

    assert result.returncode == 0, result.stderr
    assert [call["outcome"] for call in session.calls("LaunchInstance")] == ["capacity", "ok"]
