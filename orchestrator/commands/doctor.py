"""`coinpilot-tf doctor [--notify-test]`: every check a launch needs, one line each (doctor.py)."""

from __future__ import annotations

import sys

import click

from ..errors import ExitCode
from ..session import Session
from .options import doctor_settings, handle_errors, pass_session, print_cloud_notice


@click.command(short_help="Check everything a launch needs, one line each with the fix.")
@click.option("--notify-test", is_flag=True, help="Also send a test message to every notification channel.")
@doctor_settings
@handle_errors
@pass_session
def doctor(session: Session, notify_test: bool) -> None:
    """Check everything a launch needs (read-only), one line each with the fix; exit 1 if any fails."""
    from ..doctor import diagnose

    outcomes = diagnose(session, notify_test)
    for outcome in outcomes:
        click.echo(outcome.line())
    print_cloud_notice(session)
    sys.exit(ExitCode.OK if all(outcome.passed for outcome in outcomes) else ExitCode.STOPPED)
