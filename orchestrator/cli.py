"""coinpilot-tf's command line: the group, and the commands (commands/) it is made of.

The group makes the one Session (session.py) each command gets. Assembling only: each command
module parses, calls, prints and sets the exit code.
"""

from __future__ import annotations

import os

import click

from . import __version__
from .commands.capacity import capacity
from .commands.classify import classify
from .commands.destroy import destroy
from .commands.doctor import doctor
from .commands.grow import grow
from .commands.notify import notify
from .commands.options import EXIT_CODES_HELP, InOrderOfUse
from .commands.output import output
from .commands.render import render
from .commands.retry import retry
from .commands.simulate import simulate
from .commands.ssh import ssh
from .commands.status import status
from .commands.terraform import terraform
from .commands.unattended import unattended
from .session import Session


@click.group(
    cls=InOrderOfUse,
    epilog=EXIT_CODES_HELP + "\n  ssh and terraform exit with ssh's and Terraform's own code.",
    # Wide terminals get wide help: fewer wrapped lines. Narrow ones still get their width.
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120},
)
@click.version_option(__version__, prog_name="coinpilot-tf")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Win an OCI Always Free VM.Standard.A1.Flex instance, and keep it under Terraform state."""
    ctx.obj = Session(os.environ)
    ctx.call_on_close(ctx.obj.close)


# In the order of use: `coinpilot-tf --help` lists them so.
for command in (
    retry,
    status,
    output,
    ssh,
    destroy,
    grow,
    doctor,
    capacity,
    notify,
    classify,
    render,
    terraform,
    simulate,
    unattended,
):
    main.add_command(command)
