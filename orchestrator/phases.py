"""The points of a run at which the cloud's phase hook is called (Cloud.reached): the crash points
of the fault-injection tests (simulator/kill_hook.py). Against OCI nothing happens at them."""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    RENDER = "render"  # the module was rendered
    INIT = "init"  # terraform init is done
    PLAN = "plan"  # a saved plan was made
    APPLY = "apply"  # in the simulated provider: OCI answered a LaunchInstance, Terraform has not heard yet
    JOURNAL = "journal"  # an attempt ended and is about to be journaled
    WAIT = "wait"  # the loop is about to wait for the next attempt
    UPDATE = "update"  # in the simulated provider: OCI accepted a START or a resize
