"""`coinpilot-tf notify test`: one test message to every notification channel."""

from __future__ import annotations

import json
import sys

import click

from ..errors import ExitCode, UsageError
from ..session import Session
from .options import handle_errors, notification_settings, pass_session


@click.group(short_help="Test the notification channels: `notify test`.")
def notify() -> None:
    """Notification channels: DISCORD_WEBHOOK_URL and NOTIFY_URLS (Apprise URLs)."""


@notify.command("test", short_help="Send one test message to every channel, one line each.")
@notification_settings
@click.option("--json", "as_json", is_flag=True, help="One JSON object (each channel, masked, and its error).")
@handle_errors
@pass_session
def notify_test(session: Session, as_json: bool) -> None:
    """Send one test message to every channel: one line each (URL masked), exit 1 if any failed."""
    from ..notify import Notifier

    notifier = Notifier.from_settings(session.settings, simulated=session.cloud.simulated)
    if not notifier.channels:
        raise UsageError("NOTIFY_URLS", "no channel is set; set DISCORD_WEBHOOK_URL or NOTIFY_URLS (or --notify URL)")
    results = notifier.test()
    passed = all(error is None for _, error in results)
    if as_json:
        channels = [{"channel": channel, "ok": error is None, "error": error} for channel, error in results]
        click.echo(json.dumps({"passed": passed, "channels": channels}, indent=2))
    else:
        for channel, error in results:
            click.echo(f"ok    {channel}" if error is None else f"FAIL  {channel}: {error}")
    sys.exit(ExitCode.OK if passed else ExitCode.STOPPED)
