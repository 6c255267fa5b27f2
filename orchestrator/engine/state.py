"""What the state holds: terraform show -json; untaint a kept instance, forget a terminated one."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..errors import ToolError
from .import_ import INSTANCE_ADDRESS
from .runner import FLAG, Run, Terraform


@dataclass(frozen=True)
class StateInstance:
    id: str
    tainted: bool
    attributes: dict


def state_instance(tf: Terraform) -> StateInstance | None:
    if not tf.workdir.state.exists():
        return None
    run = tf.run("show", json=FLAG)
    if not run.ok:
        raise failed_to_read(tf, "show", run)
    document = json.loads(run.stdout or "{}")
    for resource in document.get("values", {}).get("root_module", {}).get("resources", []):
        if resource.get("address") == INSTANCE_ADDRESS:
            values = resource.get("values") or {}
            return StateInstance(values.get("id", ""), bool(resource.get("tainted")), values)
    return None


def failed_to_read(tf: Terraform, command: str, run: Run) -> ToolError:
    """One line for a read-only command that failed; a damaged state says what repairs it."""
    from ..failures import classify

    failure = classify(run.output)
    what = " ".join(" ".join(part.split()) for part in (failure.message, _detail(run.output)) if part)
    if "state file" in " ".join(run.output.split()).lower():
        return ToolError(f"Terraform cannot read the state {tf.workdir.state} ({what}); run `coinpilot-tf retry`: "
                         "it sets a damaged state aside, goes back to terraform.tfstate.backup and finds the instance again")
    return ToolError(f"terraform {command} failed: {what or 'no error text'}")


def _detail(output: str) -> str:
    """The paragraph after Terraform's first "Error:" line, colours and box prefixes removed."""
    lines = [line.lstrip("│╷╵ ").strip() for line in re.sub(r"\x1b\[[0-9;]*[a-zA-Z]", "", output).splitlines()]
    try:
        start = next(number for number, line in enumerate(lines) if line.startswith("Error:")) + 1
    except StopIteration:
        return ""
    paragraph = []
    for line in lines[start:]:
        if not line and paragraph:
            break
        if line:
            paragraph.append(line)
    return " ".join(paragraph)


def untaint(tf: Terraform) -> Run:
    return tf.run("untaint", INSTANCE_ADDRESS, no_color=FLAG)


def forget_instance(tf: Terraform) -> Run:
    """terraform state rm: the instance is terminating, nothing is left to destroy or keep."""
    return tf.run("state", "rm", INSTANCE_ADDRESS)
