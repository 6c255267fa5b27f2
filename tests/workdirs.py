"""Simulated workdirs for module-scoped fixtures: a user's session with its own HOME, and a
workdir that has already won its instance, built once per test run and copied for the tests."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

from .conftest import TOOL_VARIABLES
from .session import Session


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


def copy_session(session: Session, base: Path) -> Session:
    """An independent copy: the workdir holds its own simulated cloud."""
    copy = Session(base / "workdir", {**session.env, "COINPILOT_TF_WORKDIR": str(base / "workdir")})
    shutil.copytree(session.workdir, copy.workdir, symlinks=True)
    os.chmod(copy.workdir, 0o700)
    return copy


def won_once(run_dir: Path) -> Session:
    """won_session(run_dir / "won"), built by the first test process of the run that asks (under a
    lock; the others wait) and reused by the rest. Never run anything in it: copy it (won_copy)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    base = run_dir / "won"
    with open(run_dir / "won.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (base / "built").exists():
            return module_session(base)
        shutil.rmtree(base, ignore_errors=True)  # a build that failed half-way
        session = won_session(base)
        (base / "built").touch()
        return session


def won_copy(won: Session, base: Path) -> Session:
    """A copy of a won workdir with a HOME of its own (test processes may use theirs at once)."""
    copy = module_session(base)
    shutil.copytree(won.workdir, copy.workdir, symlinks=True)
    os.chmod(copy.workdir, 0o700)
    return copy
