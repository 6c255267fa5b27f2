"""terraform destroy (python-terraform's destroy() adds -force, which Terraform 1.x rejects)."""

from __future__ import annotations

from .runner import FLAG, Run, Terraform


def destroy(tf: Terraform) -> Run:
    return tf.run("destroy", input=False, json=FLAG, auto_approve=FLAG)
