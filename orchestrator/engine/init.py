"""terraform init, only when the module's requirements, the backend or the engine changed.

A remote backend gets its settings here as partial configuration (-backend-config), always with
-reconfigure: moving a state between backends is `migrate_state`, asked for by the user.
"""

from __future__ import annotations

import hashlib

from .runner import FLAG, Terraform

STAMP = ".init-stamp"
# The files whose content decides what init downloads and which backend it configures.
INIT_INPUTS = ("versions.tf", "provider.tf", "backend.tf")

BackendConfig = tuple[tuple[str, str], ...]


def _fingerprint(tf: Terraform, backend_config: BackendConfig) -> str:
    digest = hashlib.sha256(f"{tf.engine.path}\n{tf.engine.version}\n".encode())
    for name in INIT_INPUTS:
        path = tf.workdir.path / name
        digest.update(path.read_bytes() if path.exists() else b"")
    for key, value in backend_config:
        digest.update(f"\n{key}={value}".encode())
    return digest.hexdigest()


def init_argv(tf: Terraform, backend_config: BackendConfig = ()) -> list[str]:
    if tf.workdir.remote_state:
        return tf.argv("init", input=False, no_color=FLAG, reconfigure=FLAG, backend_config=dict(backend_config))
    return tf.argv("init", input=False, no_color=FLAG)


def init_if_needed(tf: Terraform, backend_config: BackendConfig = ()) -> bool:
    """True if init ran. Not with dev_overrides and a state in the folder: Terraform itself
    advises against init under them (a remote backend needs it all the same)."""
    if tf.cloud.provider_overrides() and not tf.workdir.remote_state:
        return False
    stamp = tf.workdir.path / STAMP
    fingerprint = _fingerprint(tf, backend_config)
    if stamp.exists() and stamp.read_text() == fingerprint:
        return False
    argv = init_argv(tf, backend_config)
    # Two machines configuring a new backend at once race on creating its storage (pg: CREATE
    # TABLE IF NOT EXISTS is not atomic): a remote backend's init gets a second try.
    if not (tf.workdir.remote_state and tf.execute(argv).ok):
        tf.check(argv, "terraform init")
    stamp.write_text(fingerprint)
    return True


def migrate_state_argv(tf: Terraform, backend_config: BackendConfig) -> list[str]:
    return tf.argv(
        "init", input=False, no_color=FLAG, migrate_state=FLAG, force_copy=FLAG, backend_config=dict(backend_config)
    )


def migrate_state(tf: Terraform, backend_config: BackendConfig) -> None:
    """terraform init -migrate-state: copy the state to the backend the module now names."""
    tf.check(migrate_state_argv(tf, backend_config), "terraform init -migrate-state")
    (tf.workdir.path / STAMP).write_text(_fingerprint(tf, backend_config))
