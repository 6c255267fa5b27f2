"""One run per workdir: `<workdir>/run.lock`, flock-ed for the whole `retry`.

The kernel drops a flock when its holder dies, however it dies (crash, SIGKILL, reboot), so
a lock whose holder is gone is simply free: the next run takes it over and says so. The file
records who holds it (pid first, which `status` reads) and the Terraform command that run has
in flight: if the run died, that Terraform may still be writing the state, and the next run
waits for it. Each pid is recorded with its process's start time: a pid the system has since
given to an unrelated process is not mistaken for ours. A record of the wrong shape is no record. Terraform's own state lock (a POSIX lock on terraform.tfstate) is never broken:
its leftover `.terraform.tfstate.lock.info` is removed only once no process holds the lock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from .errors import ToolError, UsageError
from .humanize import timestamp
from .workdir import PRIVATE_FILE, Workdir

LOCK_NAME = "run.lock"
STARTED_FORMAT = "%Y-%m-%dT%H:%M:%S%z"  # run.lock's "started", as recorded (other versions read it)
STATE_LOCK_INFO = ".terraform.tfstate.lock.info"
# How long a new run waits for a Terraform left running by a dead run, or for the state lock.
# A real launch waits for RUNNING, which takes a minute or two.
LEFTOVER_WAIT_SECONDS = 600
_POLL_SECONDS = 0.2
# In the command line of every engine the tool runs (terraform, tofu, terraform-bundled): how a
# record without start times (an older version's) tells its Terraform from a stranger with its pid.
ENGINE_WORDS = ("terraform", "tofu")
# In the command line of a coinpilot-tf run: how a record without a start time (hand-written, or
# an older version's) tells the run from a stranger that reuses its pid.
TOOL_WORDS = ("coinpilot", "orchestrator")


class LockCommand(StrEnum):
    """The command a run holds the workdir for, as run.lock records it and `status` shows it."""

    RETRY = "retry"
    GROW = "grow"
    RENDER = "render"
    MIGRATE_STATE = "render --migrate-state"
    DESTROY = "destroy"


# The commands that loop, and wait between attempts while they hold the workdir.
LOOPING_COMMANDS = (LockCommand.RETRY, LockCommand.GROW)


@dataclass(frozen=True)
class Holder:
    """What run.lock says about the run holding it."""

    pid: int
    command: str  # a LockCommand's value; kept as recorded, since another version may have written it
    started: str
    terraform_pid: int | None = None
    # Start times (clock ticks since boot, from /proc) of pid and terraform_pid; None where unknown.
    pid_start: int | None = None
    terraform_start: int | None = None

    def describe(self) -> str:
        return f"`coinpilot-tf {self.command}` (pid {self.pid}, since {_shown(self.started)})"


def _shown(started: str) -> str:
    """The recorded start as people read times (humanize.timestamp); as recorded when it does not parse."""
    try:
        return timestamp(datetime.strptime(started, STARTED_FORMAT).timestamp())
    except ValueError:
        return started


class WorkdirBusy(UsageError):
    """Another run holds the workdir: exit 2, nothing done."""

    def __init__(self, workdir: Workdir, holder: Holder | None):
        who = holder.describe() if holder else "another coinpilot-tf run"
        stop = f"kill {holder.pid}" if holder else "stop it"
        super().__init__(
            "workdir", f"{who} is using {workdir.path}; wait for it to end, or stop it ({stop}) and run again"
        )
        self.holder = holder


class WorkdirLock:
    """Held from acquire() until release(); `record_terraform` keeps the file's Terraform pid current."""

    def __init__(self, workdir: Workdir, command: LockCommand, note: Callable[[str], None]):
        self.workdir = workdir
        self.path = workdir.path / LOCK_NAME
        self.command = command
        self.note = note
        self._fd: int | None = None
        self._holder: Holder | None = None

    def acquire(self) -> None:
        self.workdir.create()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _parse(os.pread(fd, 4096, 0))
            os.close(fd)
            raise WorkdirBusy(self.workdir, holder) from None
        self._fd = fd
        left = _parse(os.pread(fd, 4096, 0))
        self._holder = Holder(
            os.getpid(), self.command, time.strftime(STARTED_FORMAT), pid_start=_start_time(os.getpid())
        )
        self._write()
        if left is not None:
            # A clean release empties the file: this one ended without releasing it.
            self.note(f"took over the workdir lock of {left.describe()}, which ended without releasing it")
            if left.terraform_pid and _running(left.terraform_pid, left.terraform_start, ENGINE_WORDS):
                self.note(
                    f"waiting for the Terraform it started (pid {left.terraform_pid}) to finish writing the state"
                )
                _wait_until(
                    lambda: not _running(left.terraform_pid, left.terraform_start, ENGINE_WORDS),
                    f"Terraform (pid {left.terraform_pid}) left by the previous run is still running",
                )
        self._settle_state_lock()
        self._recover_state()

    def record_terraform(self, pid: int | None) -> None:
        """The runner calls this as each Terraform command starts (pid) and ends (None)."""
        if self._fd is not None and self._holder is not None:
            self._holder = dataclasses.replace(
                self._holder, terraform_pid=pid, terraform_start=_start_time(pid) if pid else None
            )
            self._write()

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing drops the flock
        self._fd = None

    def _write(self) -> None:
        data = json.dumps(dataclasses.asdict(self._holder)).encode() + b"\n"
        # Write first, then cut: a crash in between never leaves the file empty (empty = released).
        try:
            os.pwrite(self._fd, data, 0)
            os.ftruncate(self._fd, len(data))
        except OSError as error:  # a full disk: say which file
            raise OSError(error.errno, error.strerror, str(self.path)) from None

    def _settle_state_lock(self) -> None:
        state = self.workdir.state
        if state.exists() and state_lock_held(state):
            self.note("waiting for the Terraform state lock, held by another Terraform process")
            _wait_until(
                lambda: not state_lock_held(state),
                f"the Terraform state {state} is still locked by another process; let it finish",
            )
        info = self.workdir.path / STATE_LOCK_INFO
        if info.exists() and not (state.exists() and state_lock_held(state)):
            info.unlink(missing_ok=True)
            self.note(f"removed {info.name}: the Terraform that locked the state is gone")

    def _recover_state(self) -> None:
        """Terraform rewrites the state in place: one killed mid-write (a reboot) leaves it cut
        short, and every later command would fail on it. Nobody writes it now, so set it aside
        and go back to the backup; reconcile then finds the instance there or in the compartment."""
        state = self.workdir.state
        if not state.exists() or _readable_state(state):
            return
        aside = state.with_name(f"{state.name}.broken-{time.strftime('%Y%m%dT%H%M%S')}")
        os.replace(state, aside)
        backup = state.with_name(f"{state.name}.backup")
        if _readable_state(backup):
            shutil.copy2(backup, state)
        self.note(
            f"the Terraform state was damaged (cut short by a crash, or emptied): moved it to {aside.name}"
            + (f" and restored {backup.name}" if state.exists() else "")
        )


