"""terraform fmt -check and validate: the rendered module must pass both."""

from __future__ import annotations

from .runner import FLAG, Run, Terraform


def fmt_check(tf: Terraform) -> Run:
    return tf.run("fmt", check=FLAG, diff=FLAG, no_color=FLAG)


def validate(tf: Terraform) -> Run:
    return tf.run("validate", json=FLAG)
