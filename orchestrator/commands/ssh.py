"""`coinpilot-tf ssh [--print] [ARGS...]`: log in to the instance with the key it was launched with."""

from __future__ import annotations

import sys

import click

from ..session import Session
from .options import handle_errors, instance_options, pass_session
from .targets import for_a_target, target_options


@click.command(
    short_help="Log in to the instance with the key it was launched with.",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@instance_options
@click.option("--print", "print_only", is_flag=True, help="Print the ssh command instead of running it.")
@click.argument("ssh_args", nargs=-1, type=click.UNPROCESSED)
@target_options
@handle_errors
@pass_session
@for_a_target
def ssh(session: Session, print_only: bool, ssh_args: tuple[str, ...]) -> None:
    """Log in: `ssh -i <key> ubuntu@<public IP>`, with any extra ssh arguments passed on."""
    import shlex

    from ..ssh import run_ssh, ssh_argv

    workdir = session.existing_workdir()
    argv = ssh_argv(workdir, session.terraform, ssh_args)
    if print_only:
        click.echo(shlex.join(argv))
        return
    sys.exit(run_ssh(argv, session.cloud))
