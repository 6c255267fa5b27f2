"""A launch whose state the shared backend could not take: Terraform left it in errored.tfstate.

Until the backend holds it, every run sharing the state may launch again: so it is written there
before anything else, and after such a launch the run waits for the backend (policy.POLLS) rather
than stop at once. --once leaves that to the next run.
"""

from __future__ import annotations

import os
import time
from enum import Enum, auto

from ..engine.runner import TerraformError
from ..engine.state import push_state
from ..failures import Category, Failure
from ..humanize import duration
from ..policy import POLLS, Poll
from .context import RunContext
from .endings import Endings, RetryOutcome

# What a state backend answers while it cannot take errored.tfstate yet.
_BACKEND_DOWN = (Category.BACKEND, Category.TRANSIENT, Category.LOCKED)


class Recovery(Enum):
    PUSHED = auto()  # the backend took errored.tfstate (or refused it for good: set aside)
    INTERRUPTED = auto()
    NOT_PUSHED = auto()  # nothing pending, --once, or the backend stayed down


class BackendRecovery:
    def __init__(self, context: RunContext, endings: Endings):
        self.context = context
        self.endings = endings

    def pending(self) -> bool:
        workdir = self.context.prepared.workdir
        return workdir.remote_state and workdir.errored_state.exists()

    def push_pending(self) -> RetryOutcome | None:
        """Before anything else: a pending errored.tfstate goes to the backend; the stop while the
        backend cannot take it yet."""
        if not self.pending():
            return None
        failure = self._push()
        if failure is None:
            return None
        return self.endings.stopped(
            Category.BACKEND,
            "errored.tfstate holds the state of an earlier launch and the "
            f"state backend cannot take it yet ({failure.message}); nothing "
            "was launched: run `coinpilot-tf retry` again once it is up",
        )

    def wait(self) -> Recovery:
        """The shared state could not record what this run changed: write errored.tfstate to it as
        soon as it is back, within the run."""
        if self.context.once or not self.pending():
            return Recovery.NOT_PUSHED
        backoff = POLLS[Poll.BACKEND_RECOVERY]
        self.context.events.note(
            "the state backend could not record the result: writing errored.tfstate to it as soon as it is "
            f"back (trying for up to {duration(backoff.within)})"
        )
        for wait in backoff.waits(self.context.clock):
            if not self.context.waiter.wait(wait):
                return Recovery.INTERRUPTED
            if self._push() is None:
                return Recovery.PUSHED
        return Recovery.NOT_PUSHED

    def note(self) -> str:
        """What a stop adds while errored.tfstate waits for the backend."""
        if not self.pending():
            return ""
        return (
            "; the state of the launch is saved in errored.tfstate, and the next `coinpilot-tf retry` writes it "
            "to the backend before anything else"
        )

    def _push(self) -> Failure | None:
        """Push errored.tfstate: None once the backend took it or refused it (the shared state moved
        on: set aside, and the instance is adopted from the compartment by its tag); the failure
        while the backend cannot take it yet."""
        errored = self.context.prepared.workdir.errored_state
        stamp = time.strftime("%Y%m%dT%H%M%S")
        try:
            push_state(self.context.tf, errored)
        except TerraformError as error:
            failure = error.failure
            if failure.category in _BACKEND_DOWN:
                return failure
            aside = errored.with_name(f"{errored.name}.refused-{stamp}")
            os.replace(errored, aside)
            self.context.events.note(
                f"the state backend refused errored.tfstate ({failure.message}); kept it as "
                f"{aside.name} and looking for the instance in the compartment instead"
            )
            return None
        os.replace(errored, errored.with_name(f"{errored.name}.pushed-{stamp}"))
        self.context.events.state_pushed()
        return None
