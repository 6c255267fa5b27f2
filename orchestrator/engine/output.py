"""terraform output -json -> {name: value}; absent outputs (no instance yet) are simply missing."""

from __future__ import annotations

import json

from ..errors import ToolError
from .runner import FLAG, Terraform


def outputs(tf: Terraform) -> dict[str, object]:
    run = tf.run("output", json=FLAG)
    if not run.ok:
        raise ToolError(f"terraform output failed: {run.stderr.strip()[:300]}")
    return {name: item.get("value") for name, item in json.loads(run.stdout or "{}").items()}
