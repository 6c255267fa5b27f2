"""terraform show -json PLANFILE: refuse a saved plan that would delete or replace our instance,
or anything else the state keeps for it (the network NETWORK=create made, the reserved public IP).

Every apply the tool makes (launch, grow, start) goes through here first; only `destroy` may
delete them. Creating them (the first attempt) and updating them in place (the reserved IP moving
to a relaunched instance) pass. A replacement shows as actions ["delete", "create"] (or the reverse).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ToolError
from .import_ import INSTANCE_ADDRESS
from .runner import FLAG, Terraform, TerraformError, read_json


class DestructivePlan(ToolError):
    """The saved plan would delete or replace the instance; nothing was applied."""


class UnreadablePlan(TerraformError):
    """Terraform cannot read the saved plan (cut short by a crash): make it again."""


def show_plan_argv(tf: Terraform, plan_file: Path) -> list[str]:
    return tf.argv("show", str(plan_file), json=FLAG, no_color=FLAG)


def planned_actions(tf: Terraform, plan_file: Path) -> dict[str, tuple[str, ...]]:
    """What the saved plan does to each managed resource, by address, e.g. ("create",), ("update",)."""
    what = f"terraform show {plan_file.name}"
    try:
        run = tf.check(show_plan_argv(tf, plan_file), what)
    except TerraformError as error:
        raise UnreadablePlan(error.what, error.failure, error.run) from None
    return actions_of(read_json(run, what))


def actions_of(document: dict) -> dict[str, tuple[str, ...]]:
    """The managed resources' actions in a `terraform show -json PLANFILE` document (data sources are read, not kept)."""
    return {
        change.get("address"): tuple(change.get("change", {}).get("actions") or ())
        for change in document.get("resource_changes") or []
        if change.get("mode", "managed") == "managed"
    }


def refuse_destructive(tf: Terraform, plan_file: Path) -> tuple[str, ...]:
    """The plan's actions on the instance; DestructivePlan if the plan deletes anything, the instance first."""
    actions = planned_actions(tf, plan_file)
    deleted = first_deleted(actions)
    if deleted:
        what = "replace" if "create" in actions[deleted] else "delete"
        thing = "the instance" if deleted == INSTANCE_ADDRESS else "what the instance needs"
        raise DestructivePlan(
            f"refused to apply {plan_file.name}: it would {what} {thing} ({deleted}: "
            f"{', '.join(actions[deleted])}); nothing was changed in OCI. Undo the change to the module (an edited "
            "or added .tf file in the workdir, or a changed NETWORK or PUBLIC_IP), or run `coinpilot-tf destroy` "
            "if you mean to lose the instance"
        )
    return actions.get(INSTANCE_ADDRESS, ())


def first_deleted(actions: dict[str, tuple[str, ...]]) -> str | None:
    """The address of a resource the plan deletes or replaces (the instance before any other); None if none."""
    deleting = sorted(address for address, done in actions.items() if "delete" in done)
    if INSTANCE_ADDRESS in deleting:
        return INSTANCE_ADDRESS
    return deleting[0] if deleting else None
