"""After the win: start a stopped instance, grow a smaller one, record one OCI took back.

Each is an operation (operation.py) run through the same attempt loop as the launch.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import operation
from ..engine.output import outputs
from ..errors import ExitCode
from ..failures import AttemptOutcome
from ..journal import Event
from ..notify import Event as NotifyEvent
from ..operation import Operation
from ..reconcile import Kept
from ..render import render
from ..size import Size
from .context import RunContext
from .endings import Ending, Endings, RetryOutcome


class Lifecycle:
    def __init__(
        self,
        context: RunContext,
        endings: Endings,
        set_up: Callable[[Operation], RetryOutcome | None],
        attempts: Callable[[Operation], RetryOutcome],
    ):
        """set_up: render and init for an operation (an ending if init failed); attempts: its loop."""
        self.context = context
        self.endings = endings
        self.set_up = set_up
        self.attempts = attempts

    def after_win(self, outcome: RetryOutcome) -> RetryOutcome:
        """A smaller size won: say that `grow` can resize it, or go on into grow (GROW_AFTER_WIN)."""
        launch, settings = outcome.launch, self.context.settings
        wanted = settings.size_list()[0]
        if outcome.exit_code != ExitCode.OK or launch is None or launch.ocpus is None or launch.memory_gbs is None:
            return outcome
        current = Size.of(launch.ocpus, launch.memory_gbs)
        if not operation.smaller(current, wanted):
            return outcome
        if settings.grow_after_win:
            self.context.events.note(
                f"{outcome.message}; GROW_AFTER_WIN: resizing it to {wanted} now (the instance reboots)"
            )
            return self.grow(launch.instance_id, launch.availability_domain, current)
        return RetryOutcome(
            outcome.ending,
            f"{outcome.message}\nthe instance is {current}, smaller than the first "
            f"size {wanted}: `coinpilot-tf grow` resizes it in place (it reboots), or set "
            "GROW_AFTER_WIN=true to let `retry` do it",
            launch,
        )

    def grow_won(self, kept: Kept | None) -> RetryOutcome:
        """`coinpilot-tf grow`: resize the won instance to the first size, if it is smaller."""
        if kept is None:
            return RetryOutcome(
                Ending.STOPPED,
                "nothing to grow: the state holds no instance (or it was terminated); "
                "`coinpilot-tf retry` launches one",
            )
        values = outputs(self.context.tf)
        current = Size.of(values["ocpus"], values["memory_gbs"])
        wanted = self.context.settings.size_list()[0]
        if not operation.smaller(current, wanted):
            return RetryOutcome(
                Ending.UNCHANGED,
                f"nothing to grow: the instance is {current}, the first size is {wanted}",
                self.endings.launch_result(self.endings.recorded_attempts()),
            )
        return self.grow(kept.instance_id, str(values["availability_domain"]), current)

    def grow(self, instance_id: str, availability_domain: str, current: Size) -> RetryOutcome:
        settings, prepared = self.context.settings, self.context.prepared
        growing = operation.grow(instance_id, availability_domain, settings.size_list()[0])
        failed = self.set_up(growing)
        if failed:
            return failed
        if not self.context.once:
            wanted = growing.targets[0].size
            self.context.events.notify(
                NotifyEvent.GROWING,
                instance_name=settings.instance_name,
                current=(current.ocpus, current.memory_gbs),
                wanted=(wanted.ocpus, wanted.memory_gbs),
            )
        try:
            return self.attempts(growing)
        finally:
            # Back to the module every other command uses: shape_config ignored again.
            render(settings, growing.targets[0], prepared.ssh_public_key, prepared.workdir)

    def start(self, kept: Kept) -> RetryOutcome:
        """Start our instance that OCI or a user stopped."""
        events = self.context.events
        values = outputs(self.context.tf)
        if self._newly_stopped(kept.instance_id):
            self.context.journal.append(
                Event.INSTANCE_STOPPED, instance_id=kept.instance_id, lifecycle_state=kept.lifecycle_state
            )
            events.notify(NotifyEvent.STARTING, instance_id=kept.instance_id, lifecycle_state=str(kept.lifecycle_state))
        events.note(
            f"the instance {kept.instance_id} is {kept.lifecycle_state} (stopped by OCI or a user); starting it"
        )
        size = Size.of(values["ocpus"], values["memory_gbs"])
        return self.attempts(operation.start(kept.instance_id, str(values["availability_domain"]), size))

    def record_lost(self) -> None:
        """The won instance OCI no longer runs (the reconciler found it): journal it, forget its result."""
        reconciler = self.context.reconciler
        lost = reconciler.lost
        if lost is None:
            return
        reconciler.lost = None
        self.context.journal.append(
            Event.INSTANCE_GONE,
            instance_id=lost.instance_id,
            lifecycle_state=lost.lifecycle_state,
            reason=f"{lost.lifecycle_state.lower()} in OCI: terminated by OCI or a user; launching a new one",
        )
        self.context.prepared.workdir.launch_result.unlink(missing_ok=True)
        self.context.events.notify(
            NotifyEvent.INSTANCE_LOST, instance_id=lost.instance_id, lifecycle_state=lost.lifecycle_state
        )

    def _newly_stopped(self, instance_id: str) -> bool:
        """False while the journal already says this stop was seen (a scheduler's --once runs repeat it)."""
        for entry in reversed(list(self.context.journal.entries())):
            if entry.get("event") == Event.INSTANCE_STOPPED:
                return entry.get("instance_id") != instance_id
            if (
                entry.get("event") in (Event.STARTED, Event.DESTROY, Event.ALREADY_WON)
                or entry.get("category") == AttemptOutcome.SUCCESS
            ):
                return True
        return True
