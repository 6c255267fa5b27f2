"""terraform apply -refresh-only: gives a new workdir a state holding the data sources, and
brings the state's instance up to date with OCI.

Without it the first failed apply creates the state, which makes every saved plan
stale and costs each target one more plan (a GetSubnet call) on its next attempt.
"""

from __future__ import annotations

from .runner import FLAG, Terraform, TerraformError

# Terraform 1.11.4 refuses to apply a refresh-only plan that changes no resource and no output of
# the state while its plan still lists output changes: a module whose outputs wait for resources
# not created yet (NETWORK=create before its first apply), or a shared state another run has just
# written. The refresh found nothing to record; the state stays as it is.
NOTHING_TO_RECORD = "Cannot apply non-applyable plan"


def refresh_only_argv(tf: Terraform) -> list[str]:
    return tf.argv("apply", input=False, json=FLAG, refresh_only=FLAG, auto_approve=FLAG)


def refresh_only(tf: Terraform) -> None:
    try:
        tf.check(refresh_only_argv(tf), "terraform apply -refresh-only")
    except TerraformError as error:
        if NOTHING_TO_RECORD not in error.failure.raw:
            raise
