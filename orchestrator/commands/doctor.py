"""`coinpilot-tf doctor [--notify-test] [--json]`: every check a launch needs, one line each or
one JSON object (doctor.py)."""

from __future__ import annotations

import json
import sys

import click

from ..errors import ExitCode
from ..session import Session
from .options import doctor_settings, handle_errors, pass_session, print_cloud_notice


@click.command(short_help="Check everything a launch needs, one line each with the fix.")
@click.option("--notify-test", is_flag=True, help="Also send a test message to every notification channel.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (every check's name, status, detail, fix).")
@doctor_settings
@handle_errors
@pass_session
def doctor(session: Session, notify_test: bool, as_json: bool) -> None:
    """Check everything a launch needs (read-only), one line each with the fix; exit 1 if any fails."""
    from ..doctor import diagnose

    outcomes = diagnose(session, notify_test)
    passed = all(outcome.passed for outcome in outcomes)
    if as_json:
        checks = [outcome.to_dict() for outcome in outcomes]
        click.echo(json.dumps({"passed": passed, "mode": session.cloud.notice, "checks": checks}, indent=2))
    else:
        for outcome in outcomes:
            click.echo(outcome.line())
        print_cloud_notice(session)
    sys.exit(ExitCode.OK if passed else ExitCode.STOPPED)
