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

# The block whose in-place change replaces the boot volume with the real provider.
BOOT_VOLUME_BLOCK = "source_details"


class DestructivePlan(ToolError):
    """The saved plan would delete or replace the instance; nothing was applied."""


class UnreadablePlan(TerraformError):
    """Terraform cannot read the saved plan (cut short by a crash): make it again."""


def show_plan_argv(tf: Terraform, plan_file: Path) -> list[str]:
    return tf.argv("show", str(plan_file), json=FLAG, no_color=FLAG)


def planned_changes(tf: Terraform, plan_file: Path) -> dict[str, dict]:
    """What the saved plan does to each managed resource, by address: its `change` (`actions`,
    `before`, `after`, `after_unknown`)."""
    what = f"terraform show {plan_file.name}"
    try:
        run = tf.check(show_plan_argv(tf, plan_file), what)
    except TerraformError as error:
        raise UnreadablePlan(error.what, error.failure, error.run) from None
    return changes_of(read_json(run, what))


def changes_of(document: dict) -> dict[str, dict]:
    """The managed resources' changes in a `terraform show -json PLANFILE` document (data sources are read, not kept)."""
    return {
        change.get("address"): change.get("change") or {}
        for change in document.get("resource_changes") or []
        if change.get("mode", "managed") == "managed"
    }


def actions_of(document: dict) -> dict[str, tuple[str, ...]]:
    return {address: tuple(change.get("actions") or ()) for address, change in changes_of(document).items()}


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
    """The plan's actions on the instance; DestructivePlan if the plan deletes anything (the instance
    first), or updates the instance in a way that replaces its boot volume (as bad: the disk is lost)."""
    changes = planned_changes(tf, plan_file)
    if replaces_boot_volume(changes.get(INSTANCE_ADDRESS, {})):
        raise DestructivePlan(
            f"refused to apply {plan_file.name}: it would replace the instance's boot volume "
            f"({INSTANCE_ADDRESS}.{BOOT_VOLUME_BLOCK} changes in place, e.g. another image); nothing was "
            "changed in OCI. Undo the change to the module (an edited or added .tf file in the workdir), or run "
            "`coinpilot-tf destroy` if you mean to lose the instance"
        )
    actions = {address: tuple(change.get("actions") or ()) for address, change in changes.items()}
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
