"""USER_DATA_FILE: the cloud-init file or shell script OCI runs on the instance's first boot.

It goes base64 in the instance's `user_data` metadata, through the private tfvars file (never
into the .tf files, never printed). Checked before any call to OCI.
"""

from __future__ import annotations

import base64
from pathlib import Path

from .errors import UsageError

SETTING = "USER_DATA_FILE"
# OCI refuses instance metadata whose user_data is larger than this, once base64-encoded.
MAX_ENCODED_BYTES = 32_000


def encoded(path: Path | None) -> str | None:
    """The file's bytes in base64; None when there is no file to pass. UsageError (exit 2) when it
    is missing, unreadable or too large for OCI."""
    if path is None:
        return None
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(SETTING, f"{path} does not exist; give the path of your cloud-init file or script") from None
    except IsADirectoryError:
        raise UsageError(SETTING, f"{path} is a folder; give the path of your cloud-init file or script") from None
    except OSError as error:
        raise UsageError(SETTING, f"cannot read {path} ({error.strerror}); make it readable") from None
    text = base64.b64encode(content).decode("ascii")
    if len(text) > MAX_ENCODED_BYTES:
        raise UsageError(
            SETTING,
            f"{path} is {len(content):,} bytes, {len(text):,} once base64-encoded: OCI takes at most "
            f"{MAX_ENCODED_BYTES:,} (about {MAX_ENCODED_BYTES * 3 // 4:,} bytes of file); shorten it, "
            "or have it download the rest (e.g. a runcmd that fetches a script)",
        )
    return text
