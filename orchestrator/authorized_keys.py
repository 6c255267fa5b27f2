"""SSH public key lines as an instance's `ssh_authorized_keys` holds them: read, compared, fingerprinted.

Pure text: a key is its type and base64 blob; the comment after them is a label, never part of
the comparison. SSH_AUTHORIZED_KEYS_FILE (more keys to put on the instance) is read here too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path
from typing import Any

from .errors import UsageError

FIELD = "SSH_AUTHORIZED_KEYS_FILE"
# A file of public keys is a few kB; one much larger is not one.
FILE_MAX_BYTES = 256 * 1024


def key_lines(text: str | None) -> tuple[str, ...]:
    """The key lines of an authorized_keys text: blank lines and # comments left out."""
    lines = (line.strip() for line in (text or "").splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def identity(line: str) -> tuple[str, str] | None:
    """(type, base64 blob) of a public key line; None if the line is not one (the blob must name
    its own type, as every OpenSSH public key's does)."""
    parts = line.split()
    if len(parts) < 2:
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    length = int.from_bytes(blob[:4], "big")
    if len(blob) < 4 + length or blob[4 : 4 + length].decode(errors="replace") != parts[0]:
        return None
    return parts[0], parts[1]


def fingerprint(line: str) -> str:
    """SHA256:<base64>, as `ssh-keygen -l` prints it."""
    known = identity(line)
    if known is None:
        return "not a public key"
    digest = hashlib.sha256(base64.b64decode(known[1])).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def described(line: str) -> str:
    """The fingerprint, and the key's comment (often its file and machine) when it has one."""
    comment = " ".join(line.split()[2:])
    return f"{fingerprint(line)} ({comment})" if comment else fingerprint(line)


def among(line: str, lines: tuple[str, ...]) -> bool:
    key = identity(line)
    return key is not None and key in {identity(other) for other in lines}


def parse_file(name: str, raw: Any) -> Path:
    """SSH_AUTHORIZED_KEYS_FILE: a readable file of public key lines (one a line, # comments)."""
    path = Path(str(raw)).expanduser()
    for number, line in enumerate(read_file(path, name), start=1):
        if identity(line) is None:
            raise UsageError(
                name,
                f"{path}: key {number} is not an SSH public key line ('<type> <base64> [comment]', like a .pub "
                "file's); fix or remove that line",
            )
    return path


def read_file(path: Path, name: str = FIELD) -> tuple[str, ...]:
    try:
        if not path.is_file():
            raise UsageError(name, f"{path} is not a file; point {name} at a file of public keys, one a line")
        if path.stat().st_size > FILE_MAX_BYTES:
            raise UsageError(name, f"{path} is too large for a list of public keys; give one key a line")
        return key_lines(path.read_text())
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error.__class__.__name__
        raise UsageError(name, f"cannot read {path} ({reason}); make it a readable file of public keys") from None
