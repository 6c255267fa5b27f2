"""terraform apply of a saved plan: after the first attempt, one LaunchInstance call each."""

from __future__ import annotations

from pathlib import Path

from .runner import FLAG, Terraform, TerraformError

# Terraform 1.x prints these when the saved plan cannot be used: the state moved on since it was
# made, or the file was cut short (a crash while Terraform wrote it). "does not match the given
# state" (seen with 1.11.4): the plan was made on another state, e.g. the local one before
# `render --migrate-state` moved the workdir to a state backend.
STALE_PLAN_MARKERS = (
    "saved plan is stale",
    "plan file was created with a different",
    "as a plan file",
    "saved plan does not match the given state",
)


class StalePlan(TerraformError):
    """The saved plan cannot be applied any more: make it again."""


def apply_plan_argv(tf: Terraform, plan_file: Path) -> list[str]:
    return tf.argv("apply", str(plan_file), input=False, json=FLAG)


def apply_plan(tf: Terraform, plan_file: Path) -> None:
    try:
        tf.check(apply_plan_argv(tf, plan_file), "terraform apply")
    except TerraformError as error:
        text = error.run.output.lower() if error.run else ""
        if any(marker in text for marker in STALE_PLAN_MARKERS):
            raise StalePlan(error.what, error.failure, error.run) from None
        raise
