"""terraform output -json -> {name: value}; absent outputs (no instance yet) are simply missing."""

from __future__ import annotations

import json

from .runner import FLAG, Terraform


def outputs_argv(tf: Terraform) -> list[str]:
    return tf.argv("output", json=FLAG)


def outputs(tf: Terraform) -> dict[str, object]:
    run = tf.check(outputs_argv(tf), "terraform output")
    return {name: item.get("value") for name, item in json.loads(run.stdout or "{}").items()}
