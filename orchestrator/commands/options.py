"""What the commands share: the options that fill in the Session, the error handling, the notices."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..config import FIELDS, Expects, Field, SettingGroup
from ..errors import EXIT_CODE_MEANINGS, ExitCode, ToolError, UsageError, disk_problem
from ..path_settings import moved_by
from ..progress import LOG_FORMATS
from ..session import Session

pass_session = click.make_pass_decorator(Session)


def flag(name: str) -> Callable:
    """An option callback that hands its value to the session instead of the command."""

    def remember(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value not in (None, ()):
            ctx.find_object(Session).flags[name] = value

    return remember


def _env_file(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        handle_errors(ctx.find_object(Session).add_env_file)(Path(value))


def env_file_option(command: Callable) -> Callable:
    return click.option(
        "--env-file",
        metavar="FILE",
        expose_value=False,
        callback=_env_file,
        help="NAME=value lines read as if exported (an exported variable wins), e.g. for systemd and cron.",
    )(command)


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


def where_from(env: str | None = None, default: str = "") -> str:
    """What --help adds after an option's text: its environment name and its default."""
    parts = ([f"env {env}"] if env else []) + ([f"default: {default}"] if default else [])
    return f"  [{'; '.join(parts)}]" if parts else ""


_CLICK_TYPES = {
    int: click.INT,
    float: click.FLOAT,
    bool: click.BOOL,
    Path: click.Path(dir_okay=False),
    str: click.STRING,
}


class Shown(click.ParamType):
    """A setting's type as --help shows it and the shell completes it. The value stays as typed:
    the setting's own parser checks it later, as it checks the environment's and the config file's
    (one line naming the flag and the fix, exit 2)."""

    def __init__(self, expects: Expects):
        self.shown = click.Choice(expects.choices) if expects.choices else _CLICK_TYPES[expects.kind]
        self.name = self.shown.name
        self.metavar = expects.metavar

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return self.metavar or self.shown.get_metavar(param, ctx) or self.name.upper()

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        return self.shown.shell_complete(ctx, param, incomplete)


def _setting_option(field: Field) -> Callable:
    return click.option(
        *field.flags,
        field.name,
        type=Shown(field.expects),
        multiple=field.repeatable,
        default=None,
        expose_value=False,
        callback=flag(field.name),
        help=field.help + where_from(field.env, field.shown_default),
    )


def config_option(command: Callable) -> Callable:
    return click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False),
        expose_value=False,
        callback=flag("config"),
        help="Optional TOML file with the same settings in lower case.",
    )(command)


def settings_options(*groups: SettingGroup) -> Callable:
    """The settings of these groups as flags (flag > environment > config file > default), and
    --config. The other settings are still read from the environment and the file, without a flag."""

    def add(command: Callable) -> Callable:
        for field in reversed(FIELDS):
            if field.group in groups:
                command = _setting_option(field)(command)
        return config_option(command)

    return add


def _in_a_workdir(*groups: SettingGroup) -> Callable:
    """The settings of these groups, and where the workdir and the engine are."""
    return lambda command: workdir_options(settings_options(*groups)(command))


# What each command reads, by group: its --help lists these flags and no others.
loop_settings = _in_a_workdir(*SettingGroup)  # retry and grow
render_settings = _in_a_workdir(SettingGroup.TARGET, SettingGroup.SIZE, SettingGroup.MODULE, SettingGroup.STATE)
# doctor checks the account, the targets, the size against the limits, the backend, and (--notify-test) the channels
doctor_settings = _in_a_workdir(SettingGroup.TARGET, SettingGroup.SIZE, SettingGroup.STATE, SettingGroup.NOTIFY)


# capacity asks OCI's report for the ADs and the sizes (the workdir only says which cloud; no engine)
def capacity_settings(command: Callable) -> Callable:
    return env_file_option(workdir_option(settings_options(SettingGroup.TARGET, SettingGroup.SIZE)(command)))


def notification_settings(command: Callable) -> Callable:
    """`notify test`: the channels, from flags, the environment, --env-file or the config file."""
    return env_file_option(settings_options(SettingGroup.NOTIFY)(command))


def workdir_option(command: Callable) -> Callable:
    return click.option(
        "--workdir",
        "workdir",
        type=click.Path(file_okay=False),
        expose_value=False,
        callback=flag("workdir"),
        help="The workdir itself." + where_from("COINPILOT_TF_WORKDIR", "<data dir>/workdirs/<INSTANCE_NAME>"),
    )(command)


def instance_name_option(command: Callable) -> Callable:
    return click.option(
        "--instance-name",
        "instance_name",
        metavar="NAME",
        expose_value=False,
        callback=flag("instance_name"),
        help="Instance whose workdir to use." + where_from("INSTANCE_NAME", "coinpilot-ins"),
    )(command)


def workdir_options(command: Callable) -> Callable:
    """The workdir, the engine to run there, and --env-file (which may name both)."""
    command = env_file_option(command)
    return click.option(
        "--terraform",
        "engine",
        metavar="ENGINE",
        expose_value=False,
        callback=flag("engine"),
        help="Terraform or OpenTofu binary, or 'bundled' for the engine shipped with coinpilot-tf."
        + where_from("COINPILOT_TF_TERRAFORM", "terraform or tofu on PATH, else bundled"),
    )(workdir_option(command))


def instance_options(command: Callable) -> Callable:
    """Which workdir: --workdir, or the one --instance-name (INSTANCE_NAME) names; and the engine."""
    return workdir_options(instance_name_option(command))


def loop_options(command: Callable) -> Callable:
    """What `retry` and `grow` share: how to run, a scenario for the simulator, and the settings
    (after the command's own options in --help)."""
    command = refresh_image_option(loop_settings(command))
    command = click.option(
        "--log-format",
        type=click.Choice(LOG_FORMATS),
        default="auto",
        help="auto: a live line on a terminal, text lines otherwise; json: only JSON lines on stdout, the last the result."
        + where_from(default="auto"),
    )(command)
    command = click.option(
        "--once", is_flag=True, help="One attempt per AD and size, then exit (for cron and CI schedulers)."
    )(command)
    return simulate_option(
        "Run against the simulated OCI, e.g. 'capacity*3,ok' or "
        "'launch=capacity,ok;update=capacity*2,ok' (no account needed)."
    )(command)


# For --help's epilogs: the top level's, and the looping commands'.
EXIT_CODES_HELP = "\b\nExit codes:\n" + "\n".join(
    f"  {code:<3}  {meaning}" for code, meaning in EXIT_CODE_MEANINGS.items()
)


class InOrderOfUse(click.Group):
    """A group that lists its commands in the order they were added (the order of use), not A to Z."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


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
            click.echo(f"coinpilot-tf: {disk_problem(error, moved_by(error.filename))}", err=True)
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
