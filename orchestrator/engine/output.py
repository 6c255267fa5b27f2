"""terraform output -json -> {name: value}; absent outputs (no instance yet) are simply missing."""

from __future__ import annotations

from .runner import FLAG, Terraform, read_json


def outputs_argv(tf: Terraform) -> list[str]:
    return tf.argv("output", json=FLAG)


def outputs(tf: Terraform) -> dict[str, object]:
    run = tf.check(outputs_argv(tf), "terraform output")
    return {name: item.get("value") for name, item in read_json(run, "terraform output").items()}
