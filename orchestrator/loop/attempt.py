"""One attempt: apply the target's saved plan (made, and checked, once per plan).

Each (AD, size) target gets a saved plan that is applied again and again while the state is
unchanged, so after the first attempt an attempt is one LaunchInstance (UpdateInstance, START)
call. Every saved plan is checked before its first apply: one that would delete or replace the
instance is refused (DestructivePlan). A fresh launch plan that creates nothing means another run
sharing the state won meanwhile (StateHasInstance).
"""

from __future__ import annotations

from pathlib import Path

from ..engine.apply import StalePlan, apply_plan
from ..engine.plan import plan
from ..engine.plan_safety import DestructivePlan, UnreadablePlan, refuse_destructive
from ..engine.refresh import refresh_only
from ..engine.runner import TerraformError
from ..engine.state import state_written
from ..errors import ToolError
from ..failures import Failure
from ..operation import Kind, Operation
from ..phases import Phase
from ..render import Target
from .context import RunContext


class StateHasInstance(Exception):
    """A fresh plan does not create the instance: another run sharing the state won it meanwhile."""


class PlanCache:
    """The saved plans of this workdir, one per target, each checked before its first apply in a run."""

    def __init__(self, context: RunContext):
        self.context = context

    def saved(self, op: Operation, target: Target) -> Path:
        """The target's plan, made if there is none and checked if this run has not yet (a saved
        plan never changes: once is enough). DestructivePlan if it would delete our instance."""
        plan_file = self.path(op, target)
        checked = self.context.state.checked_plans
        for _ in range(2):  # a plan Terraform cannot read (cut short by a crash) is made again, once
            if not plan_file.exists():
                checked.discard(plan_file)
                self._make(op, plan_file, target)
            if plan_file in checked:
                return plan_file
            try:
                refuse_destructive(self.context.tf, plan_file)
            except UnreadablePlan:
                plan_file.unlink(missing_ok=True)
                continue
            except DestructivePlan:
                plan_file.unlink(missing_ok=True)
                raise
            checked.add(plan_file)
            return plan_file
        raise ToolError(
            f"Terraform cannot read the plan it has just saved ({plan_file.name}); see `coinpilot-tf doctor`"
        )

    def path(self, op: Operation, target: Target) -> Path:
        return self.context.prepared.workdir.plan_file(target.availability_domain, op.plan_label(target))

    def forget(self) -> None:
        """The module, its values, the backend or the state changed under the saved plans."""
        for plan_file in self.context.prepared.workdir.path.glob("attempt-*.tfplan"):
            plan_file.unlink(missing_ok=True)

    def _make(self, op: Operation, plan_file: Path, target: Target) -> None:
        planned = plan(self.context.tf, plan_file, target.as_vars())
        # After a stale plan the new one tells whether another run sharing the state won meanwhile.
        if op.kind == Kind.LAUNCH and not planned.creates_instance:
            plan_file.unlink(missing_ok=True)
            raise StateHasInstance
        self.context.reached(Phase.PLAN)


def attempt(context: RunContext, plans: PlanCache, op: Operation, target: Target) -> Failure | None:
    """None if the operation went through, else what went wrong."""
    state = context.state
    try:
        if not state.state_written:
            state.state_written = state_written(context.tf)
        # So that the plans made now stay valid after the first apply. A module that creates its
        # network has no data source to read yet (Terraform refuses that empty refresh): its first
        # apply writes the state, with the network in it.
        if not state.state_written and not context.settings.creates_network:
            refresh_only(context.tf)
            state.state_written = True
        try:
            apply_plan(context.tf, plans.saved(op, target))
        except StalePlan:  # remade once, within the same attempt
            plans.path(op, target).unlink(missing_ok=True)
            apply_plan(context.tf, plans.saved(op, target))
    except TerraformError as error:
        return error.failure
    return None


def waited_for_state_lock(context: RunContext) -> bool:
    """Whether Terraform waited for the shared state's lock since the last attempt was journaled."""
    waits = context.tf.state_lock_waits
    waited = waits > context.state.lock_waits_told
    context.state.lock_waits_told = waits
    return waited
