"""`coinpilot-tf render --migrate-state`: move the workdir's state to the backend now configured.

Terraform does the move (`terraform init -migrate-state -force-copy`); before it, the target is
read from a scratch folder, and a target that already holds an instance is never overwritten
(that instance would drop out of every state while it keeps running).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from .engine.import_ import INSTANCE_ADDRESS
from .engine.init import BackendConfig, migrate_state
from .engine.runner import FLAG, Terraform, TerraformError
from .errors import ToolError, UsageError
from .render import BACKEND_FILE
from .workdir import Workdir


def move_state(tf: Terraform, backend: str, backend_config: BackendConfig) -> str:
    """Returns one line saying what moved; ToolError if Terraform could not, or would overwrite."""
    if not tf.workdir.remote_state:
        raise UsageError("--migrate-state", "set STATE_BACKEND (oci, s3 or pg) to the backend the state moves to")
    held = instance_in_backend(tf, backend_config)
    if held:
        raise ToolError(
            f"the {backend} backend already holds an instance ({held}); not overwriting it. If it is "
            "yours, this workdir needs no migration: run `coinpilot-tf retry` with the same settings"
        )
    migrate_state(tf, backend_config)
    return (
        f"moved the state to the {backend} backend; {tf.workdir.state.name} in the workdir is now empty "
        f"({tf.workdir.state.name}.backup keeps the old copy)"
    )


def instance_in_backend(tf: Terraform, backend_config: BackendConfig) -> str | None:
    """The id of the instance in the backend's state, read from a scratch folder holding only the
    backend block (init still installs the provider a state names)."""
    with tempfile.TemporaryDirectory(prefix="coinpilot-tf-target-") as scratch:
        workdir = Workdir(Path(scratch))
        (workdir.path / BACKEND_FILE).write_text((tf.workdir.path / BACKEND_FILE).read_text())
        reader = Terraform(tf.engine, workdir, tf.cloud)
        reader.write_cli_config()
        try:
            reader.check(
                reader.argv("init", input=False, no_color=FLAG, backend_config=dict(backend_config)), "terraform init"
            )
            pulled = reader.check(reader.argv("state pull"), "terraform state pull")
        except TerraformError as error:
            raise ToolError(
                f"cannot read the state backend ({error.failure.message}): check STATE_BACKEND_CONFIG "
                "and the backend's credentials"
            ) from None
    document = json.loads(pulled.stdout or "{}")
    for resource in document.get("resources", []):
        if f"{resource.get('type')}.{resource.get('name')}" == INSTANCE_ADDRESS and resource.get("mode") == "managed":
            for instance in resource.get("instances", []):
                return instance.get("attributes", {}).get("id")
    return None
