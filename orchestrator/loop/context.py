"""What every part of one run works with, and the little that run learns as it goes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..engine.runner import Terraform
from ..journal import Journal
from ..launch_inputs import Prepared
from ..phases import Phase
from ..policy import Policy, Waiter
from ..reconcile import Reconciler
from ..render import Target
from ..run_events import RunEvents
from ..tenancy_gate import NO_GATE, Gate


@dataclass
class RunState:
    """The loop's only mutable state (besides the counts Policy and RunEvents keep)."""

    targets: list[Target] = field(default_factory=list)  # the current operation's, less dropped ADs
    interrupted: bool = False
    plans_without_launch: int = 0  # fresh plans in a row that found an instance in the state
    state_written: bool = False  # known to be written: plans can be saved against it
    lock_waits_told: int = 0  # the engine's state-lock waits already journaled with an attempt
    checked_plans: set[Path] = field(default_factory=set)  # saved plans refuse_destructive has passed


@dataclass(frozen=True)
class RunContext:
    """What every part of one run works with."""

    prepared: Prepared
    tf: Terraform
    policy: Policy
    waiter: Waiter
    events: RunEvents
    reconciler: Reconciler
    once: bool  # --once: one sweep, no waiting
    grow: bool  # `coinpilot-tf grow`: resize the won instance instead of launching
    clock: Callable[[], float]
    state: RunState
    gate: Gate = NO_GATE  # the tenancy's pacing shared with other targets (tenancy_gate.py)

    @property
    def settings(self) -> Settings:
        return self.prepared.settings

    @property
    def journal(self) -> Journal:
        return self.events.journal

    def reached(self, phase: Phase) -> None:
        """The cloud's phase hook: the fault-injection tests' crash points; nothing against OCI."""
        self.tf.cloud.reached(phase)
