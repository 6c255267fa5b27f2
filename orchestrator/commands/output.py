"""`coinpilot-tf output [--json]`: the Terraform outputs of the workdir's state."""

from __future__ import annotations

import json

import click

from ..session import Session
from .options import handle_errors, instance_options, pass_session
from .targets import for_a_target, target_options


@click.command(short_help="The Terraform outputs: instance id, IPs, AD, size, state.")
@instance_options
@click.option("--json", "as_json", is_flag=True, help="{name: value} as JSON, for scripts.")
@target_options
@handle_errors
@pass_session
@for_a_target
def output(session: Session, as_json: bool) -> None:
    """The Terraform outputs: instance id, IPs, AD, size, state (none before the instance exists)."""
    from ..engine.output import outputs

    workdir = session.existing_workdir()
    values = outputs(session.terraform) if workdir.has_state else {}
    if as_json:
        click.echo(json.dumps(values, indent=2, sort_keys=True))
        return
    if not values:
        click.echo("no outputs yet: the state holds no instance", err=True)
    for name, value in sorted(values.items()):
        click.echo(f"{name} = {json.dumps(value)}")
