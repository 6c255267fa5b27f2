"""The SSH key pair the instance is launched with: created once, then reused and checked."""

import base64
import os
import socket
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from orchestrator.errors import UsageError

FIELD = "SSH key"
FOLDER_MODE = 0o700
PRIVATE_MODE = 0o600
PUBLIC_MODE = 0o644
OPENSSH_PRIVATE_HEADER = b"-----BEGIN OPENSSH PRIVATE KEY-----"
OPENSSH_KEY_MAGIC = b"openssh-key-v1\0"
# An RSA 16384-bit key in PEM is about 13 kB: anything much larger is not a key.
KEY_FILE_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class KeyPair:
    """Where the pair lives and the public line for `ssh_authorized_keys`; never the private key."""

    private_path: Path
    public_path: Path
    public_key: str
    created: bool
    # What ensure_key_pair changed on an existing pair, one readable line each.
    repairs: tuple[str, ...] = ()


def default_key_path(instance_name: str) -> Path:
    """The runbook's location: ~/.ssh/coinpilot-oci/<INSTANCE_NAME>_a1_flex."""
    return Path.home() / ".ssh" / "coinpilot-oci" / f"{instance_name}_a1_flex"


def ensure_key_pair(private_path: Path) -> KeyPair:
    """Create the pair if missing, else check it: halves matching, then permissions tightened.

    Bad files raise UsageError naming them, before anything is changed: only files this function
    created or has just read as the two halves of one key get their mode changed. The private key
    is only ever read, never returned.
    """
    private_path = Path(private_path).expanduser()
    public_path = private_path.with_name(private_path.name + ".pub")
    if not private_path.exists() and not private_path.is_symlink():
        if public_path.exists():
            raise UsageError(
                FIELD,
                f"{public_path} exists but its private key {private_path} does not; restore "
                f"{private_path}, or delete {public_path} to have a new pair created",
            )
        try:
            return _create(private_path, public_path)
        except OSError as error:
            raise UsageError(FIELD, f"cannot create {error.filename or private_path} ({error.strerror})") from None

    derived = _public_line_of_private(private_path)
    if not public_path.exists() and not public_path.is_symlink():
        public_line = f"{derived} {_comment(private_path)}"
        repairs = _tighten_folder(private_path.parent) + _tighten(private_path, PRIVATE_MODE)
        _write_public(public_path, public_line)
        repairs.append(f"{public_path}: missing, rebuilt from {private_path}")
        return KeyPair(private_path, public_path, public_line, False, tuple(repairs))

    public_text = _read(public_path).decode(errors="replace").strip()
    public_line = public_text.splitlines()[0].strip() if public_text else ""
    if _normalised_public_line(public_line, public_path) != derived:
        raise UsageError(
            FIELD,
            f"{private_path} and {public_path} do not match; put back the matching pair, "
            f"or delete {public_path} to have it rebuilt from {private_path}",
        )
    repairs = (
        _tighten_folder(private_path.parent) + _tighten(private_path, PRIVATE_MODE) + _tighten(public_path, PUBLIC_MODE)
    )
    return KeyPair(private_path, public_path, public_line, False, tuple(repairs))


def public_line_of(private_path: Path) -> str | None:
    """'<type> <base64>' of a private key's public half; None if it cannot be read as one."""
    try:
        return _public_line_of_private(Path(private_path).expanduser())
    except UsageError:
        return None


def _create(private_path: Path, public_path: Path) -> KeyPair:
    # ed25519: accepted by OCI's Linux images (cloud-init writes it to authorized_keys), no
    # size to choose, and `cryptography` writes it in OpenSSH format directly.
    key = ed25519.Ed25519PrivateKey.generate()
    _make_folders(private_path.parent)
    _tighten_folder(private_path.parent)
    private_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    # Created with its final mode so the key is never readable by others, not even briefly.
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    with os.fdopen(descriptor, "wb") as private_file:
        private_file.write(private_bytes)
    os.chmod(private_path, PRIVATE_MODE)
    # Written after the private key: an interruption in between leaves a pair the next run repairs.
    public_line = f"{_public_line(key.public_key())} {_comment(private_path)}"
    _write_public(public_path, public_line)
    return KeyPair(private_path, public_path, public_line, True)


def _comment(private_path: Path) -> str:
    """The key's name and machine: whoever finds this key on an instance it did not launch (shared
    state) is told where its private half lives (key_truth.py)."""
    return f"{private_path.name}@{socket.gethostname()}"


def _make_folders(folder: Path) -> None:
    # Path.mkdir(parents=True) gives parents the umask's mode; ~/.ssh should be private too.
    if folder.exists():
        return
    _make_folders(folder.parent)
    folder.mkdir(mode=FOLDER_MODE)


