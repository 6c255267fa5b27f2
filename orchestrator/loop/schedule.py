"""The order of the attempts: the targets in rotation (largest size first, ADs in turn)."""

from __future__ import annotations

from collections.abc import Iterator

from ..render import Target
from .context import RunState


def schedule(state: RunState, *, once: bool) -> Iterator[Target]:
    """The targets again and again, each time less those dropped meanwhile (state.targets is read
    afresh before each); --once makes one sweep."""
    while state.targets:
        for target in list(state.targets):
            if target in state.targets:
                yield target
        if once:
            return
