"""terraform plan -refresh-only, then show -json: the compartment's instances (ListInstances), as
the module's data.oci_core_instances reads them now.

A plan only: nothing is written, neither the state nor OCI. Applying such a plan is no way to keep
the answer: once the outputs change (a launch whose result was lost), Terraform 1.11.4 refuses it
("Cannot apply non-applyable plan"). And no oci SDK: reconcile.py used to import it in a child
Python for this one call, which cost more than both Terraform commands together.
"""

from __future__ import annotations

from ..instance import Instance
from .plan_safety import show_plan_argv
from .runner import FLAG, Terraform, read_json

# The module's data source (terraform/main.tf.j2).
LISTED_INSTANCES = "data.oci_core_instances.in_compartment"
# The refresh-only plan, in the workdir until it is read.
LISTING_PLAN = "listing.tfplan"


def listing_plan_argv(tf: Terraform) -> list[str]:
    # -lock=false: it only reads, so it never waits behind another run's launch on a shared state.
    return tf.argv(
        "plan", input=False, json=FLAG, refresh_only=FLAG, lock=False, out=str(tf.workdir.path / LISTING_PLAN)
    )


def listed_instances(tf: Terraform) -> list[Instance]:
    """Every instance OCI lists in the launch compartment, ours or not, terminated ones included."""
    plan_file = tf.workdir.path / LISTING_PLAN
    try:
        tf.check(listing_plan_argv(tf), "terraform plan -refresh-only")
        shown = read_json(tf.check(show_plan_argv(tf, plan_file), "terraform show"), "terraform show")
    finally:
        plan_file.unlink(missing_ok=True)
    resources = ((shown.get("prior_state") or {}).get("values") or {}).get("root_module", {}).get("resources", [])
    for resource in resources:
        if resource.get("address") == LISTED_INSTANCES:
            return [Instance.from_state(listed) for listed in (resource.get("values") or {}).get("instances") or []]
    return []
