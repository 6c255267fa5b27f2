"""Faults a user's machine can throw at a run: a state that cannot be saved, a full or read-only
disk, damaged files in the workdir, a closed terminal. Each test injects the fault into a real
run and checks what the user is promised: at most one live instance, no traceback, one line
naming the path and the fix, and no file silently replaced with less information.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from orchestrator.journal import Journal
from orchestrator.simulator.kill_hook import ENV as KILL_AT
from orchestrator.simulator.kill_hook import FILLER, RUN_ENV

from .session import Session, new_session
from .workdirs import copy_session


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
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True, check=False
    )
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


def test_an_unrecognised_failure_after_the_launch_finds_the_instance_before_launching_again(tmp_path):
    session = new_session(tmp_path, MAX_ATTEMPTS="3")
    # The provider dies once OCI has accepted the launch: Terraform's "Plugin did not respond"
    # is in no pattern of the table (unknown), and the instance exists but is in no state.
    provider_dies = {RUN_ENV: "apply:" + shlex.join(["sh", "-c", "kill -9 $PPID"])}

    result = session.run("retry", "--simulate", "ok", extra_env=provider_dies)

    assert result.returncode == 0, result.stdout + result.stderr
    assert session.journal()[-1]["category"] == "unknown"
    [instance] = session.live_instances()
    assert len(session.calls("LaunchInstance")) == 1
    assert f"instance id:  {instance['id']}" in result.stdout
    assert session.journal("adopted")[-1]["instance_id"] == instance["id"]


def test_a_disk_that_fills_up_during_the_launch_stops_the_loop(tmp_path, small_disk):
    session = on_disk(tmp_path, small_disk, "capacity,ok")

    result = session.run("retry", extra_env={KILL_AT: "apply:FULL"})

    assert [call["outcome"] for call in session.calls("LaunchInstance")] == ["capacity", "ok"]
    check_stopped_and_adopted(session, result, fix=lambda: (session.workdir / FILLER).unlink())


# -- 2. a full or read-only disk ----------------------------------------------------------------


def won_on(template: Session, tmp_path: Path, disk: Path) -> tuple[Session, str]:
    """A copy of a workdir that has won its instance, moved onto `disk` (its simulated cloud
    stays off it, as in on_disk); returns it and the instance id."""
    session = copy_session(template, tmp_path)
    shutil.move(session.workdir / "simulator", tmp_path / "cloud")
    shutil.move(session.workdir, disk / "workdir")
    session.workdir = disk / "workdir"
    session.env["COINPILOT_TF_WORKDIR"] = str(session.workdir)
    (session.workdir / "simulator").symlink_to(tmp_path / "cloud")
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


def test_a_full_disk_is_one_line_and_status_still_reads_the_workdir(tmp_path, small_disk, won_template):
    session, instance_id = won_on(won_template, tmp_path, small_disk)
    launches = len(session.calls("LaunchInstance"))
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
    assert len(session.calls("LaunchInstance")) == launches


@pytest.fixture
def read_only(tmp_path):
    """Bind-mounts a folder read-only over itself (root only); unmounted after the test."""
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    mounted = []

    def make(folder: Path) -> None:
        result = subprocess.run(
            ["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True, check=False
        )
        if result.returncode != 0:
            pytest.skip(f"cannot bind-mount here: {result.stderr.decode().strip()}")
        mounted.append(folder)

    yield make
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_read_only_workdir_is_read_by_status_and_output_and_refused_by_retry(tmp_path, won_template, read_only):
    session = copy_session(won_template, tmp_path)
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
    assert result.stderr.strip() == (
        f"coinpilot-tf: COINPILOT_TF_WORKDIR: cannot create or use the workdir {parent / 'workdir'} "
        "(Read-only file system); choose a writable folder (--workdir or COINPILOT_TF_WORKDIR)"
    )


# -- 3. damaged journal lines -------------------------------------------------------------------

DAMAGED_LINES = (
    b"[1, 2]\n"  # valid JSON, not an object
    b'{"event": "attempt", "attempt": "x", "ts": 1}\n'  # not a whole number
    b'{"event": "attempt", "attempt": 7, "category": "capacity"}\n'  # no time
    b"\xff\xfe not utf-8\n"
    b'{"event": "attempt", "attem'
)  # cut short by a crash, no newline


def test_damaged_journal_lines_are_skipped_counted_and_reported_once(tmp_path, failed_once_template):
    session = copy_session(failed_once_template, tmp_path)  # one attempt journaled; `ok` comes next
    with (session.workdir / "journal.jsonl").open("ab") as journal:
        journal.write(DAMAGED_LINES)

    status = session.run("status")
    assert status.returncode == 0 and no_traceback(status), status.stderr
    assert "journal:       5 damaged line(s) skipped" in status.stdout
    assert json.loads(session.run("status", "--json").stdout)["journal_damaged_lines"] == 5

    result = session.run("retry")
    assert result.returncode == 0 and no_traceback(result), result.stderr
    assert (result.stdout + result.stderr).count("skipped 5 damaged line(s)") == 1
    entries = list(Journal(session.workdir / "journal.jsonl").entries())
    # The cut line did not swallow the next entry: the new run's start is there, numbering goes on.
    assert [entry["event"] for entry in entries].count("start") == 2
    assert [entry["attempt"] for entry in entries if entry["event"] == "attempt"] == [1, 2]


# -- 4, 8, 9. launch_result.json, run.lock and the state ----------------------------------------


@pytest.fixture
def copy(won_template, tmp_path) -> Session:
    """A workdir that won its instance after one capacity failure; its path has a space in it."""
    return copy_session(won_template, tmp_path / "my copy")


def test_the_connect_line_can_be_pasted_into_a_shell(copy):
    result = copy.run("retry")

    [connect] = [line.split(":", 1)[1].strip() for line in result.stdout.splitlines() if line.startswith("connect:")]
    key = str(copy.workdir / "ssh" / "coinpilot-ins_a1_flex")
    [instance] = copy.live_instances()
    assert shlex.split(connect) == ["ssh", "-i", key, f"ubuntu@{instance['public_ip']}"]
    assert json.loads((copy.workdir / "launch_result.json").read_text())["ssh_command"] == connect


def test_retry_after_a_win_keeps_what_the_win_recorded(copy):
    recorded = json.loads((copy.workdir / "launch_result.json").read_text())
    assert recorded["attempts"] == 2
    (copy.workdir / "launch_result.json").write_text(json.dumps({**recorded, "note": "mine"}))

    assert copy.run("retry").returncode == 0

    def without_key(record: dict) -> dict:  # the copy's key has moved with its workdir
        return {name: value for name, value in record.items() if not name.startswith("ssh_")}

    again = json.loads((copy.workdir / "launch_result.json").read_text())
    assert without_key(again) == without_key({**recorded, "note": "mine"})


@pytest.mark.parametrize("content", ["[1]", '{"ssh_private_key": 5, "instance_id": []}', "\xff"])
def test_a_launch_result_of_the_wrong_shape_never_breaks_ssh_or_destroy(copy, content):
    (copy.workdir / "launch_result.json").write_text(content, errors="surrogateescape")

    ssh = copy.run("ssh", "--print")
    assert ssh.returncode == 2 and no_traceback(ssh) and len(ssh.stderr.splitlines()) == 1, ssh.stderr
    assert "launch_result.json does not name the SSH key" in ssh.stderr

    destroyed = copy.run("destroy", "--yes")
    assert destroyed.returncode == 0 and no_traceback(destroyed), destroyed.stderr
    assert copy.live_instances() == []


def test_a_state_of_the_wrong_shape_is_explained_then_repaired_by_retry(copy):
    [instance] = copy.live_instances()
    (copy.workdir / "terraform.tfstate").write_text("{}")

    status = copy.run("status")
    assert status.returncode == 0 and no_traceback(status), status.stderr
    assert "Unsupported state file format" in status.stdout
    assert "the state file is damaged: run `coinpilot-tf retry`" in status.stdout
    output = copy.run("output")
    assert output.returncode == 1 and no_traceback(output) and len(output.stderr.splitlines()) == 1, output.stderr
    assert "Unsupported state file format; the state file is damaged: run `coinpilot-tf retry`" in output.stderr

    repaired = copy.run("retry")
    assert repaired.returncode == 0, repaired.stderr
    assert [found["id"] for found in copy.live_instances()] == [instance["id"]]
    assert json.loads(copy.run("output", "--json").stdout)["instance_id"] == instance["id"]


def test_a_lock_naming_a_terraform_pid_that_is_now_a_stranger_does_not_hold_up_the_run(copy):
    stranger = subprocess.Popen(["sleep", "600"])
    try:
        record = {
            "pid": 4194303,
            "command": "retry",
            "started": "2026-11-29T10:00:00+0000",
            "terraform_pid": stranger.pid,
            "terraform_start": 1,
        }
        (copy.workdir / "run.lock").write_text(json.dumps(record))

        result = copy.run("retry", timeout=60)  # would wait LEFTOVER_WAIT_SECONDS for the stranger

        assert result.returncode == 0 and "waiting for the Terraform" not in result.stderr, result.stderr
    finally:
        stranger.kill()
        stranger.wait()


# -- 5. a key path that is not a key ------------------------------------------------------------


def not_keys(home: Path) -> dict[str, Path]:
    ssh = home / ".ssh"
    ssh.mkdir(mode=0o755, parents=True, exist_ok=True)
    (ssh / "config").write_text("Host *\n")
    notes = home / "notes.txt"
    notes.write_text("not a key\n")
    os.chmod(notes, 0o644)
    fifo = home / "fifo"
    os.mkfifo(fifo)
    return {"a folder": ssh, "a text file": notes, "a FIFO": fifo, "/dev/null": Path("/dev/null")}


@pytest.mark.parametrize("kind", ["a folder", "a text file", "a FIFO", "/dev/null"])
def test_a_key_path_that_is_not_a_key_changes_nothing(tmp_path, isolated_home, kind):
    path = not_keys(isolated_home)[kind]
    modes = {found: found.stat().st_mode for found in (path, isolated_home / ".ssh", isolated_home / ".ssh" / "config")}
    session = new_session(tmp_path, SSH_KEY_PATH=str(path))

    result = session.run("retry", "--simulate", "ok")

    assert result.returncode == 2 and no_traceback(result), result.stderr
    assert len(result.stderr.splitlines()) == 1 and str(path) in result.stderr and "point" in result.stderr
    assert {found: found.stat().st_mode for found in modes} == modes
    assert session.calls("LaunchInstance") == []


# -- 10. bad input is one line, exit 2, nothing sent ---------------------------------------------


@pytest.mark.parametrize(
    ("env", "field", "says"),
    [
        ({"RETRY_INTERVAL_SECONDS": "99999999999"}, "RETRY_INTERVAL_SECONDS", "must be at most 604800 (a week)"),
        ({"THROTTLE_RETRY_MAX_SECONDS": "9" * 30}, "THROTTLE_RETRY_MAX_SECONDS", "must be at most 604800 (a week)"),
        ({"RETRY_INTERVAL_SECONDS": "６０"}, "RETRY_INTERVAL_SECONDS", "must be a whole number"),
        ({"MEMORY_GBS": "65", "OCPUS": "1"}, "MEMORY_GBS", "1..64 GB per OCPU"),
        ({"COINPILOT_TF_WORKDIR": "~nosuchuser/workdir"}, "COINPILOT_TF_WORKDIR", "cannot expand ~nosuchuser"),
        ({"SSH_KEY_PATH": "~nosuchuser/key"}, "SSH_KEY_PATH", "cannot expand ~nosuchuser"),
        ({"COINPILOT_TF_WORKDIR": "/proc/coinpilot"}, "COINPILOT_TF_WORKDIR", "inside a folder the system owns"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_any_call(tmp_path, env, field, says):
    session = new_session(tmp_path)

    result = session.run("retry", "--simulate", "ok", extra_env=env)

    assert result.returncode == 2 and no_traceback(result), result.stderr
    assert len(result.stderr.splitlines()) == 1 and f"{field}: " in result.stderr and says in result.stderr
    assert session.calls() == []


def test_one_ocpu_with_seven_gb_is_a_size_a1_flex_accepts(tmp_path):
    # 1 to 64 GB per OCPU (OCI's shape documentation); 6 GB per OCPU is only the console's default.
    session = new_session(tmp_path, OCPUS="1", MEMORY_GBS="7")
    assert session.run("render", "--simulate", "ok").returncode == 0


def test_classify_reads_any_bytes(tmp_path):
    binary = tmp_path / "a.out"
    binary.write_bytes(b"\x7fELF\x00\xff\xfe Error: 500-InternalError, Out of host capacity.\n")

    result = new_session(tmp_path).run("classify", str(binary))

    assert result.returncode == 0 and no_traceback(result), result.stderr
    assert json.loads(result.stdout)["category"] == "capacity"


# -- 11. render while a retry holds the workdir --------------------------------------------------


def test_render_is_refused_while_a_retry_holds_the_workdir(tmp_path):
    session = new_session(tmp_path, RETRY_INTERVAL_SECONDS="600")
    # The first attempt is journaled: the loop now waits, holding the workdir.
    retry, _ = session.start("retry", "--simulate", "capacity*100", until=", next in ")
    try:
        module = {path.name: path.read_bytes() for path in session.workdir.glob("*.tf*")}

        result = session.run("render", extra_env={"MEMORY_GBS": "6", "OCPUS": "1"})

        assert result.returncode == 2 and no_traceback(result), result.stderr
        assert f"`coinpilot-tf retry` (pid {retry.pid}" in result.stderr and len(result.stderr.splitlines()) == 1
        assert {path.name: path.read_bytes() for path in session.workdir.glob("*.tf*")} == module
    finally:
        retry.terminate()
        retry.communicate(timeout=60)
