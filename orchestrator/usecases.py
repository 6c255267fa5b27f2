"""The commands that change a workdir, as the steps they take: what cli.py calls once it has parsed.

`retry` owns the process while it runs: its signal handlers, the workdir lock, the reporter, and
the engine's pid reported to the lock.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ExitCode
from .prepare import Prepared, prepare
from .session import Session

# What stops a run cleanly (journal, notification, lock released, Terraform's state saved, exit 130):
# Ctrl-C, `systemctl stop`, and a closed terminal or dropped ssh session.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@dataclass(frozen=True)
class Rendered:
    prepared: Prepared
    changed: list[str]


def render_workdir(session: Session, refresh_image: bool, note: Callable[[str], None]) -> Rendered:
    """`coinpilot-tf render`: the module and its values, and the engine's CLI config. Refused
    (WorkdirBusy, exit 2) while a retry runs there: the module must not change under its saved plans."""
    from .lock import workdir_lock

    with workdir_lock(session.workdir, "render", note=note):
        return _render(session, refresh_image)


def _render(session: Session, refresh_image: bool) -> Rendered:
    """The render step itself; the caller holds the workdir lock."""
    from .render import Target, render

    prepared = prepare(session, refresh_image, for_launch=False)
    session.terraform.write_cli_config()
    target = Target(prepared.availability_domains[0], prepared.settings.size_list()[0])
    return Rendered(prepared, render(prepared.settings, target, prepared.ssh_public_key, prepared.workdir))


def migrate_workdir_state(session: Session, refresh_image: bool, note: Callable[[str], None]) -> tuple[Rendered, str]:
    """`coinpilot-tf render --migrate-state`: render for the new backend, then move the state
    there, holding the workdir so that no retry uses the state meanwhile."""
    from .lock import workdir_lock
    from .migrate import move_state

    with workdir_lock(session.workdir, "render --migrate-state", note=note):
        rendered = _render(session, refresh_image)
        settings = rendered.prepared.settings
        return rendered, move_state(session.terraform, settings.state_backend, settings.backend_config)


@dataclass(frozen=True)
class Retried:
    exit_code: int
    message: str
    prepared: Prepared | None = None
    launch: Any = None  # result.LaunchResult when the instance exists


def grow_request(session: Session):
    """What `grow` would do (operation.GrowRequest), decided from the state alone: no call to OCI."""
    from .engine.state import state_instance
    from .operation import grow_request as request

    instance = state_instance(session.terraform) if session.workdir.has_state else None
    return request(instance, session.settings.size_list()[0])


def retry(
    session: Session,
    *,
    once: bool,
    log_format: str,
    refresh_image: bool,
    grow: bool,
    note: Callable[[str], None],
    notices: Callable[[Prepared], None],
) -> Retried:
    """Lock the workdir, prepare it, run the loop (`grow`: resize the won instance instead of
    launching); Ctrl-C, SIGTERM or SIGHUP before the loop ends the run with nothing changed, and
    during the loop lets a running Terraform save its state."""
    from .lock import workdir_lock
    from .loop import RetryLoop
    from .progress import Reporter

    def stop_before_the_loop(signum: int, _: Any) -> None:
        _leave_a_closed_terminal(signum)
        raise KeyboardInterrupt

    def stop_the_loop(signum: int, _: Any) -> None:
        _leave_a_closed_terminal(signum)
        loop.interrupt()

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop_before_the_loop)
    workdir = session.workdir
    try:
        # One run per workdir, from before the first file is written until the end.
        with workdir_lock(workdir, "grow" if grow else "retry", note=note) as lock:
            prepared = prepare(session, refresh_image)
            notices(prepared)
            reporter = Reporter(sys.stdout, log_format)
            tf = session.terraform
            tf.on_process = lock.record_terraform
            loop = RetryLoop.build(prepared, tf, once=once, reporter=reporter, grow=grow)
            for signum in STOP_SIGNALS:
                signal.signal(signum, stop_the_loop)
            outcome = loop.run()
    except KeyboardInterrupt:
        return Retried(
            ExitCode.INTERRUPTED,
            f"interrupted before the first attempt; nothing was {'resized' if grow else 'launched'}",
        )
    reporter.finish()
    return Retried(outcome.exit_code, outcome.message, prepared, outcome.launch)


def _leave_a_closed_terminal(signum: int) -> None:
    """After SIGHUP the terminal is gone and writing to it fails: the rest goes to /dev/null (the
    journal and the notification keep the record). Pipes and files are kept."""
    if signum != signal.SIGHUP:
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            if stat.S_ISCHR(os.fstat(fd).st_mode):
                os.dup2(devnull, fd)
    os.close(devnull)
