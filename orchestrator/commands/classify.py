"""`coinpilot-tf classify [FILE]`: why did it stop? Terraform's output classified, as JSON."""

from __future__ import annotations

import json

import click

from .options import handle_errors


@click.command(short_help="Why did it stop? Terraform's output classified, as JSON.")
@click.argument("source", type=click.File("rb"), default="-")
@handle_errors
def classify(source) -> None:
    """Why did it stop? Classify Terraform's output (FILE or - for stdin) and print it as JSON."""
    from ..failures import classify as classify_text

    # Any bytes: a log with a stray binary part (or the wrong file) still gets classified.
    text = source.read().decode("utf-8", errors="replace")
    click.echo(json.dumps(classify_text(text).to_dict(), sort_keys=True))
