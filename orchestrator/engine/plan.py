"""terraform plan -out: a saved plan per (AD, size), re-applied while the state is unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from .import_ import INSTANCE_ADDRESS
from .runner import FLAG, Run, Terraform


def plan_argv(tf: Terraform, plan_file: Path, variables: dict[str, object]) -> list[str]:
    return tf.argv(
        "plan",
        input=False,
        json=FLAG,
        out=str(plan_file),
        var=[f"{name}={value}" for name, value in sorted(variables.items())],
    )


def plan(tf: Terraform, plan_file: Path, variables: dict[str, object]) -> Run:
    """A failed plan leaves no file behind (a half-written one would fail the next apply)."""
    try:
        return tf.check(plan_argv(tf, plan_file, variables), "terraform plan")
    except BaseException:
        plan_file.unlink(missing_ok=True)
        raise


def creates_instance(run: Run) -> bool:
    """Whether a `plan -json` creates the instance (and only that: not a replace, no no-op).
    Anything else means the state already holds one, put there by another run or machine."""
    for line in run.stdout.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        change = message.get("change") if message.get("type") == "planned_change" else None
        if change and change.get("resource", {}).get("addr") == INSTANCE_ADDRESS:
            return change.get("action") == "create"
    return False
