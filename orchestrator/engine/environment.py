"""The environment Terraform and its providers get: what they use, nothing else.

The tool's own environment holds secrets they never need (DISCORD_WEBHOOK_URL, NOTIFY_URLS,
anything else the user exported), and a child's environment is readable in /proc by the user's
other processes. So children get an allowlist: the system basics, proxies and certificates,
Terraform's own TF_* variables, the OCI provider's OCI_* ones, the state backends' own (PG_CONN_STR
and libpq's PG* for `pg`, AWS_* for `s3`), and the tool's COINPILOT_TF_* ones (the rehearsal
provider reads those).
"""

from __future__ import annotations

from collections.abc import Mapping

_NAMES = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "LANG",
        "TZ",
        "TMPDIR",
        "TEMP",
        "TMP",
        "TERM",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "PYTHONPATH",  # the tool's own one-off lookups run in a child Python (isolated.py)
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        # Windows: where programs find their per-user folders and the system.
        "SYSTEMROOT",
        "SYSTEMDRIVE",
        "WINDIR",
        "COMSPEC",
        "PATHEXT",
        "APPDATA",
        "LOCALAPPDATA",
        "USERPROFILE",
        "PROGRAMDATA",
    }
)
_PREFIXES = ("LC_", "XDG_", "TF_", "OCI_", "PG", "AWS_", "COINPILOT_TF_")


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        name: value for name, value in environ.items() if name.upper() in _NAMES or name.upper().startswith(_PREFIXES)
    }