def _tighten_folder(folder: Path) -> list[str]:
    # Only folders in ~/.ssh (the default location is one): a key put elsewhere, say in /tmp or
    # straight in HOME, must not make us chmod a folder others rely on.
    if not folder.is_relative_to(Path.home() / ".ssh"):
        return []
    return _tighten(folder, FOLDER_MODE)


def _write_public(public_path: Path, public_line: str) -> None:
    public_path.write_text(public_line + "\n")
    os.chmod(public_path, PUBLIC_MODE)


def _tighten(path: Path, allowed_mode: int) -> list[str]:
    """Drop permission bits beyond allowed_mode; say what changed."""
    if os.name == "nt":  # Windows ignores POSIX modes; OpenSSH there checks ACLs instead.
        return []
    try:
        mode = path.stat().st_mode & 0o777
        if not mode & ~allowed_mode:
            return []
        os.chmod(path, mode & allowed_mode)
    except OSError as error:
        raise UsageError(
            FIELD, f"cannot set the permissions of {path} ({error.strerror}); run chmod {allowed_mode:o} {path}"
        ) from None
    return [f"{path}: permissions {mode:o} -> {mode & allowed_mode:o}"]


def _read(path: Path) -> bytes:
    """A key file's bytes; a path that is not a regular file of key size is refused unread."""
    try:
        # Opened once, so what is checked is what is read; O_NONBLOCK: a FIFO must not hang us.
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
                raise UsageError(
                    FIELD,
                    f"{path} is {kind}; point SSH_KEY_PATH at a private key file "
                    "(or at a path that does not exist yet, to have a pair created)",
                )
            if info.st_size > KEY_FILE_MAX_BYTES:
                raise _not_a_private_key(path)
            return handle.read()
    except OSError as error:
        raise UsageError(
            FIELD, f"cannot read {path} ({error.strerror}); fix its permissions or point SSH_KEY_PATH at another key"
        ) from None


def _public_line(public_key) -> str:
    return public_key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def _public_line_of_private(private_path: Path) -> str:
    """'<type> <base64>' of the private key's public half (no comment)."""
    data = _read(private_path)
    in_openssh_format = data.lstrip().startswith(OPENSSH_PRIVATE_HEADER)
    try:
        if in_openssh_format:
            private_key = serialization.load_ssh_private_key(data, password=None)
        else:
            private_key = serialization.load_pem_private_key(data, password=None, unsafe_skip_rsa_key_validation=True)
        return _public_line(private_key.public_key())
    except TypeError:  # passphrase-protected: handled below
        pass
    except (ValueError, UnsupportedAlgorithm):
        raise _not_a_private_key(private_path) from None
    if not in_openssh_format:
        raise UsageError(
            FIELD,
            f"{private_path} has a passphrase in the old PEM format, which hides its public half; "
            f"run `ssh-keygen -p -f {private_path}` to rewrite it in OpenSSH format (same passphrase)",
        )
    public_line = _openssh_public_line(data)
    if public_line is None:
        raise _not_a_private_key(private_path)
    return public_line


def _not_a_private_key(private_path: Path) -> UsageError:
    return UsageError(
        FIELD,
        f"{private_path} is not an SSH private key coinpilot-tf can read (OpenSSH or PEM format); "
        "point the key path at your private key, or move that file away to have a new pair created",
    )


def _openssh_public_line(data: bytes) -> str | None:
    """The public half an OpenSSH private key stores unencrypted (OpenSSH's PROTOCOL.key).

    Lets a passphrase-protected key be checked without asking for its passphrase.
    """
    try:
        body = base64.b64decode(b"".join(data.strip().splitlines()[1:-1]), validate=True)
    except ValueError:
        return None
    if not body.startswith(OPENSSH_KEY_MAGIC):
        return None
    offset = len(OPENSSH_KEY_MAGIC)

    def next_string() -> bytes:
        nonlocal offset
        length = int.from_bytes(body[offset : offset + 4], "big")
        offset += 4 + length
        return body[offset - length : offset]

    next_string(), next_string(), next_string()  # cipher name, KDF name, KDF options
    offset += 4  # number of keys
    public_blob = next_string()
    key_type = public_blob[4 : 4 + int.from_bytes(public_blob[:4], "big")]
    candidate = key_type + b" " + base64.b64encode(public_blob)
    try:
        return _public_line(serialization.load_ssh_public_key(candidate))
    except (ValueError, UnsupportedAlgorithm):
        return None


def _normalised_public_line(public_line: str, public_path: Path) -> str:
    try:
        return _public_line(serialization.load_ssh_public_key(public_line.encode()))
    except (ValueError, UnsupportedAlgorithm):
        raise UsageError(
            FIELD,
            f"{public_path} is not an OpenSSH public key line; delete it to have it rebuilt from the private key",
        ) from None
