"""terraform show -json PLANFILE: refuse a saved plan that would delete or replace our instance.

Every apply the tool makes (launch, grow, start) goes through here first; only `destroy` may
delete the instance. A replacement shows as actions ["delete", "create"] (or the reverse).
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


def instance_actions(tf: Terraform, plan_file: Path) -> tuple[str, ...]:
    """What the saved plan does to our instance, e.g. ("create",), ("update",), ("no-op",)."""
    what = f"terraform show {plan_file.name}"
    try:
        run = tf.check(show_plan_argv(tf, plan_file), what)
    except TerraformError as error:
        raise UnreadablePlan(error.what, error.failure, error.run) from None
    document = read_json(run, what)
    for change in document.get("resource_changes") or []:
        if change.get("address") == INSTANCE_ADDRESS:
            return tuple(change.get("change", {}).get("actions") or ())
    return ()


def refuse_destructive(tf: Terraform, plan_file: Path) -> tuple[str, ...]:
    """The plan's actions on the instance; DestructivePlan if they include a delete."""
    actions = instance_actions(tf, plan_file)
    if "delete" in actions:
        what = "replace" if "create" in actions else "delete"
        raise DestructivePlan(
            f"refused to apply {plan_file.name}: it would {what} the instance ({INSTANCE_ADDRESS}: "
            f"{', '.join(actions)}); nothing was changed in OCI. Undo the change to the module (an edited "
            "or added .tf file in the workdir), or run `coinpilot-tf destroy` if you mean to lose the instance"
        )
    return actions
