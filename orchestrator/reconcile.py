"""Is our instance already there? Never launch a second one, never lose one that was won.

Two questions, asked before the first launch and after a launch whose outcome is unknown:
- State: the instance in state is refreshed. A won one that OCI has terminated (Oracle took it
  back, or a user in the console) leaves the state, recorded in `lost`, and a new one is
  launched; a stopped one is kept (the loop starts it). An instance Terraform marked tainted (the launch was accepted, then the wait for
  RUNNING failed or was cut short) is looked at with a refresh. PROVISIONING, STARTING, RUNNING
  (or any state short of terminating): it is ours, untainted and kept. TERMINATING, TERMINATED
  or gone: it leaves the state and the loop goes on.
- The compartment (ListInstances: the module's oci_core_instances data source, in a refresh-only plan):
  an instance that carries our freeform tag or our display name, is not terminated and is not in
  state was launched by us, but its result never reached state (crash, network error after the
  request). It is imported and kept.
A kept instance still PROVISIONING or STARTING is waited for until RUNNING.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from .engine.import_ import import_instance
from .engine.listing import listed_instances
from .engine.refresh import refresh_only
from .engine.runner import Terraform, TerraformError
from .engine.state import forget_instance, state_instance, untaint
from .failures import Category
from .instance import Instance
from .ownership import GONE_STATES, ours_oldest_first
from .policy import POLLS, Poll, Waiter

if TYPE_CHECKING:
    from .failures import Failure
    from .workdir import Workdir

# Where Terraform puts a state it could not save, and the words it says so with.
ERRORED_STATE = "errored.tfstate"
_ERRORED_WRITTEN = re.compile(r'written\s+to\s+the\s+file\s+\\?"errored\.tfstate', re.IGNORECASE)
_CREATE_STARTED = re.compile(r"\boci_core_instance\.\w+: Creating\.\.\.")
_INSTANCE_OCID = re.compile(r"\bocid1\.instance\.[a-z0-9.-]*\.[a-z0-9]+", re.IGNORECASE)
STARTING_STATES = ("PROVISIONING", "STARTING")
# Failures of the compartment's listing that come from OCI's API or the network to it.
API_FAILURES = (Category.THROTTLE, Category.TRANSIENT, Category.AUTH, Category.INVALID, Category.UNAVAILABLE)


class Keeping(StrEnum):
    """How our instance came to be kept (the last two are also journal events)."""

    IN_STATE = "in_state"  # it was already there
    KEPT = "kept"  # was tainted: an unfinished launch did create it
    ADOPTED = "adopted"  # found in the compartment, imported


@dataclass(frozen=True)
class Kept:
    """Our instance, in state and untainted, as last refreshed; and how it came to be kept."""

    instance: Instance
    how: Keeping

    @property
    def instance_id(self) -> str:
        return self.instance.id

    @property
    def lifecycle_state(self) -> str | None:
        return self.instance.lifecycle_state


@dataclass(frozen=True)
class Lost:
    """The won instance in state that OCI no longer runs: terminated, or gone altogether."""

    instance_id: str
    lifecycle_state: str  # TERMINATING, TERMINATED, or "gone" when OCI no longer knows it


class Reconciler:
    def __init__(self, tf: Terraform, instance_name: str, waiter: Waiter, note: Callable[[str], None]):
        self.tf = tf
        self.instance_name = instance_name
        self.waiter = waiter
        self.note = note
        self.lost: Lost | None = None  # set when from_state finds the won instance terminated

    def from_state(self) -> Kept | None:
        """The instance in state if it is ours to keep; a tainted one that is gone leaves the state."""
        instance = state_instance(self.tf)
        if instance is None:
            return None
        if not instance.tainted:
            # Refreshed every time: Oracle (or a user) may have stopped or terminated it since, and
            # an apply cut short after the create (Ctrl-C) never wrote the outputs.
            known_id = instance.id
            instance = self._refreshed()
            lifecycle = instance.lifecycle_state if instance else None
            if instance is None or lifecycle in GONE_STATES:
                if instance is not None:
                    forget_instance(self.tf)
                # The provider drops a TERMINATED instance from state on refresh: ask OCI what it was.
                self.lost = Lost(known_id, lifecycle or self._listed_state(known_id))
                self.note(
                    f"our instance {known_id} is {self.lost.lifecycle_state.lower()} in OCI (terminated by OCI "
                    "or a user): it leaves the state and a new one is launched"
                )
                return None
            return Kept(instance, Keeping.IN_STATE)
        instance = self._refreshed()  # drops a terminated or vanished instance, like the provider
        if instance is None:
            self.note("the instance of the unfinished launch no longer exists; launching again")
            return None
        lifecycle = instance.lifecycle_state
        if lifecycle in GONE_STATES:
            forget_instance(self.tf)
            self.note(f"the instance of the unfinished launch is {lifecycle}; launching again")
            return None
        untaint(self.tf)
        self.note(f"the unfinished launch did create {instance.id} ({lifecycle}): keeping it")
        return Kept(dataclasses.replace(instance, tainted=False), Keeping.KEPT)

    def find(self) -> Kept | None:
        """Ours, kept and RUNNING if it can be: from state first, else adopted from the compartment
        (from_state leaves the state without an instance whenever it finds none to keep)."""
        kept = self.from_state() or self.adopt()
        return kept and self.wait_until_running(kept)

    def adopt(self) -> Kept | None:
        """Import an instance of ours that exists in the compartment; the state holds none."""
        try:
            listed = listed_instances(self.tf)
        except TerraformError as error:
            # The API's answer: the attempt's own refresh or plan meets it too, and the policy decides.
            # Anything else (a full disk, a lost backend, an interrupt) ends here, before any launch.
            if self.tf.interrupted or error.failure.category not in API_FAILURES:
                raise
            self.note(f"could not list the compartment's instances ({error}); not looking for one to adopt this time")
            return None
        ours = ours_oldest_first(listed, self.instance_name)
        if not ours:
            return None
        chosen, others = ours[0], ours[1:]
        if others:
            self.note(
                f"{len(ours)} live instances carry the name or tag {self.instance_name!r}: adopting the oldest, "
                f"{chosen.id}; check the others yourself: {', '.join(found.id for found in others)}"
            )
        try:
            import_instance(self.tf, chosen.id, {})
        except TerraformError:
            # With a shared state, another run may have recorded it meanwhile (its launch or import).
            recorded = self.from_state()
            if recorded is None:
                raise
            return recorded
        instance = self._refreshed()  # fills the outputs
        if instance is None:
            return None
        self.note(f"adopted {chosen.id} ({instance.lifecycle_state}), launched earlier but missing from state")
        return Kept(instance, Keeping.ADOPTED)

    def wait_until_running(self, kept: Kept) -> Kept | None:
        """Poll (through Terraform, which keeps state and outputs current) while it starts.
        None if it ended terminated; as last seen if the wait is interrupted or runs out."""
        for wait in POLLS[Poll.UNTIL_RUNNING].waits():
            if kept.lifecycle_state not in STARTING_STATES:
                break
            if not self.waiter.wait(wait):
                return kept
            instance = self._refreshed()
            if instance is None or instance.lifecycle_state in GONE_STATES:
                self.note(
                    f"{kept.instance_id} ended {instance.lifecycle_state if instance else 'TERMINATED'} "
                    "before it ran; launching again"
                )
                if instance is not None:
                    forget_instance(self.tf)
                return None
            kept = Kept(instance, kept.how)
        return kept

    def _listed_state(self, instance_id: str) -> str:
        """The lifecycle state the compartment lists for the instance; "gone" if it is not listed."""
        try:
            listed = listed_instances(self.tf)
        except TerraformError:
            return "gone"
        return next((found.lifecycle_state for found in listed if found.id == instance_id), "gone")

    def _refreshed(self) -> Instance | None:
        refresh_only(self.tf)
        return state_instance(self.tf)


def unsaved_launch(workdir: Workdir, failure: Failure) -> str:
    """One line after Terraform could not save its state: where the instance is, how to recover.

    Retrying would launch a second instance, so the loop stops here; the next `retry` adopts it
    from the compartment before any launch (or the user pushes Terraform's own copy back).
    """
    found = _INSTANCE_OCID.search(failure.raw)
    if found:
        what = f"OCI launched {found.group(0)}"
    elif _CREATE_STARTED.search(failure.raw):
        what = "the launch may have gone through"
    else:
        return (
            f"Terraform could not save its state ({failure.message or failure.first_line}); nothing was "
            f"launched. Fix {workdir.path} (free space, make it writable, remove what is in the way), "
            "then run `coinpilot-tf retry` again"
        )
    errored = _ERRORED_WRITTEN.search(failure.raw)
    kept = f"Terraform kept the new state in {workdir.path / ERRORED_STATE}" if errored else "no file holds it"
    push = (
        f"; or first put Terraform's copy back with `coinpilot-tf terraform state push {ERRORED_STATE}`"
        if errored
        else ""
    )
    return (
        f"Terraform could not save its state ({failure.message or failure.first_line}): {what} and {kept}. "
        f"Fix {workdir.path} (free space, make it writable, remove what is in the way), then run "
        f"`coinpilot-tf retry`: it adopts the instance instead of launching another{push}"
    )
