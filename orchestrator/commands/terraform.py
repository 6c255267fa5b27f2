"""`coinpilot-tf terraform ARGS...`: the engine itself, in the workdir, with the tool's CLI config."""

from __future__ import annotations

import sys

import click

from ..session import Session
from .options import handle_errors, instance_options, pass_session


@click.command(
    short_help="Run the engine in the workdir, e.g. `terraform state list`.",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@instance_options
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@handle_errors
@pass_session
def terraform(session: Session, args: tuple[str, ...]) -> None:
    """Run the engine in the workdir, e.g. `coinpilot-tf terraform state list`."""
    session.existing_workdir("run `coinpilot-tf render` first")
    tf = session.terraform
    tf.write_cli_config()
    sys.exit(tf.passthrough(list(args)))
