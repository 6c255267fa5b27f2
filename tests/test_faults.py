"""Faults a user's machine can throw at a run: a state that cannot be saved, a full or read-only
disk, damaged files in the workdir, a closed terminal. Each test injects the fault into a real
run and checks what the user is promised: at most one live instance, no traceback, one line
naming the path and the fix, and no file silently replaced with less information.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from orchestrator.simulator.kill_hook import ENV as KILL_AT
from orchestrator.simulator.kill_hook import FILLER

from .session import Session, new_session


def no_traceback(result: subprocess.CompletedProcess) -> bool:
    return "Traceback" not in result.stdout + result.stderr


def last_line(result: subprocess.CompletedProcess) -> str:
    return result.stderr.strip().splitlines()[-1]


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs (root only: tests run as root here and in CI)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def on_disk(tmp_path: Path, disk: Path, scenario: str) -> Session:
    """A simulated workdir on `disk`; the simulated cloud lives elsewhere (OCI is not on the user's disk)."""
    session = new_session(tmp_path)
    session.workdir = disk / "workdir"
    session.env["COINPILOT_TF_WORKDIR"] = str(session.workdir)
    assert session.run("render", "--simulate", scenario).returncode == 0
    shutil.move(session.workdir / "simulator", tmp_path / "cloud")
    (session.workdir / "simulator").symlink_to(tmp_path / "cloud")
    return session


# -- 1. the state cannot be saved after a create ------------------------------------------------

def check_stopped_and_adopted(session: Session, result: subprocess.CompletedProcess, fix) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert no_traceback(result)
    [instance] = session.live_instances()
    line = last_line(result)
    assert instance["id"] in line and str(session.workdir) in line and "coinpilot-tf retry" in line, line
    assert session.journal()[-1]["category"] == "state_write"
    launches = len(session.calls("LaunchInstance"))

    again = session.run("retry")  # not fixed yet: still no second launch
    assert again.returncode == 1 and no_traceback(again), again.stderr
    assert len(session.calls("LaunchInstance")) == launches

    fix()
    adopted = session.run("retry")
    assert adopted.returncode == 0, adopted.stderr
    assert len(session.calls("LaunchInstance")) == launches
    assert [found["id"] for found in session.live_instances()] == [instance["id"]]
    assert f"instance id:  {instance['id']}" in adopted.stdout


def test_a_state_that_cannot_be_saved_after_the_launch_stops_the_loop(tmp_path):
    session = new_session(tmp_path)

    result = session.run("retry", "--simulate", "ok", extra_env={KILL_AT: "apply:BLOCK_STATE"})

    assert "errored.tfstate" in last_line(result)
    check_stopped_and_adopted(session, result, fix=lambda: (session.workdir / "terraform.tfstate.backup").rmdir())


def test_a_disk_that_fills_up_during_the_launch_stops_the_loop(tmp_path, small_disk):
    session = on_disk(tmp_path, small_disk, "capacity,ok")

    result = session.run("retry", extra_env={KILL_AT: "apply:FULL"})

    assert [call["outcome"] for call in session.calls("LaunchInstance")] == ["capacity", "ok"]
    check_stopped_and_adopted(session, result, fix=lambda: (session.workdir / FILLER).unlink())
