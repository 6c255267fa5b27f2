"""terraform init, only when the module's requirements or the engine changed."""

from __future__ import annotations

import hashlib

from .runner import FLAG, Run, Terraform

STAMP = ".init-stamp"
# The files whose content decides what init downloads.
INIT_INPUTS = ("versions.tf", "provider.tf")


def _fingerprint(tf: Terraform) -> str:
    digest = hashlib.sha256(f"{tf.engine.path}\n{tf.engine.version}\n".encode())
    for name in INIT_INPUTS:
        path = tf.workdir.path / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def init_if_needed(tf: Terraform) -> Run | None:
    """Returns the run, or None when nothing changed. The simulator needs no init
    (Terraform itself advises against init under dev_overrides)."""
    if tf.simulated:
        return None
    stamp = tf.workdir.path / STAMP
    fingerprint = _fingerprint(tf)
    if stamp.exists() and stamp.read_text() == fingerprint:
        return None
    run = tf.run("init", input=False, no_color=FLAG)
    if run.ok:
        stamp.write_text(fingerprint)
    return run
