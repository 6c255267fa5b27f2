"""Is our instance there? Asked before the first launch, and after a failure that may hide a success.

The answer comes from the reconciler (reconcile.py); here it becomes an ending, or None to go on.
"""

from __future__ import annotations

from collections.abc import Callable

from ..engine.output import outputs
from ..engine.refresh import refresh_only
from ..engine.runner import TerraformError
from ..operation import Kind, Operation
from ..reconcile import Keeping, Kept
from .backend import BackendRecovery
from .backend_wait import through_backend
from .context import RunContext
from .endings import Endings, RetryOutcome


class FindOurs:
    def __init__(
        self, context: RunContext, endings: Endings, backend: BackendRecovery, record_lost: Callable[[], None]
    ):
        """record_lost: journals the won instance the reconciler found gone (lifecycle.py)."""
        self.context = context
        self.endings = endings
        self.backend = backend
        self.record_lost = record_lost

    def find(self) -> tuple[RetryOutcome | None, Kept | None]:
        """(an ending due now, our instance if it exists): a pending errored.tfstate goes to the
        backend first; a stop or an interrupt meanwhile is the ending (the instance stays in state)."""
        outcome = self.backend.push_pending()
        if outcome:
            return outcome, None
        try:
            kept = through_backend(self.context, self.context.reconciler.find)
        except TerraformError as error:
            if self.context.state.interrupted:
                return self.endings.interrupted(Kind.GROW if self.context.grow else Kind.LAUNCH), None
            return self.endings.reconcile_failed(error), None
        self.record_lost()
        if kept is not None and self.context.state.interrupted:
            return self.endings.interrupted(Kind.GROW if self.context.grow else Kind.LAUNCH), kept
        return None, kept

    def look_for(self) -> RetryOutcome | None:
        """The ending if our instance exists (in state, tainted, or in the compartment); None to launch."""
        outcome, kept = self.find()
        if outcome or kept is None:
            return outcome
        return self.endings.kept(kept)

    def look_again(self, op: Operation) -> RetryOutcome | None:
        """After a failure that may hide a success: the ending if the operation is done after all."""
        if op.kind == Kind.LAUNCH:
            return self.look_for()
        try:
            refresh_only(self.context.tf)
        except TerraformError:
            return None  # the next attempt will tell
        if not op.done(outputs(self.context.tf)):
            return None
        self.context.events.note(f"the {op.kind} went through after all")
        return self.endings.done(op)

    def after_backend_recovery(self, op: Operation) -> RetryOutcome | None:
        """errored.tfstate reached the shared state: the ending if it holds the operation's result."""
        if op.kind != Kind.LAUNCH:
            return self.look_again(op)
        outcome, kept = self.find()
        if outcome or kept is None:
            return outcome
        # In the shared state now because this run wrote it there: this run's win, not another's.
        return self.endings.kept(Kept(kept.instance, Keeping.KEPT))
