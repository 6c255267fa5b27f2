"""terraform init, only when the module's requirements or the engine changed."""

from __future__ import annotations

import hashlib

from .runner import FLAG, Terraform

STAMP = ".init-stamp"
# The files whose content decides what init downloads.
INIT_INPUTS = ("versions.tf", "provider.tf")


def _fingerprint(tf: Terraform) -> str:
    digest = hashlib.sha256(f"{tf.engine.path}\n{tf.engine.version}\n".encode())
    for name in INIT_INPUTS:
        path = tf.workdir.path / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def init_argv(tf: Terraform) -> list[str]:
    return tf.argv("init", input=False, no_color=FLAG)


def init_if_needed(tf: Terraform) -> bool:
    """True if init ran. Not with dev_overrides: Terraform itself advises against init under them."""
    if tf.cloud.provider_overrides():
        return False
    stamp = tf.workdir.path / STAMP
    fingerprint = _fingerprint(tf)
    if stamp.exists() and stamp.read_text() == fingerprint:
        return False
    tf.check(init_argv(tf), "terraform init")
    stamp.write_text(fingerprint)
    return True
