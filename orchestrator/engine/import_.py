"""terraform import: put an instance that exists in OCI under this workdir's state."""

from __future__ import annotations

from .runner import FLAG, Run, Terraform

INSTANCE_ADDRESS = "oci_core_instance.this"


def import_instance(tf: Terraform, instance_id: str, variables: dict[str, object]) -> Run:
    return tf.run(
        "import", INSTANCE_ADDRESS, instance_id, input=False, no_color=FLAG,
        var=[f"{name}={value}" for name, value in sorted(variables.items())],
    )
