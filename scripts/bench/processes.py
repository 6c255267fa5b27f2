"""Running a command and measuring what it costs: the process tree from /proc, its summed RSS sampled
in a thread, its CPU from wait4; and the shell loop the other grabbers wait in."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Collection
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import click

SAMPLE_SECONDS = 0.025
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
# The runbook's loop around one command: `until CMD; do sleep $RETRY_INTERVAL_SECONDS; done`.
SHELL_LOOP = 'until "$@" >/dev/null 2>&1; do sleep "$RETRY_INTERVAL_SECONDS"; done'


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _rss_kb(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


class ProcessTable:
    """Who is whose child, from /proc/<pid>/stat (this kernel has no /proc/<pid>/task/*/children);
    a pid's parent is read once while the pid lives, so a sample costs a directory listing."""

    def __init__(self) -> None:
        self._parents: dict[int, int | None] = {}
        self._lock = threading.Lock()

    def tree(self, root: int, skip: Collection[int] = ()) -> list[int]:
        """root and its descendants, without the subtrees of `skip`."""
        with self._lock:
            live = {int(name) for name in os.listdir("/proc") if name.isdigit()}
            self._parents = {pid: self._parents[pid] if pid in self._parents else _parent(pid) for pid in live}
            children: dict[int, list[int]] = {}
            for pid, parent in self._parents.items():
                children.setdefault(parent, []).append(pid)
        found, stack = [], [root]
        while stack:
            pid = stack.pop()
            if pid in skip:
                continue
            found.append(pid)
            stack.extend(children.get(pid, ()))
        return found

    def rss_kb(self, root: int, skip: Collection[int] = ()) -> int:
        return sum(_rss_kb(pid) for pid in self.tree(root, skip))


PROCESSES = ProcessTable()
# The simulated endpoints and the waiting loops: they run beside coinpilot-tf's in-process attempts,
# and are no part of them.
BACKGROUND: set[int] = set()


class TreePeak:
    """The peak of the summed RSS of a process tree while the block runs, sampled in a thread."""

    def __init__(self, root: int, skip: Collection[int] = ()):
        self.root, self.skip = root, skip
        self.peak_kb = 0
        self.cpu_seconds = 0.0  # the sampler's own CPU, taken out of an in-process measurement
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        began = time.thread_time()
        while True:
            self.peak_kb = max(self.peak_kb, PROCESSES.rss_kb(self.root, self.skip))
            if self._done.wait(SAMPLE_SECONDS):
                break
        self.cpu_seconds = time.thread_time() - began

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


@dataclass
class Run:
    """One command run to its end: when, how, and what it cost."""

    began: float
    ended: float
    returncode: int
    cpu_seconds: float
    peak_rss_kb: int


def run_measured(argv: list[str], cwd: Path | None, env: dict[str, str]) -> Run:
    began = time.time()
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    with TreePeak(process.pid) as peak:
        # wait4: the CPU and largest RSS of the process and of every descendant it waited for.
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        began, time.time(), process.returncode, usage.ru_utime + usage.ru_stime, max(peak.peak_kb, usage.ru_maxrss)
    )


def stop(process: subprocess.Popen, signum: int = signal.SIGINT, group: bool = False) -> None:
    if process.poll() is None:
        if group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_shell_loop(argv: list[str], cwd: Path | None, env: dict[str, str]) -> subprocess.Popen:
    # Its own process group: stopping it stops its sleep (or its command) too.
    shell = subprocess.Popen(
        ["bash", "-c", SHELL_LOOP, "loop", *argv],
        cwd=cwd,
        env=env,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    BACKGROUND.add(shell.pid)
    return shell


def sleeping(shell: int) -> bool:
    """Is this shell loop in its `sleep` between attempts?"""
    for pid in PROCESSES.tree(shell)[1:]:
        with suppress(OSError):
            if Path(f"/proc/{pid}/comm").read_text().strip() == "sleep":
                return True
    return False


def console_script() -> str:
    script = Path(sys.executable).with_name("coinpilot-tf")
    found = str(script) if script.exists() else shutil.which("coinpilot-tf")
    if not found:
        raise click.ClickException("coinpilot-tf is not installed next to this Python; run `pip install -e .` first")
    return found
