"""terraform show -json PLANFILE: refuse a saved plan that would delete or replace our instance.

Every apply the tool makes (launch, grow, start) goes through here first; only `destroy` may
delete the instance. A replacement shows as actions ["delete", "create"] (or the reverse).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ToolError
from .import_ import INSTANCE_ADDRESS
from .runner import FLAG, Terraform, TerraformError, read_json

# The block whose in-place change replaces the boot volume with the real provider.
BOOT_VOLUME_BLOCK = "source_details"


class DestructivePlan(ToolError):
    """The saved plan would delete or replace the instance; nothing was applied."""


class UnreadablePlan(TerraformError):
    """Terraform cannot read the saved plan (cut short by a crash): make it again."""


def show_plan_argv(tf: Terraform, plan_file: Path) -> list[str]:
    return tf.argv("show", str(plan_file), json=FLAG, no_color=FLAG)


def instance_change(tf: Terraform, plan_file: Path) -> dict:
    """The saved plan's change to our instance: `actions` (e.g. ["create"], ["update"], ["no-op"]),
    `before`, `after`, `after_unknown`."""
    what = f"terraform show {plan_file.name}"
    try:
        run = tf.check(show_plan_argv(tf, plan_file), what)
    except TerraformError as error:
        raise UnreadablePlan(error.what, error.failure, error.run) from None
    document = read_json(run, what)
    for change in document.get("resource_changes") or []:
        if change.get("address") == INSTANCE_ADDRESS:
            return change.get("change") or {}
    return {}


def replaces_boot_volume(change: dict) -> bool:
    """An in-place update the real provider carries out by replacing the boot volume: any change
    to `source_details` (oracle/terraform-provider-oci sends it as UpdateInstance's
    sourceDetails, UpdateInstanceSourceViaImageDetails, which swaps the boot volume)."""
    if "update" not in (change.get("actions") or ()):
        return False
    before = _block(change.get("before"))
    after = _block(change.get("after"))
    unknown = _block(change.get("after_unknown"))
    changed = any(before.get(name) != value for name, value in after.items())
    return changed or any(value is True and name not in after for name, value in unknown.items())


def _block(values: object) -> dict:
    block = values.get(BOOT_VOLUME_BLOCK) if isinstance(values, dict) else None
    first = block[0] if isinstance(block, list) and block else block
    return first if isinstance(first, dict) else {}


def refuse_destructive(tf: Terraform, plan_file: Path) -> tuple[str, ...]:
    """The plan's actions on the instance; DestructivePlan if they include a delete, or an
    update that replaces the boot volume (as bad: the disk and everything on it is lost)."""
    change = instance_change(tf, plan_file)
    actions = tuple(change.get("actions") or ())
    if replaces_boot_volume(change):
        raise DestructivePlan(
            f"refused to apply {plan_file.name}: it would replace the instance's boot volume "
            f"({INSTANCE_ADDRESS}.{BOOT_VOLUME_BLOCK} changes in place, e.g. another image); nothing was "
            "changed in OCI. Undo the change to the module (an edited or added .tf file in the workdir), or run "
            "`coinpilot-tf destroy` if you mean to lose the instance"
        )
    if "delete" in actions:
        what = "replace" if "create" in actions else "delete"
        raise DestructivePlan(
            f"refused to apply {plan_file.name}: it would {what} the instance ({INSTANCE_ADDRESS}: "
            f"{', '.join(actions)}); nothing was changed in OCI. Undo the change to the module (an edited "
            "or added .tf file in the workdir), or run `coinpilot-tf destroy` if you mean to lose the instance"
        )
    return actions
