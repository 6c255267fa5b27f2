"""The commands that change a workdir, as the steps they take: what cli.py calls once it has parsed.

`retry` owns the process while it runs: its signal handlers, the workdir lock, the reporter, and
the engine's pid reported to the lock.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ExitCode
from .prepare import Prepared, prepare
from .session import Session


@dataclass(frozen=True)
class Rendered:
    prepared: Prepared
    changed: list[str]


def render_workdir(session: Session, refresh_image: bool) -> Rendered:
    """`coinpilot-tf render`: the module and its values, and the engine's CLI config."""
    from .render import Target, render

    prepared = prepare(session, refresh_image)
    session.terraform.write_cli_config()
    target = Target(prepared.availability_domains[0], prepared.settings.size_list()[0])
    return Rendered(prepared, render(prepared.settings, target, prepared.ssh_public_key, prepared.workdir))


@dataclass(frozen=True)
class Retried:
    exit_code: int
    message: str
    prepared: Prepared | None = None
    launch: Any = None  # result.LaunchResult when the instance exists


def retry(session: Session, *, once: bool, log_format: str, refresh_image: bool,
          note: Callable[[str], None], notices: Callable[[Prepared], None]) -> Retried:
    """Lock the workdir, prepare it, run the loop; Ctrl-C or SIGTERM before the loop ends the run
    with nothing launched, and during the loop lets a running Terraform save its state."""
    from .lock import workdir_lock
    from .progress import Reporter
    from .retry import RetryLoop

    def stop_before_the_loop(*_: Any) -> None:
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop_before_the_loop)
    workdir = session.workdir
    try:
        # One run per workdir, from before the first file is written until the end.
        with workdir_lock(workdir, "retry", note=note) as lock:
            prepared = prepare(session, refresh_image)
            notices(prepared)
            reporter = Reporter(sys.stdout, log_format)
            tf = session.terraform
            tf.on_process = lock.record_terraform
            loop = RetryLoop.build(prepared, tf, once=once, reporter=reporter)
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: loop.interrupt())
            outcome = loop.run()
    except KeyboardInterrupt:
        return Retried(ExitCode.INTERRUPTED, "interrupted before the first attempt; nothing was launched")
    reporter.finish()
    return Retried(outcome.exit_code, outcome.message, prepared, outcome.launch)
