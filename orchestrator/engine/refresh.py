"""terraform apply -refresh-only: gives a new workdir a state holding the data sources.

Without it the first failed apply creates the state, which makes every saved plan
stale and costs each target one more plan (a GetSubnet call) on its next attempt.
"""

from __future__ import annotations

from .runner import FLAG, Terraform


def refresh_only_argv(tf: Terraform) -> list[str]:
    return tf.argv("apply", input=False, json=FLAG, refresh_only=FLAG, auto_approve=FLAG)


def refresh_only(tf: Terraform) -> None:
    tf.check(refresh_only_argv(tf), "terraform apply -refresh-only")
