"""Is our instance already there? Never launch a second one, never lose one that was won.

Two questions, asked before the first launch and after a launch whose outcome is unknown:
- State: an instance Terraform marked tainted (the launch was accepted, then the wait for
  RUNNING failed or was cut short) is looked at with a refresh. PROVISIONING, STARTING, RUNNING
  (or any state short of terminating): it is ours, untainted and kept. TERMINATING, TERMINATED
  or gone: it leaves the state and the loop goes on.
- The compartment (oci SDK, ListInstances): an instance that carries our freeform tag or our
  display name, is not terminated and is not in state was launched by us, but its result never
  reached state (crash, network error after the request). It is imported and kept.
A kept instance still PROVISIONING or STARTING is waited for until RUNNING.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from .engine.import_ import import_instance
from .engine.output import outputs
from .engine.refresh import refresh_only
from .engine.runner import Terraform
from .engine.state import StateInstance, forget_instance, state_instance, untaint
from .errors import ToolError
from .policy import Waiter
from .render import OWNERSHIP_TAG_KEY

if TYPE_CHECKING:
    from .cloud import Cloud
    from .oci_api import Instance

# Lifecycle states of an instance that is going or gone: never ours to keep.
GONE_STATES = ("TERMINATING", "TERMINATED")
STARTING_STATES = ("PROVISIONING", "STARTING")
RUNNING_POLL_SECONDS = 10
# PROVISIONING usually lasts a minute or two; after this the instance is kept as it is.
RUNNING_MAX_POLLS = 90


class Keeping(StrEnum):
    """How our instance came to be kept (the last two are also journal events)."""

    IN_STATE = "in_state"  # it was already there
    KEPT = "kept"  # was tainted: an unfinished launch did create it
    ADOPTED = "adopted"  # found in the compartment, imported


@dataclass(frozen=True)
class Kept:
    """Our instance, in state and untainted."""

    instance_id: str
    how: Keeping
    lifecycle_state: str | None


def is_ours(found: Instance, instance_name: str) -> bool:
    """A live instance carrying our name as its display name or as the value of our ownership tag.
    Another workdir's instance has another name, so it is never ours."""
    named = found.freeform_tags.get(OWNERSHIP_TAG_KEY) == instance_name or found.display_name == instance_name
    return named and found.lifecycle_state not in GONE_STATES


class Reconciler:
    def __init__(
        self, tf: Terraform, instance_name: str, waiter: Waiter,
        list_instances: Callable[[], list[Instance]], note: Callable[[str], None],
    ):
        self.tf = tf
        self.instance_name = instance_name
        self.waiter = waiter
        self.list_instances = list_instances
        self.note = note

    def from_state(self) -> Kept | None:
        """The instance in state if it is ours to keep; a tainted one that is gone leaves the state."""
        instance = state_instance(self.tf)
        if instance is None:
            return None
        if not instance.tainted:
            if outputs(self.tf).get("instance_id") == instance.id:
                return Kept(instance.id, Keeping.IN_STATE, instance.attributes.get("state"))
            # An apply cut short after the create (Ctrl-C): the outputs were never written.
            instance = self._refreshed()
            if instance is None:
                self.note("the instance in state no longer exists in OCI; launching again")
                return None
            return Kept(instance.id, Keeping.IN_STATE, instance.attributes.get("state"))
        instance = self._refreshed()  # drops a terminated or vanished instance, like the provider
        if instance is None:
            self.note("the instance of the unfinished launch no longer exists; launching again")
            return None
        lifecycle = instance.attributes.get("state")
        if lifecycle in GONE_STATES:
            forget_instance(self.tf)
            self.note(f"the instance of the unfinished launch is {lifecycle}; launching again")
            return None
        untaint(self.tf)
        self.note(f"the unfinished launch did create {instance.id} ({lifecycle}): keeping it")
        return Kept(instance.id, Keeping.KEPT, lifecycle)

    def find(self) -> Kept | None:
        """Ours, kept and RUNNING if it can be: from state first, else adopted from the compartment
        (from_state leaves the state without an instance whenever it finds none to keep)."""
        kept = self.from_state() or self.adopt()
        return kept and self.wait_until_running(kept)

    def adopt(self) -> Kept | None:
        """Import an instance of ours that exists in the compartment; the state holds none."""
        try:
            listed = self.list_instances()
        except ToolError as error:  # the API is unreachable: a launch would most likely fail too
            self.note(f"could not list the compartment's instances ({error}); not looking for one to adopt this time")
            return None
        ours = [found for found in listed if is_ours(found, self.instance_name)]
        if not ours:
            return None
        ours.sort(key=lambda found: found.time_created.timestamp() if found.time_created else float("inf"))
        chosen, others = ours[0], ours[1:]
        if others:
            self.note(f"{len(ours)} live instances carry the name or tag {self.instance_name!r}: adopting the oldest, "
                      f"{chosen.id}; check the others yourself: {', '.join(found.id for found in others)}")
        import_instance(self.tf, chosen.id, {})
        instance = self._refreshed()  # fills the outputs
        if instance is None:
            return None
        self.note(f"adopted {chosen.id} ({instance.attributes.get('state')}), launched earlier but missing from state")
        return Kept(chosen.id, Keeping.ADOPTED, instance.attributes.get("state"))

    def wait_until_running(self, kept: Kept) -> Kept | None:
        """Poll (through Terraform, which keeps state and outputs current) while it starts.
        None if it ended terminated; as last seen if the wait is interrupted or runs out."""
        polls = 0
        while kept.lifecycle_state in STARTING_STATES and polls < RUNNING_MAX_POLLS:
            if not self.waiter.wait(RUNNING_POLL_SECONDS):
                return kept
            polls += 1
            instance = self._refreshed()
            if instance is None or instance.attributes.get("state") in GONE_STATES:
                self.note(f"{kept.instance_id} ended {instance.attributes.get('state') if instance else 'TERMINATED'} "
                          "before it ran; launching again")
                if instance is not None:
                    forget_instance(self.tf)
                return None
            kept = Kept(kept.instance_id, kept.how, instance.attributes.get("state"))
        return kept

    def _refreshed(self) -> StateInstance | None:
        refresh_only(self.tf)
        return state_instance(self.tf)


def compartment_instances(cloud: Cloud, profile: str, compartment_id: str) -> list[Instance]:
    """ListInstances in the launch compartment, through the oci SDK and the cloud (for isolated.call:
    the SDK it imports stays out of the process that waits between attempts)."""
    with cloud.api(profile) as api:
        return api.list_instances(compartment_id)
