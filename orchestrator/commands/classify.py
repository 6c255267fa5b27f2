"""`coinpilot-tf classify [FILE]`: why did it stop? Terraform's output classified, as JSON."""

from __future__ import annotations

import json
import sys

import click

from ..errors import ExitCode
from .options import handle_errors, note


@click.command(short_help="Why did it stop? Terraform's output classified, as JSON.")
@click.argument("source", type=click.File("rb"), default="-")
@handle_errors
def classify(source) -> None:
    """Why did it stop? Classify Terraform's output (FILE or - for stdin), print it as JSON and what
    to do about it; exit 1 when it is `unknown`."""
    from ..failures import TROUBLESHOOTING, Category
    from ..failures import classify as classify_text

    # Any bytes: a log with a stray binary part (or the wrong file) still gets classified.
    text = source.read().decode("utf-8", errors="replace")
    failure = classify_text(text)
    click.echo(json.dumps(failure.to_dict(), sort_keys=True))
    note(f"{failure.category}: {TROUBLESHOOTING[failure.category]}")
    sys.exit(ExitCode.STOPPED if failure.category == Category.UNKNOWN else ExitCode.OK)
