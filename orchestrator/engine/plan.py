"""terraform plan -out: a saved plan per (AD, size), re-applied while the state is unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .import_ import INSTANCE_ADDRESS
from .runner import FLAG, Run, Terraform, read_json_lines


@dataclass(frozen=True)
class Plan:
    """What a saved plan does: each resource it changes, by address, and how ("create", "update",
    "replace", "delete"...; Terraform's `planned_change` messages)."""

    changes: dict[str, str]

    @classmethod
    def read(cls, run: Run) -> Plan:
        """From `plan -json`'s messages; TerraformError if one is not JSON."""
        messages = read_json_lines(run, "terraform plan")
        changes = (message.get("change") or {} for message in messages if message.get("type") == "planned_change")
        return cls({change.get("resource", {}).get("addr"): change.get("action") for change in changes})

    @property
    def creates_instance(self) -> bool:
        """Whether it creates the instance (and only that: not a replace, no no-op). Anything else
        means the state already holds one, put there by another run or machine."""
        return self.changes.get(INSTANCE_ADDRESS) == "create"


def plan_argv(tf: Terraform, plan_file: Path, variables: dict[str, object]) -> list[str]:
    return tf.argv(
        "plan",
        input=False,
        json=FLAG,
        out=str(plan_file),
        var=[f"{name}={value}" for name, value in sorted(variables.items())],
    )


def plan(tf: Terraform, plan_file: Path, variables: dict[str, object]) -> Plan:
    """A failed plan leaves no file behind (a half-written one would fail the next apply)."""
    try:
        return Plan.read(tf.check(plan_argv(tf, plan_file, variables), "terraform plan"))
    except BaseException:
        plan_file.unlink(missing_ok=True)
        raise
