"""`coinpilot-tf grow`: resize the won instance in place, retrying like the launch (retry.py's run)."""

from __future__ import annotations

import sys

import click

from ..errors import ExitCode, UsageError
from ..progress import Reporter
from ..session import Session
from .confirm import need_terminal
from .options import EXIT_CODES_HELP, handle_errors, loop_options, pass_session
from .retry import print_ending, run_loop


@click.command(short_help="Resize the won instance to the first --size (it reboots).", epilog=EXIT_CODES_HELP)
@loop_options
@click.option(
    "--yes", is_flag=True, help="Do not ask before resizing (the resize reboots the instance); for schedulers."
)
@handle_errors
@pass_session
def grow(session: Session, once: bool, log_format: str, refresh_image: bool, yes: bool) -> None:
    """Resize the won instance in place to the first --size, retrying like the launch. It reboots the instance."""
    from ..engine.state import state_instance
    from ..operation import grow_request

    # Decided from the state alone: no call to OCI before the user confirms.
    instance = state_instance(session.terraform) if session.workdir.has_state else None
    request = grow_request(instance, session.settings.size_list()[0])
    if request.nothing_to_do:
        from ..loop import Ending, RetryOutcome

        print_ending(
            Reporter(sys.stdout, log_format),
            RetryOutcome(Ending.UNCHANGED, request.nothing_to_do),
            session.workdir.launch_result,
        )
        sys.exit(ExitCode.OK)
    click.echo(
        f"grow: {request.instance_id} from {request.current} to {request.wanted}; the resize reboots the "
        "instance (OCI stops and starts it)",
        err=True,
    )
    if not yes:
        need_terminal("grow", "nothing was changed")
        if not _confirmed():
            raise UsageError("grow", "not confirmed; nothing was changed (pass --yes to resize without asking)")
    run_loop(session, once=once, log_format=log_format, refresh_image=refresh_image, grow=True)


def _confirmed() -> bool:
    try:
        return click.confirm("Resize it now?", default=False, err=True)
    except click.Abort:  # Ctrl-C/Ctrl-D at the prompt
        return False
