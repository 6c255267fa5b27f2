"""coinpilot-tf's command line: the group, and the commands (commands/) it is made of.

The group makes the one Session (session.py) each command gets. Assembling only: each command
module parses, calls, prints and sets the exit code.
"""

from __future__ import annotations

import os

import click

from . import __version__
from .commands.classify import classify
from .commands.destroy import destroy
from .commands.doctor import doctor
from .commands.grow import grow
from .commands.notify import notify
from .commands.output import output
from .commands.render import render
from .commands.retry import retry
from .commands.simulate import simulate
from .commands.ssh import ssh
from .commands.status import status
from .commands.terraform import terraform
from .commands.unattended import unattended
from .session import Session


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coinpilot-tf")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Win an OCI Always Free VM.Standard.A1.Flex instance, and keep it under Terraform state."""
    ctx.obj = Session(os.environ)
    ctx.call_on_close(ctx.obj.close)


for command in (
    render,
    terraform,
    status,
    output,
    destroy,
    ssh,
    retry,
    grow,
    doctor,
    notify,
    classify,
    simulate,
    unattended,
):
    main.add_command(command)
