"""terraform destroy (python-terraform's destroy() adds -force, which Terraform 1.x rejects)."""

from __future__ import annotations

from .runner import FLAG, Terraform


def destroy_argv(tf: Terraform) -> list[str]:
    return tf.argv("destroy", input=False, json=FLAG, auto_approve=FLAG)


def destroy(tf: Terraform) -> None:
    tf.check(destroy_argv(tf), "terraform destroy")
