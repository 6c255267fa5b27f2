"""A Terraform command that must not be skipped (a look for our instance, recording the win),
waited for while the state backend is unreachable, rather than stopping the run."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..engine.runner import TerraformError
from ..failures import Category
from ..humanize import duration
from ..policy import POLLS, Poll
from .context import RunContext

T = TypeVar("T")


def through_backend(context: RunContext, call: Callable[[], T]) -> T:
    """call(), again after POLLS' BACKEND_RECOVERY waits while its error is the backend's; then
    that error. --once does not wait: the next run does it."""
    waits = POLLS[Poll.BACKEND_RECOVERY].waits(context.clock)
    while True:
        try:
            return call()
        except TerraformError as error:
            wait = None if context.once or error.failure.category != Category.BACKEND else next(waits, None)
            if wait is None:
                raise
            context.events.note(
                f"the state backend is unreachable ({error.failure.message}): trying again in "
                f"{duration(wait)}; check that it is up, and STATE_BACKEND_CONFIG / PG_CONN_STR"
            )
            if not context.waiter.wait(wait):
                raise
