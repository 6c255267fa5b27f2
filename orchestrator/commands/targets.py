"""`--targets FILE` (targets.py): `retry` runs every target of the file (target_runs.py), `status`
shows one row per target (target_status.py), and `--target NAME` points status, output, ssh and
destroy at one target's workdir."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import ExitCode, UsageError
from ..progress import LogFormat, Reporter
from ..session import Session
from .retry import leave_a_closed_terminal, print_launch, result_record

_TARGETS_HELP = "A targets file: several accounts or instances, each with its own settings (docs/targets.md)."


def targets_option(command: Callable) -> Callable:
    return click.option("--targets", metavar="FILE", type=click.Path(dir_okay=False), help=_TARGETS_HELP)(command)


def target_options(command: Callable) -> Callable:
    """--targets FILE and --target NAME (for_a_target, or the command itself, reads them)."""
    command = click.option("--target", metavar="NAME", help="The target of --targets FILE to use.")(command)
    return targets_option(command)


def for_a_target(command: Callable) -> Callable:
    """With --targets FILE (and --target NAME unless the file has one target), the command runs
    with that target's session: its workdir, cloud and settings."""

    @functools.wraps(command)
    def with_target(session: Session, *args: Any, targets: str | None, target: str | None, **kwargs: Any) -> Any:
        return command(one_target(session, targets, target), *args, **kwargs)

    return with_target


def one_target(session: Session, targets: str | None, target: str | None) -> Session:
    """The session of --targets FILE's target --target NAME; without --targets, the session itself."""
    if targets is not None:
        return pick_target_session(session, Path(targets), target)
    if target is not None:
        raise UsageError("--target", "names a target of a targets file: give --targets FILE too")
    return session


def pick_target_session(session: Session, path: Path, name: str | None) -> Session:
    from ..targets import pick_target

    picked = pick_target(session, path, name).session
    click.get_current_context().call_on_close(picked.close)
    return picked


def print_targets_status(session: Session, path: Path, as_json: bool) -> None:
    """One row per target, then the tenancies several targets share."""
    import time

    from ..target_status import rows_json, rows_text, target_row, tenancy_pacing
    from ..targets import load_targets

    targets, now = load_targets(session, path), time.time()
    try:
        rows, tenancies = [target_row(target, now) for target in targets], tenancy_pacing(targets, now)
    finally:
        for target in targets:
            target.session.close()
    click.echo(rows_json(rows, tenancies) if as_json else rows_text(rows, tenancies))


def run_targets(session: Session, path: Path, *, once: bool, log_format: str, refresh_image: bool) -> None:
    """Every target's loop at once; each target's lines named; exit with the most severe code."""
    import threading

    from ..target_runs import TargetRuns, TargetStream, exit_code
    from ..targets import load_targets

    targets = load_targets(session, path)
    json_lines = log_format == LogFormat.JSON
    lock = threading.Lock()
    reporters = {
        target.name: Reporter(TargetStream(sys.stdout, target.name, json_lines, lock), log_format) for target in targets
    }
    runs = TargetRuns(
        targets, reporters, _print_end, once=once, refresh_image=refresh_image, on_signal=leave_a_closed_terminal
    )
    ends = runs.run()
    code = exit_code(ends)
    if json_lines:
        outcomes = {end.target: str(end.outcome.ending) for end in ends}
        click.echo(json.dumps({"event": "result", "exit_code": int(code), "targets": outcomes}))
    elif code != ExitCode.OK:
        ended = ", ".join(f"{end.target} {end.outcome.ending} (exit {int(end.exit_code)})" for end in ends)
        click.echo(f"coinpilot-tf: targets: {ended}; exit {int(code)}, the most severe", err=True)
    sys.exit(code)


def _print_end(end, reporter: Reporter) -> None:
    """A target's ending, on its own named lines, as soon as it ends."""
    if reporter.json:
        reporter.result(result_record(end.outcome, end.result_path) | {"exit_code": int(end.exit_code)})
        return
    reporter.finish()
    if end.outcome.launch:
        print_launch(end.outcome.launch, end.result_path, echo=reporter.note)
    reporter.note(end.outcome.message)
