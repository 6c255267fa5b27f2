"""`coinpilot-tf terraform ARGS...`: the engine itself, in the workdir, with the tool's CLI config."""

from __future__ import annotations

import sys

import click

from ..session import Session
from .options import handle_errors, instance_options, pass_session

# The subcommands that colour what they print and take -no-color (`state`'s: after their own
# subcommand); the others print no colour.
COLORED = frozenset({"init", "validate", "plan", "apply", "destroy", "refresh", "show", "output", "import", "test"})
COLORED_GROUPS = frozenset({"state"})


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
    code = tf.passthrough(uncolored(list(args)) if not sys.stdout.isatty() else list(args))
    sys.exit(code if code >= 0 else 128 - code)  # killed by a signal: as a shell reports it


def uncolored(args: list[str]) -> list[str]:
    """args with -no-color after the subcommand (`| less` gets no colour codes), when it takes it."""
    if "-no-color" in args or not args:
        return args
    if args[0] in COLORED:
        return [args[0], "-no-color", *args[1:]]
    if args[0] in COLORED_GROUPS and len(args) > 1 and not args[1].startswith("-"):
        return [*args[:2], "-no-color", *args[2:]]
    return args
