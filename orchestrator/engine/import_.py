"""terraform import: put an instance that exists in OCI under this workdir's state."""

from __future__ import annotations

from .runner import FLAG, Terraform

INSTANCE_ADDRESS = "oci_core_instance.this"


def import_instance_argv(tf: Terraform, instance_id: str, variables: dict[str, object]) -> list[str]:
    return tf.argv(
        "import",
        INSTANCE_ADDRESS,
        instance_id,
        input=False,
        no_color=FLAG,
        var=[f"{name}={value}" for name, value in sorted(variables.items())],
    )


def import_instance(tf: Terraform, instance_id: str, variables: dict[str, object]) -> None:
    tf.check(import_instance_argv(tf, instance_id, variables), "terraform import")
