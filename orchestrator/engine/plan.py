"""terraform plan -out: a saved plan per (AD, size), re-applied while the state is unchanged."""

from __future__ import annotations

from pathlib import Path

from .runner import FLAG, Run, Terraform


def plan(tf: Terraform, plan_file: Path, variables: dict[str, object]) -> Run:
    return tf.run(
        "plan", input=False, json=FLAG, out=str(plan_file),
        var=[f"{name}={value}" for name, value in sorted(variables.items())],
    )


def plan_changes(tf: Terraform) -> Run:
    """-detailed-exitcode: 0 no changes, 2 changes, 1 error."""
    return tf.run("plan", input=False, no_color=FLAG, detailed_exitcode=FLAG)