@contextlib.contextmanager
def workdir_lock(workdir: Workdir, command: LockCommand, note: Callable[[str], None]) -> Iterator[WorkdirLock]:
    """Hold the workdir for one run; WorkdirBusy (exit 2) if another live run holds it."""
    lock = WorkdirLock(workdir, command, note)
    try:
        lock.acquire()
        yield lock
    finally:
        lock.release()


def holder(workdir: Workdir) -> Holder | None:
    """The live run holding the workdir, or None. Reads the record only: probing the flock
    could make a run starting at that instant believe the workdir busy."""
    found = _recorded(workdir)
    return found if found is not None and _running(found.pid, found.pid_start, TOOL_WORDS) else None


def stale_holder(workdir: Workdir) -> Holder | None:
    """The run run.lock names when its pid is not that run any more (it ended; the pid may be
    reused by another process, or be 1): the next run takes the lock over."""
    found = _recorded(workdir)
    return found if found is not None and not _running(found.pid, found.pid_start, TOOL_WORDS) else None


def _recorded(workdir: Workdir) -> Holder | None:
    try:
        return _parse((workdir.path / LOCK_NAME).read_bytes())
    except OSError:
        return None


def state_lock_held(state: Path) -> bool:
    """Whether a process holds Terraform's local state lock (Terraform takes a POSIX write lock)."""
    try:
        fd = os.open(state, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # also drops our own probe lock
    return False


def _readable_state(path: Path) -> bool:
    """Empty (Terraform creates the file to lock it) or a whole state object; not a file cut short
    or emptied to `{}` (Terraform refuses a state without its format version)."""
    try:
        text = path.read_text()
        if not text.strip():
            return True
        state = json.loads(text)
        return isinstance(state, dict) and type(state.get("version")) is int
    except (OSError, ValueError):
        return False


def _parse(data: bytes) -> Holder | None:
    """The holder the file records; None if empty or not a record this module wrote."""
    try:
        record = json.loads(data)
    except ValueError:
        return None
    if not isinstance(record, dict) or not _pid(record.get("pid")):
        return None
    terraform_pid = record.get("terraform_pid")
    return Holder(
        record["pid"],
        str(record.get("command", "?")),
        str(record.get("started", "?")),
        terraform_pid if _pid(terraform_pid) else None,
        _tick(record.get("pid_start")),
        _tick(record.get("terraform_start")),
    )


def _pid(value: object) -> bool:
    return type(value) is int and 0 < value < 2**22  # Linux's largest pid_max


def _tick(value: object) -> int | None:
    return value if type(value) is int and value >= 0 else None


def _start_time(pid: int) -> int | None:
    """When the process started, in clock ticks since boot; None without /proc (macOS)."""
    stat = _proc_stat(pid)
    return int(stat[19]) if stat else None


def _proc_stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name: state first, start time 20th."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _running(pid: int, started: int | None = None, programs: tuple[str, ...] = ()) -> bool:
    """Alive, not a zombie (an orphan's exit may go unreaped for a while in a container), and the
    same process (pids are reused): its recorded start time, else one of `programs` in its command line."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    stat = _proc_stat(pid)
    if stat is None:
        return True  # no /proc (macOS): alive is all we can tell
    if stat[0] == "Z":
        return False
    if started is not None:
        return int(stat[19]) == started
    return not programs or any(word in _command_line(pid) for word in programs)


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").lower()
    except OSError:
        return ""


def _wait_until(done: Callable[[], bool], timeout_message: str) -> None:
    deadline = time.monotonic() + LEFTOVER_WAIT_SECONDS
    while not done():
        if time.monotonic() > deadline:
            raise ToolError(
                f"{timeout_message} after {LEFTOVER_WAIT_SECONDS} s; run `coinpilot-tf retry` again once it has ended"
            )
        time.sleep(_POLL_SECONDS)
