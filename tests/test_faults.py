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


# -- 2. a full or read-only disk ----------------------------------------------------------------

def won_on(tmp_path: Path, disk: Path) -> tuple[Session, str]:
    """A workdir on `disk` that has won its instance; returns it and the instance id."""
    session = on_disk(tmp_path, disk, "ok")
    assert session.run("retry").returncode == 0
    [instance] = session.live_instances()
    return session, instance["id"]


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def test_a_full_disk_is_one_line_and_status_still_reads_the_workdir(tmp_path, small_disk):
    session, instance_id = won_on(tmp_path, small_disk)
    state = (session.workdir / "terraform.tfstate").read_bytes()
    filler = fill(small_disk)

    for command in (["retry"], ["destroy", "--yes"]):
        result = session.run(*command)
        assert result.returncode == 1 and no_traceback(result), result.stderr
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert str(session.workdir) in result.stderr and "disk is full: free some space" in result.stderr

    status = session.run("status")
    assert status.returncode == 0 and instance_id in status.stdout, status.stderr
    output = session.run("output", "--json")
    assert output.returncode == 0 and json.loads(output.stdout)["instance_id"] == instance_id
    assert (session.workdir / "terraform.tfstate").read_bytes() == state
    assert (session.workdir / "main.tf").stat().st_size > 0

    filler.unlink()
    again = session.run("retry")
    assert again.returncode == 0 and "already exists" in again.stdout, again.stderr
    assert len(session.calls("LaunchInstance")) == 1


@pytest.fixture
def read_only(tmp_path):
    """Bind-mounts a folder read-only over itself (root only); unmounted after the test."""
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    mounted = []

    def make(folder: Path) -> None:
        result = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True, check=False)
        if result.returncode != 0:
            pytest.skip(f"cannot bind-mount here: {result.stderr.decode().strip()}")
        mounted.append(folder)

    yield make
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_read_only_workdir_is_read_by_status_and_output_and_refused_by_retry(tmp_path, read_only):
    session = new_session(tmp_path)
    assert session.run("retry", "--simulate", "ok").returncode == 0
    [instance] = session.live_instances()
    read_only(session.workdir)

    for command in (["status"], ["output"], ["ssh", "--print"]):
        result = session.run(*command)
        assert result.returncode == 0 and no_traceback(result), result.stderr
        assert (instance["id"] if command != ["ssh", "--print"] else instance["public_ip"]) in result.stdout

    refused = session.run("retry")
    assert refused.returncode == 1 and no_traceback(refused), refused.stderr
    assert f"{session.workdir}/run.lock: Read-only file system" in refused.stderr
    assert len(refused.stderr.splitlines()) == 1


def test_a_workdir_that_cannot_be_created_is_bad_input(tmp_path, read_only):
    parent = tmp_path / "read-only"
    parent.mkdir()
    read_only(parent)
    session = new_session(tmp_path, COINPILOT_TF_WORKDIR=str(parent / "workdir"))

    result = session.run("retry", "--simulate", "ok")

    assert result.returncode == 2 and no_traceback(result), result.stderr
    assert result.stderr.strip() == (f"coinpilot-tf: --workdir: cannot create or use the workdir {parent / 'workdir'} "
                                     "(Read-only file system); choose a writable folder (--workdir or COINPILOT_TF_WORKDIR)")
