"""One run per workdir: the lock, its takeover after a crash, and Terraform's own state lock."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from orchestrator.humanize import timestamp
from orchestrator.lock import (
    LOCK_NAME,
    STATE_LOCK_INFO,
    LockCommand,
    WorkdirBusy,
    WorkdirLock,
    holder,
    stale_holder,
    state_lock_held,
    workdir_lock,
)
from orchestrator.simulator.kill_hook import ENV as KILL_AT
from orchestrator.workdir import Workdir

from .session import new_session

STATE = {"version": 4, "terraform_version": "1.11.4", "serial": 3, "lineage": "7a1c", "outputs": {}, "resources": []}


def _dead_pid() -> int:
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid


def _start(pid: int) -> int:
    """The process's start time as /proc says it (clock ticks since boot): what run.lock records."""
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[19])


def _left_by(workdir: Workdir, pid: int, terraform_pid: int | None = None, **more) -> None:
    workdir.create()
    record = {
        "pid": pid,
        "command": "retry",
        "started": "2026-11-29T10:00:00+0000",
        "terraform_pid": terraform_pid,
        "terraform_start": _start(terraform_pid) if terraform_pid else None,
        **more,
    }
    (workdir.path / LOCK_NAME).write_text(json.dumps(record) + "\n")


def _holding_state_lock(state) -> subprocess.Popen:
    """A process holding a POSIX write lock on the state, as Terraform does, until its stdin closes."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys\n"
            f"fd = os.open({str(state)!r}, os.O_RDWR); fcntl.lockf(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "locked\n"
    return process


def _ending_on_wait(process: subprocess.Popen, notes: list[str]):
    """A lock's note callback that records the note and, once the lock says it waits, lets the
    process end: it is still running when the lock looks, whatever the machine's load."""

    def note(line: str) -> None:
        notes.append(line)
        if line.startswith("waiting for"):
            process.stdin.close()

    return note


def test_a_second_holder_is_refused_with_the_holders_pid(tmp_path):
    workdir = Workdir(tmp_path / "wd")
    notes = []
    with workdir_lock(workdir, LockCommand.RETRY, notes.append):
        with pytest.raises(WorkdirBusy) as refused:
            WorkdirLock(workdir, LockCommand.RETRY, notes.append).acquire()
        assert f"`coinpilot-tf retry` (pid {os.getpid()}, since " in str(refused.value)
        assert holder(workdir).pid == os.getpid()
    assert holder(workdir) is None
    assert (workdir.path / LOCK_NAME).read_text() == ""  # released: empty
    assert notes == []


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    workdir = Workdir(tmp_path)
    dead = _dead_pid()
    _left_by(workdir, dead)
    assert holder(workdir) is None
    notes = []

    with workdir_lock(workdir, LockCommand.RETRY, notes.append):
        assert holder(workdir).pid == os.getpid()

    assert notes == [
        f"took over the workdir lock of `coinpilot-tf retry` (pid {dead}, since {timestamp(1_795_946_400)}), "
        "which ended without releasing it"
    ]


def test_a_lock_naming_a_live_process_that_is_not_the_run_is_stale(tmp_path):
    """A reused pid (another program now), or pid 1: `status` must not take it for a run."""
    workdir = Workdir(tmp_path / "workdir")
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        for pid, more in ((stranger.pid, {}), (stranger.pid, {"pid_start": _start(stranger.pid) + 1}), (1, {})):
            _left_by(workdir, pid, **more)
            assert holder(workdir) is None and stale_holder(workdir).pid == pid
        _left_by(workdir, stranger.pid)
        status = new_session(tmp_path).run("status", "--json")
        assert json.loads(status.stdout)["run"]["active"] is False
        assert json.loads(status.stdout)["run"]["stale_lock_pid"] == stranger.pid
        text = new_session(tmp_path).run("status").stdout
        assert f"run:           none holds the workdir (run.lock names pid {stranger.pid}, which is not" in text
        assert "a stale lock" in text
    finally:
        stranger.kill()
        stranger.wait()


def test_the_terraform_a_dead_run_left_running_is_waited_for(tmp_path):
    workdir = Workdir(tmp_path)
    leftover = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    _left_by(workdir, _dead_pid(), terraform_pid=leftover.pid)
    notes = []

    with workdir_lock(workdir, LockCommand.RETRY, _ending_on_wait(leftover, notes)):
        assert leftover.poll() == 0  # it had ended before the lock was ours

    assert f"waiting for the Terraform it started (pid {leftover.pid}) to finish writing the state" in notes


@pytest.mark.parametrize(
    "record",
    [{"terraform_start": 1}, {"terraform_start": None}],
    ids=["another start time", "an older record without one"],
)
def test_a_terraform_pid_now_held_by_a_stranger_is_not_waited_for(tmp_path, record):
    workdir = Workdir(tmp_path)
    stranger = subprocess.Popen(["sleep", "600"])  # has the pid the dead run's Terraform had
    try:
        _left_by(workdir, _dead_pid(), terraform_pid=stranger.pid, **record)
        notes = []

        with workdir_lock(workdir, LockCommand.RETRY, notes.append):
            pass

        assert not any("waiting" in note for note in notes), notes
    finally:
        stranger.kill()
        stranger.wait()


