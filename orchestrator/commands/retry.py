"""`coinpilot-tf retry`: launch until the instance exists; and the run `retry` and `grow` share.

The run owns the process while it loops: its signal handlers, the workdir lock, the reporter,
and the engine's pid reported to the lock.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import ExitCode
from ..progress import Reporter
from ..session import Session
from .options import EXIT_CODES_HELP, handle_errors, loop_options, note, pass_session, print_notices

if TYPE_CHECKING:  # the loop is imported when a run starts: `--help` stays quick
    from ..loop import RetryOutcome

# What stops a run cleanly (journal, notification, lock released, Terraform's state saved, exit 130):
# Ctrl-C, `systemctl stop`, and a closed terminal or dropped ssh session.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@click.command(short_help="Launch the instance, retrying until it exists.", epilog=EXIT_CODES_HELP)
@loop_options
@click.option(
    "--targets",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Run every target of this file at once, in this process (docs/targets.md).",
)
@handle_errors
@pass_session
def retry(session: Session, once: bool, log_format: str, refresh_image: bool, targets: str | None) -> None:
    """Launch the instance, retrying until it exists (or a failure retrying cannot fix); start it if it is stopped."""
    if targets is not None:
        from .targets import run_targets

        run_targets(session, Path(targets), once=once, log_format=log_format, refresh_image=refresh_image)
        return
    run_loop(session, once=once, log_format=log_format, refresh_image=refresh_image, grow=False)


def run_loop(session: Session, *, once: bool, log_format: str, refresh_image: bool, grow: bool) -> None:
    """Lock the workdir, prepare it, run the loop (`grow`: resize the won instance instead of
    launching), print how it ended and exit with its code. Ctrl-C, SIGTERM or SIGHUP before the
    loop ends the run with nothing changed, and during the loop lets a running Terraform save its state."""
    from ..launch_inputs import prepare
    from ..lock import LockCommand, workdir_lock
    from ..loop import Ending, RetryLoop, RetryOutcome

    def stop_before_the_loop(signum: int, _: Any) -> None:
        leave_a_closed_terminal(signum)
        raise KeyboardInterrupt

    def stop_the_loop(signum: int, _: Any) -> None:
        leave_a_closed_terminal(signum)
        loop.interrupt()

    reporter = Reporter(sys.stdout, log_format)
    _on_stop_signals(stop_before_the_loop)
    try:
        # One run per workdir, from before the first file is written until the end.
        with workdir_lock(session.workdir, LockCommand.GROW if grow else LockCommand.RETRY, note) as lock:
            prepared = prepare(session, refresh_image)
            print_notices(prepared)
            tf = session.terraform
            tf.on_process = lock.record_terraform
            loop = RetryLoop.build(prepared, tf, once=once, reporter=reporter, grow=grow)
            _on_stop_signals(stop_the_loop)
            outcome = loop.run()
    except KeyboardInterrupt:
        nothing = "resized" if grow else "launched"
        outcome = RetryOutcome(Ending.INTERRUPTED, f"interrupted before the first attempt; nothing was {nothing}")
    print_ending(reporter, outcome, session.workdir.launch_result)
    sys.exit(outcome.exit_code)


def print_ending(reporter: Reporter, outcome: RetryOutcome, result_path: Path) -> None:
    """How the run ended. Text: the instance's details and the message (on stderr unless the
    instance exists). JSON lines: one result line, the last on stdout."""
    reporter.finish()
    if reporter.json:
        reporter.result(result_record(outcome, result_path))
        return
    if outcome.launch:
        print_launch(outcome.launch, result_path)
    click.echo(outcome.message, err=outcome.exit_code != ExitCode.OK)


# The won instance's fields the result line carries (launch_result.json's names); null when not known.
RESULT_FIELDS = (
    "instance_id",
    "public_ip",
    "availability_domain",
    "ocpus",
    "memory_gbs",
    "ssh_private_key",
    "ssh_command",
)


def result_record(outcome: RetryOutcome, result_path: Path) -> dict[str, Any]:
    known = outcome.launch.to_dict() if outcome.launch else {}
    return {
        "exit_code": int(outcome.exit_code),
        "outcome": str(outcome.ending),
        "message": outcome.message,
        **{name: known.get(name) for name in RESULT_FIELDS},
        "result_file": str(result_path) if outcome.launch else None,
    }


def _on_stop_signals(handler: Callable[[int, Any], None]) -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, handler)


def leave_a_closed_terminal(signum: int) -> None:
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


def print_launch(launch, result_path, echo: Callable[[str], object] = click.echo) -> None:
    from ..size import Size

    size = (
        str(Size.of(launch.ocpus, launch.memory_gbs))
        if launch.ocpus is not None and launch.memory_gbs is not None
        else "unknown size"
    )
    echo(f"instance id:  {launch.instance_id}")
    echo(f"public IP:    {launch.public_ip or 'none'}")
    echo(f"placement:    {launch.availability_domain}, {size}")
    if launch.ssh_private_key:
        echo(f"SSH key:      {launch.ssh_private_key} (keep it: OCI cannot give the private key back)")
    else:
        echo(f"SSH key:      none of yours; the instance accepts {launch.ssh_keys_on_instance}")
    echo(f"result file:  {result_path}")
    if launch.ssh_command:
        echo(f"connect:      {launch.ssh_command}")
