"""LimitExceeded explained: what uses the tenancy's A1 allowance, in every compartment.

OCI answers LimitExceeded for three reasons users cannot tell apart from its message: the launch did
succeed (ours exists: reconcile adopts it), an A1 instance elsewhere in the tenancy uses the
allowance (another compartment, a forgotten box), or OCI still counts an instance terminated a
short while ago. Listing every compartment's A1 instances tells which: someone else's live one
is a stop that names it; none at all is a wait and a check again (the policy's `limit` rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .instance import Instance
from .oci_api import ApiError, Compartment
from .ownership import GONE_STATES, is_ours

if TYPE_CHECKING:
    from .cloud import Cloud


@dataclass(frozen=True)
class A1Instance:
    """An instance of an A1 shape, and the compartment it is in."""

    instance: Instance
    compartment: Compartment

    def described(self) -> str:
        found, compartment = self.instance, self.compartment
        size = found.size or "unknown size"
        return (
            f"{found.display_name} {found.id} in compartment {compartment.name} ({compartment.id}), "
            f"{size}, {found.lifecycle_state}"
        )


@dataclass(frozen=True)
class Explanation:
    """What the look found: one line per A1 instance, and the live ones that are not ours."""

    lines: tuple[str, ...]
    others: tuple[A1Instance, ...]

    @property
    def stop_reason(self) -> str | None:
        """Why retrying cannot help (None: nothing else uses the allowance)."""
        if not self.others:
            return None
        named = "; ".join(other.described() for other in self.others)
        return (
            f"OCI says LimitExceeded: the A1 allowance is used by {len(self.others)} instance(s) that are not ours: "
            f"{named}. Terminate what you do not need, or ask for a size that fits what is left (--size OCPUS:GB), "
            "then run `coinpilot-tf retry` again"
        )


def is_a1(found: Instance) -> bool:
    """VM.Standard.A1.Flex, BM.Standard.A1.160...: every shape that counts against the A1 limits."""
    return ".A1." in (found.shape or "")


def tenancy_a1_instances(cloud: Cloud, profile: str) -> list[A1Instance]:
    """Every A1 instance in every compartment the profile may read (the tenancy's root included),
    terminated ones as OCI still lists them; through the cloud's API (for in_child.call). A
    compartment the user may not list (404) is passed over: what it holds cannot be named anyway."""
    found = []
    with cloud.api(profile) as api:
        for compartment in api.tenancy_compartments():
            try:
                listed = api.list_instances(compartment.id)
            except ApiError as error:
                if error.status != 404:
                    raise
                continue
            found += [A1Instance(instance, compartment) for instance in listed if is_a1(instance)]
    return found


# Why LimitExceeded with nothing live in the tenancy is worth checking again.
STILL_COUNTED = "OCI can go on counting a terminated instance for a while (about an hour): nothing here to terminate"


def explain(found: list[A1Instance], instance_name: str) -> Explanation:
    """Lines for the user, and the live A1 instances that are someone else's."""
    if not found:
        return Explanation((f"no A1 instance in any compartment of the tenancy; {STILL_COUNTED}",), ())
    ours = [a1 for a1 in found if is_ours(a1.instance, instance_name)]
    others = tuple(a1 for a1 in found if a1.instance.lifecycle_state not in GONE_STATES and a1 not in ours)
    lines = tuple(f"A1 instance: {a1.described()}" + (" (ours)" if a1 in ours else "") for a1 in found)
    if not others and not ours:
        lines += (f"none of them is live; {STILL_COUNTED}",)
    return Explanation(lines, others)
