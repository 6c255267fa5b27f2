"""terraform apply of a saved plan: after the first attempt, one LaunchInstance call each."""

from __future__ import annotations

from pathlib import Path

from .runner import FLAG, Run, Terraform

# Terraform 1.x prints these when the saved plan cannot be used: the state moved on since it was
# made, or the file was cut short (a crash while Terraform wrote it).
STALE_PLAN_MARKERS = ("saved plan is stale", "plan file was created with a different", "as a plan file")


def apply_plan(tf: Terraform, plan_file: Path) -> Run:
    return tf.run("apply", str(plan_file), input=False, json=FLAG)


def is_stale(run: Run) -> bool:
    text = run.output.lower()
    return any(marker in text for marker in STALE_PLAN_MARKERS)
