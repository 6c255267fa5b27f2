"""terraform init, only when the module's requirements, the backend or the engine changed.

A remote backend gets its settings here as partial configuration (-backend-config), always with
-reconfigure: moving a state between backends is `migrate_state`, asked for by the user.
"""

from __future__ import annotations

import hashlib

from .runner import FLAG, Run, Terraform

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


def init_if_needed(tf: Terraform, backend_config: BackendConfig = ()) -> Run | None:
    """Returns the run, or None when nothing changed. A simulated workdir with its state in the
    folder needs no init (Terraform itself advises against init under dev_overrides)."""
    if tf.simulated and not tf.workdir.remote_state:
        return None
    stamp = tf.workdir.path / STAMP
    fingerprint = _fingerprint(tf, backend_config)
    if stamp.exists() and stamp.read_text() == fingerprint:
        return None
    options = {"reconfigure": FLAG, "backend_config": dict(backend_config)} if tf.workdir.remote_state else {}
    run = tf.run("init", input=False, no_color=FLAG, **options)
    if not run.ok and tf.workdir.remote_state:
        # Two machines configuring a new backend at once race on creating its storage (pg:
        # CREATE TABLE IF NOT EXISTS is not atomic); the second try finds it made.
        run = tf.run("init", input=False, no_color=FLAG, **options)
    if run.ok:
        stamp.write_text(fingerprint)
    return run


def migrate_state(tf: Terraform, backend_config: BackendConfig) -> Run:
    """terraform init -migrate-state: copy the state to the backend the module now names."""
    run = tf.run("init", input=False, no_color=FLAG, migrate_state=FLAG, force_copy=FLAG,
                 backend_config=dict(backend_config))
    if run.ok:
        (tf.workdir.path / STAMP).write_text(_fingerprint(tf, backend_config))
    return run