@pytest.mark.parametrize(
    "content",
    [
        "[1, 2]",
        '{"pid": "x"}',
        '{"pid": -1}',
        '{"pid": 99999999999999999999}',
        '{"pid": 1, "terraform_pid": "abc"}',
        '"retry"',
        "null",
    ],
)
def test_a_lock_record_of_the_wrong_shape_is_no_record(tmp_path, content):
    workdir = Workdir(tmp_path)
    workdir.create()
    (tmp_path / LOCK_NAME).write_text(content)

    assert holder(workdir) is None or holder(workdir).pid == 1
    with workdir_lock(workdir, LockCommand.RETRY, lambda note: None):
        assert holder(workdir).pid == os.getpid()


def test_terraforms_state_lock_is_waited_for_never_broken(tmp_path):
    workdir = Workdir(tmp_path)
    workdir.create()
    workdir.state.write_text(json.dumps(STATE))
    (tmp_path / STATE_LOCK_INFO).write_text('{"ID": "1f1a", "Operation": "OperationTypeApply"}')
    terraform = _holding_state_lock(workdir.state)
    assert state_lock_held(workdir.state)
    notes = []

    with workdir_lock(workdir, LockCommand.RETRY, _ending_on_wait(terraform, notes)):
        assert terraform.poll() == 0  # the holder was gone before the lock info went
        assert not (tmp_path / STATE_LOCK_INFO).exists()

    assert notes == [
        "waiting for the Terraform state lock, held by another Terraform process",
        f"removed {STATE_LOCK_INFO}: the Terraform that locked the state is gone",
    ]
    assert json.loads(workdir.state.read_text()) == STATE


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_state_lock_held_sees_terraforms_own_lock(tmp_path):
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps(STATE))
    console = subprocess.Popen(
        ["terraform", "console"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1"},
    )
    try:
        while not (tmp_path / STATE_LOCK_INFO).exists():  # written once the lock is taken
            assert console.poll() is None, "terraform console ended early"
            time.sleep(0.05)
        assert state_lock_held(state)
    finally:
        console.stdin.close()
        console.wait(timeout=60)
    assert not state_lock_held(state)


def test_a_state_cut_short_by_a_crash_goes_back_to_the_backup(tmp_path):
    workdir = Workdir(tmp_path)
    workdir.create()
    workdir.state.write_text(json.dumps(STATE)[:40])
    (tmp_path / "terraform.tfstate.backup").write_text(json.dumps(STATE))
    notes = []

    with workdir_lock(workdir, LockCommand.RETRY, notes.append):
        assert json.loads(workdir.state.read_text()) == STATE

    [aside] = tmp_path.glob("terraform.tfstate.broken-*")
    assert aside.read_text() == json.dumps(STATE)[:40]
    assert notes == [
        (
            f"the Terraform state was damaged (cut short by a crash, or emptied): moved it to {aside.name} "
            "and restored terraform.tfstate.backup"
        )
    ]


@pytest.mark.parametrize("damaged", ["{}", "[]", '{"version": "4"}'])
def test_a_state_emptied_to_the_wrong_shape_goes_back_to_the_backup(tmp_path, damaged):
    workdir = Workdir(tmp_path)
    workdir.create()
    workdir.state.write_text(damaged)
    (tmp_path / "terraform.tfstate.backup").write_text(json.dumps(STATE))

    with workdir_lock(workdir, LockCommand.RETRY, lambda note: None):
        assert json.loads(workdir.state.read_text()) == STATE

    [aside] = tmp_path.glob("terraform.tfstate.broken-*")
    assert aside.read_text() == damaged


def test_an_empty_state_is_left_alone(tmp_path):
    """Terraform creates the file empty to lock it; a run killed then leaves it so."""
    workdir = Workdir(tmp_path)
    workdir.create()
    workdir.state.write_text("")
    with workdir_lock(workdir, LockCommand.RETRY, [].append):
        assert workdir.state.read_text() == ""


def test_a_second_retry_is_refused_and_the_first_stops_its_wait_at_once(tmp_path):
    session = new_session(tmp_path, RETRY_INTERVAL_SECONDS="3600")
    first, _ = session.start("retry", "--simulate", "capacity", until=", next in ")  # the hour's wait begins
    try:
        second = session.run("retry")

        assert second.returncode == 2
        [line] = second.stderr.splitlines()
        assert line.startswith(f"coinpilot-tf: workdir: `coinpilot-tf retry` (pid {first.pid}, since ")
        assert f"is using {session.workdir}; wait for it to end, or stop it (kill {first.pid})" in line
        assert len(session.calls("LaunchInstance")) == 1
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert first.returncode == 130  # out of an hour's wait
    assert session.journal("interrupted")
    assert (session.workdir / LOCK_NAME).read_text() == ""


def test_retry_takes_over_the_lock_of_a_killed_run(tmp_path):
    session = new_session(tmp_path)
    killed = session.run("retry", "--simulate", "ok", extra_env={KILL_AT: "render"})
    assert killed.returncode == -signal.SIGKILL
    dead = json.loads((session.workdir / LOCK_NAME).read_text())["pid"]

    result = session.run("retry")

    assert result.returncode == 0, result.stderr
    assert f"took over the workdir lock of `coinpilot-tf retry` (pid {dead}, since " in result.stderr
    assert len(session.live_instances()) == 1
