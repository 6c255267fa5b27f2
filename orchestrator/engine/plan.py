"""terraform plan -out: a saved plan per (AD, size), re-applied while the state is unchanged."""

from __future__ import annotations

from pathlib import Path

from .runner import FLAG, Terraform


def plan_argv(tf: Terraform, plan_file: Path, variables: dict[str, object]) -> list[str]:
    return tf.argv(
        "plan", input=False, json=FLAG, out=str(plan_file),
        var=[f"{name}={value}" for name, value in sorted(variables.items())],
    )


def plan(tf: Terraform, plan_file: Path, variables: dict[str, object]) -> None:
    """A failed plan leaves no file behind (a half-written one would fail the next apply)."""
    try:
        tf.check(plan_argv(tf, plan_file, variables), "terraform plan")
    except BaseException:
        plan_file.unlink(missing_ok=True)
        raise
