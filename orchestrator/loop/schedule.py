"""The order of the attempts: the targets in rotation (largest size first, ADs in turn)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..render import Target
from .context import RunState

# Which of the targets still to try in this sweep goes next (all are tried, in some order).
Pick = Callable[[list[Target]], Target]


def in_order(pending: list[Target]) -> Target:
    return pending[0]


def schedule(state: RunState, *, once: bool, pick: Pick = in_order) -> Iterator[Target]:
    """The targets again and again, each time less those dropped meanwhile (state.targets is read
    afresh before each); --once makes one sweep. `pick` may reorder a sweep, never skip a target."""
    while state.targets:
        pending = list(state.targets)
        while pending := [target for target in pending if target in state.targets]:
            target = pick(pending)
            pending.remove(target)
            yield target
        if once:
            return
