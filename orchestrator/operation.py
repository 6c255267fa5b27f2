"""What one run of the retry loop does to the instance: launch it, grow it, or start it.

The loop (loop/) is the same for all three: plan per target, apply, classify, decide, journal,
notify, wait. An operation supplies what differs: the targets, how the module is rendered, the
saved plans' names, when the instance counts as done, and the words for the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .errors import UsageError
from .render import Target
from .size import Size

if TYPE_CHECKING:
    from .instance import Instance


class Kind(StrEnum):
    LAUNCH = "launch"  # LaunchInstance: a new instance
    GROW = "grow"  # UpdateInstance with a larger shape_config (reboots the instance)
    START = "start"  # InstanceAction START: a stopped instance runs again


# Lifecycle states in which the instance in state needs a START.
STOPPED_STATES = ("STOPPED", "STOPPING")


@dataclass(frozen=True)
class Operation:
    kind: Kind
    targets: tuple[Target, ...]
    instance_id: str | None = None  # the instance a grow or start acts on

    @property
    def manage_size(self) -> bool:
        """Render shape_config as managed (out of ignore_changes): only a grow changes the size."""
        return self.kind == Kind.GROW

    def plan_label(self, target: Target) -> str:
        """The saved plan's name part: one plan per operation, AD and size."""
        return target.size.spec if self.kind == Kind.LAUNCH else f"{self.kind}-{target.size.spec}"

    def done(self, values: dict[str, Any]) -> bool:
        """Whether Terraform's outputs show the operation's goal reached."""
        if self.kind == Kind.LAUNCH:
            return bool(values.get("instance_id"))
        if self.kind == Kind.GROW:
            size = self.targets[0].size
            return (values.get("ocpus"), values.get("memory_gbs")) == (size.ocpus, size.memory_gbs)
        return values.get("state") == "RUNNING"

    @property
    def success_note(self) -> str:
        """The progress line of the attempt that succeeded."""
        return {
            Kind.LAUNCH: "won the instance",
            Kind.GROW: f"instance resized to {self.targets[0].size}",
            Kind.START: "instance started",
        }[self.kind]

    def success_message(self, attempts: int) -> str:
        noun = "attempt" if attempts == 1 else "attempts"
        return {
            Kind.LAUNCH: f"won the instance after {attempts} {noun}",
            Kind.GROW: f"instance resized to {self.targets[0].size} after {attempts} {noun}",
            Kind.START: f"instance started after {attempts} {noun}",
        }[self.kind]


def launch(sizes: tuple[Size, ...], availability_domains: tuple[str, ...]) -> Operation:
    """Largest size first, the ADs in turn for each."""
    return Operation(Kind.LAUNCH, tuple(Target(ad, size) for size in sizes for ad in availability_domains))


def grow(instance_id: str, availability_domain: str, size: Size) -> Operation:
    return Operation(Kind.GROW, (Target(availability_domain, size),), instance_id)


def start(instance_id: str, availability_domain: str, size: Size) -> Operation:
    return Operation(Kind.START, (Target(availability_domain, size),), instance_id)


def smaller(current: Size, wanted: Size) -> bool:
    """True when `wanted` is larger than `current` in one dimension and no smaller in the other."""
    return (
        wanted.ocpus >= current.ocpus
        and wanted.memory_gbs >= current.memory_gbs
        and (wanted.ocpus, wanted.memory_gbs) != (current.ocpus, current.memory_gbs)
    )


@dataclass(frozen=True)
class GrowRequest:
    """What `grow` would do, decided from the state alone (no call to OCI): resize, or nothing."""

    instance_id: str | None
    current: Size | None
    wanted: Size
    nothing_to_do: str | None = None  # why there is nothing to grow


def grow_request(instance: Instance | None, wanted: Size) -> GrowRequest:
    """UsageError when the first size would not make the instance larger."""
    if instance is None:
        return GrowRequest(
            None, None, wanted, "nothing to grow: the state holds no instance; `coinpilot-tf retry` launches one"
        )
    current = instance.size or Size(0, 0)
    if current == wanted:
        return GrowRequest(instance.id, current, wanted, f"nothing to grow: the instance is {current} already")
    if not smaller(current, wanted):
        raise UsageError(
            "--size",
            f"the first size {wanted} is not larger than the instance's {current}; grow only "
            "makes it larger: give the size you want first, e.g. --size 2:12 --size 1:6",
        )
    return GrowRequest(instance.id, current, wanted)
