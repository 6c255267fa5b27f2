"""Simulated workdirs for module-scoped fixtures: a user's session with its own HOME, and a
workdir that has already won its instance, built once per test run and copied for the tests."""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .conftest import TOOL_VARIABLES
from .session import Session

T = TypeVar("T")


def module_session(base: Path, **env: str) -> Session:
    """Like session.new_session, but isolated by itself: module fixtures run before conftest's
    per-test isolation, so HOME, the data folder and the runbook variables are set here."""
    home = base / "home"
    home.mkdir(parents=True, exist_ok=True)
    inherited = {name: value for name, value in os.environ.items() if name not in TOOL_VARIABLES}
    return Session(
        base / "workdir",
        {
            **inherited,
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "COINPILOT_TF_WORKDIR": str(base / "workdir"),
            "RETRY_INTERVAL_SECONDS": "0",
            "NO_COLOR": "1",
            **env,
        },
    )


def won_session(base: Path) -> Session:
    session = module_session(base)
    result = session.run("retry", "--simulate", "capacity,ok")
    assert result.returncode == 0, result.stdout + result.stderr
    return session


def failed_once_session(base: Path) -> Session:
    session = module_session(base)
    result = session.run("retry", "--simulate", "capacity,ok", extra_env={"MAX_ATTEMPTS": "1"})
    assert result.returncode == 3, result.stdout + result.stderr
    return session


def sized_json_win(base: Path) -> tuple[Session, subprocess.CompletedProcess]:
    """A run that met capacity at 2:12, then won at 1:6 (`--size 1:6 --size 2:12`), printing JSON
    lines; the session and what the run printed, for tests that only read them."""
    session = module_session(base)
    result = session.run(
        "retry", "--simulate", "capacity,ok", "--size", "1:6", "--size", "2:12", "--log-format", "json"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return session, result


def copy_session(session: Session, base: Path) -> Session:
    """An independent copy: the workdir holds its own simulated cloud, and it gets a HOME of its
    own (copies of one workdir may run on several workers at once)."""
    home = base / "home"
    home.mkdir(parents=True, exist_ok=True)
    copy = Session(
        base / "workdir",
        {
            **session.env,
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "COINPILOT_TF_WORKDIR": str(base / "workdir"),
        },
    )
    shutil.copytree(session.workdir, copy.workdir, symlinks=True)
    os.chmod(copy.workdir, 0o700)
    return copy


def built_once(run_dir: Path, name: str, build: Callable[[Path], T]) -> T:
    """build(run_dir / name), run by the first test process of the run that asks (under a lock; the
    others wait) and loaded by the rest from what it returned, pickled beside it. What it built is
    shared: copy it (copy_session) before running anything that changes it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    saved = run_dir / f"{name}.pickle"
    with open(run_dir / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if saved.exists():
            return pickle.loads(saved.read_bytes())
        shutil.rmtree(run_dir / name, ignore_errors=True)  # a build that failed half-way
        built = build(run_dir / name)
        saved.write_bytes(pickle.dumps(built))
        return built
