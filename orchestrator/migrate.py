"""`coinpilot-tf render --migrate-state`: move the workdir's state to the backend now configured.

Terraform does the move (`terraform init -migrate-state -force-copy`); before it, the target is
read from a scratch folder, and a target that already holds an instance is never overwritten
(that instance would drop out of every state while it keeps running).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .engine.init import BackendConfig, init_if_needed, migrate_state
from .engine.runner import Terraform, TerraformError
from .engine.state import pulled_instance_id
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
            init_if_needed(reader, backend_config)
            return pulled_instance_id(reader)
        except TerraformError as error:
            raise ToolError(
                f"cannot read the state backend ({error.failure.message}): check STATE_BACKEND_CONFIG "
                "and the backend's credentials"
            ) from None
