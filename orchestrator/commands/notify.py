"""`coinpilot-tf notify test`: one test message to every notification channel."""

from __future__ import annotations

import sys

import click

from ..errors import ExitCode, UsageError
from ..session import Session
from .options import handle_errors, pass_session, settings_options


@click.group()
def notify() -> None:
    """Notification channels: DISCORD_WEBHOOK_URL and NOTIFY_URLS (Apprise URLs)."""


@notify.command("test")
@settings_options
@handle_errors
@pass_session
def notify_test(session: Session) -> None:
    """Send one test message to every channel: one line each (URL masked), exit 1 if any failed."""
    from ..notify import Notifier

    notifier = Notifier.from_settings(session.settings, simulated=session.cloud.simulated)
    if not notifier.channels:
        raise UsageError("NOTIFY_URLS", "no channel is set; set DISCORD_WEBHOOK_URL or NOTIFY_URLS (or --notify URL)")
    results = notifier.test()
    for channel, error in results:
        click.echo(f"ok    {channel}" if error is None else f"FAIL  {channel}: {error}")
    sys.exit(ExitCode.OK if all(error is None for _, error in results) else ExitCode.STOPPED)
