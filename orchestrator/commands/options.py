"""What the commands share: the options that fill in the Session, the error handling, the notices."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from ..config import FIELDS
from ..errors import ExitCode, ToolError, UsageError, disk_problem
from ..progress import LOG_FORMATS
from ..session import Session

pass_session = click.make_pass_decorator(Session)


def flag(name: str) -> Callable:
    """An option callback that hands its value to the session instead of the command."""

    def remember(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value not in (None, ()):
            ctx.find_object(Session).flags[name] = value

    return remember


def _scenario(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    ctx.find_object(Session).scenario = value


def simulate_option(help: str) -> Callable:
    """--simulate SCENARIO: the session talks to the simulated OCI."""
    return click.option("--simulate", metavar="SCENARIO", expose_value=False, callback=_scenario, help=help)


def refresh_image_option(command: Callable) -> Callable:
    return click.option(
        "--refresh-image",
        is_flag=True,
        help="Discover the newest image again instead of the one recorded in the workdir (IMAGE_OCID empty).",
    )(command)


def settings_options(command: Callable) -> Callable:
    """Every setting as a flag (flag > environment > config file > default), plus where things live."""
    for field in reversed(FIELDS):
        env_note = f" [env {field.env}]" if field.env else ""
        command = click.option(
            *field.flags,
            field.name,
            multiple=field.repeatable,
            default=None,
            expose_value=False,
            callback=flag(field.name),
            help=field.help + env_note,
            show_envvar=False,
        )(command)
    command = click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False),
        expose_value=False,
        callback=flag("config"),
        help="Optional TOML file with the same settings in lower case.",
    )(command)
    return workdir_options(command)


def workdir_option(command: Callable) -> Callable:
    return click.option(
        "--workdir",
        "workdir",
        type=click.Path(file_okay=False),
        expose_value=False,
        callback=flag("workdir"),
        help="The workdir itself [env COINPILOT_TF_WORKDIR].",
    )(command)


def instance_name_option(command: Callable) -> Callable:
    return click.option(
        "--instance-name",
        "instance_name",
        expose_value=False,
        callback=flag("instance_name"),
        help="Instance whose workdir to use [env INSTANCE_NAME].",
    )(command)


def workdir_options(command: Callable) -> Callable:
    """The workdir, and the engine to run there."""
    return click.option(
        "--terraform",
        "engine",
        expose_value=False,
        callback=flag("engine"),
        help="Terraform or OpenTofu binary, or 'bundled' for the engine shipped with coinpilot-tf "
        "[env COINPILOT_TF_TERRAFORM].",
    )(workdir_option(command))


def instance_options(command: Callable) -> Callable:
    """Which workdir: --workdir, or the one --instance-name (INSTANCE_NAME) names; and the engine."""
    return workdir_options(instance_name_option(command))


def loop_options(command: Callable) -> Callable:
    """What `retry` and `grow` share: the settings, a scenario for the simulator, and how to run."""
    command = refresh_image_option(command)
    command = click.option(
        "--log-format",
        type=click.Choice(LOG_FORMATS),
        default="auto",
        show_default=True,
        help="auto: a live line on a terminal, text lines otherwise.",
    )(command)
    command = click.option(
        "--once", is_flag=True, help="One attempt per AD and size, then exit (for cron and CI schedulers)."
    )(command)
    command = simulate_option(
        "Run against the simulated OCI, e.g. 'capacity*3,ok' or "
        "'launch=capacity,ok;update=capacity*2,ok' (no account needed)."
    )(command)
    return settings_options(command)


def handle_errors(command: Callable) -> Callable:
    """UsageError: one line, exit 2. ToolError: one line, exit 1. Never a traceback for either."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UsageError as error:
            click.echo(f"coinpilot-tf: {error}", err=True)
            sys.exit(ExitCode.USAGE)
        except ToolError as error:
            click.echo(f"coinpilot-tf: {error}", err=True)
            sys.exit(ExitCode.STOPPED)
        except BrokenPipeError:  # stdout closed early (`| head`): what was wanted was read
            closed_stdout()
        except OSError as error:  # the machine's: a full or read-only disk, a folder in the way
            click.echo(f"coinpilot-tf: {disk_problem(error)}", err=True)
            sys.exit(ExitCode.STOPPED)

    return wrapper


def closed_stdout() -> None:
    """End quietly, as a tool killed by SIGPIPE would (exit 141): Python's final flush of the
    closed stdout must not print a second error, so stdout points at /dev/null from here on."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(ExitCode.CLOSED_STDOUT)


def note(line: str) -> None:
    """A line for the user beside the command's result: on stderr."""
    click.echo(line, err=True)


def print_notices(prepared) -> None:
    for notice in prepared.notices:
        click.echo(f"warning: {notice}", err=True)


def print_cloud_notice(session: Session) -> None:
    if session.cloud.notice:
        click.echo(f"mode: {session.cloud.notice}")
