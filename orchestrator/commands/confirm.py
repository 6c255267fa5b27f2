"""Confirmations (grow, destroy): asked at a terminal; without one, refused before anything changes."""

from __future__ import annotations

import sys

from ..errors import UsageError


def need_terminal(command: str, unchanged: str) -> None:
    """UsageError (exit 2) when stdin is no terminal: a prompt there would read a pipe or EOF."""
    if not sys.stdin.isatty():
        raise UsageError(command, f"no terminal to confirm on; pass --yes ({unchanged})")
