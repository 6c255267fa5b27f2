"""`coinpilot-tf unattended systemd|cron|github`: print a recipe to run coinpilot-tf unattended
(unattended.py), naming this install's executable and the settings file."""

from __future__ import annotations

from collections.abc import Callable

import click

from .options import InOrderOfUse, handle_errors, note

_ENV_FILE_HELP = "Have the recipe pass this file of NAME=value lines (coinpilot-tf reads it, as if exported)."
_TARGETS_HELP = "Have the recipe run every target of this targets file, as one service (docs/targets.md)."
_CONFIG_HELP = "Have the recipe pass this TOML file [default: <user config dir>/coinpilot-tf/config.toml]."


def _settings_files(command: Callable) -> Callable:
    command = click.option("--targets", metavar="FILE", help=_TARGETS_HELP)(command)
    command = click.option("--config", metavar="FILE", help=_CONFIG_HELP)(command)
    return click.option("--env-file", metavar="FILE", help=_ENV_FILE_HELP)(command)


def _install(config: str | None, env_file: str | None, targets: str | None):
    from ..unattended import Install, missing_settings_note

    install = Install.this(config, env_file, targets)
    if message := missing_settings_note(install):
        note(f"note: {message}")
    return install


@click.group(cls=InOrderOfUse, short_help="Print a recipe to run coinpilot-tf unattended.")
def unattended() -> None:
    """Print a recipe to run coinpilot-tf unattended.

    A systemd unit, a crontab line or a GitHub Actions workflow, naming this install."""


@unattended.command(short_help="A systemd user unit that runs `retry`.")
@_settings_files
@handle_errors
def systemd(config: str | None, env_file: str | None, targets: str | None) -> None:
    """A systemd user unit that runs `retry`.

    systemd restarts it after a crash, not after a final exit code (0, 1, 2, 3)."""
    from ..unattended import systemd_unit

    click.echo(systemd_unit(_install(config, env_file, targets)), nl=False)


@unattended.command(short_help="A crontab line running `retry --once` every 10 minutes.")
@_settings_files
@handle_errors
def cron(config: str | None, env_file: str | None, targets: str | None) -> None:
    """A crontab line running `retry --once` every 10 minutes."""
    from ..unattended import cron_line

    click.echo(cron_line(_install(config, env_file, targets)), nl=False)


@unattended.command(short_help="A GitHub Actions workflow that runs `retry --once`.")
@handle_errors
def github() -> None:
    """A GitHub Actions workflow that runs `retry --once`.

    It runs on a schedule, with the settings in the repository's variables and secrets."""
    from ..unattended import github_workflow

    click.echo(github_workflow(), nl=False)
