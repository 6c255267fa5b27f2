"""terraform output -json -> {name: value}; absent outputs (no instance yet) are simply missing."""

from __future__ import annotations

import json

from .runner import FLAG, Terraform


def outputs(tf: Terraform) -> dict[str, object]:
    run = tf.run("output", json=FLAG)
    if not run.ok:
        from .state import failed_to_read

        raise failed_to_read(tf, "output", run)
    return {name: item.get("value") for name, item in json.loads(run.stdout or "{}").items()}
