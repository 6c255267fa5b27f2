"""`coinpilot-tf status [--json]`: the workdir's instance, attempts and running loop (status.py)."""

from __future__ import annotations

from pathlib import Path

import click

from ..session import Session
from .options import handle_errors, instance_options, pass_session
from .targets import one_target, print_targets_status, target_options


@click.command(short_help="The instance, the attempts so far and the running loop.")
@instance_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
@target_options
@handle_errors
@pass_session
def status(session: Session, as_json: bool, targets: str | None, target: str | None) -> None:
    """The instance (with its reclaim risk from OCI Monitoring), the attempts so far and the running loop."""
    if targets is not None and target is None:  # the whole file: one row per target
        print_targets_status(session, Path(targets), as_json)
        return
    session = one_target(session, targets, target)
    from ..reclaim import workdir_reclaim_risk
    from ..status import collect_status

    report = collect_status(
        session.workdir,
        session.cloud,
        lambda: session.terraform,
        workdir_reclaim_risk(session.workdir, session.cloud),
        session.settings,
    )
    click.echo(report.to_json() if as_json else report.to_text())
