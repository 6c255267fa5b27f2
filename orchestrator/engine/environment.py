"""The environment Terraform and its providers get: what they use, nothing else.

The tool's own environment holds secrets they never need (DISCORD_WEBHOOK_URL, NOTIFY_URLS,
anything else the user exported), and a child's environment is readable in /proc by the user's
other processes. So children get an allowlist: the system basics, proxies and certificates,
Terraform's own TF_* variables, the OCI provider's OCI_* ones, the state backends' own (PG_CONN_STR
and libpq's PG* for `pg`, AWS_* for `s3`), and the tool's COINPILOT_TF_* ones (the rehearsal
provider reads those).

Some of Terraform's own variables change what a command does or where it looks, behind the tool's
back: those are the engine's to set, never the user's (HashiCorp's terraform-exec refuses the same
ones, tfexec/cmd.go `prohibitedEnvVars`). TF_LOG, TF_PLUGIN_CACHE_DIR, TF_CLI_CONFIG_FILE (the
runner sets its own) and TF_VAR_* pass.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TextIO

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
        "PYTHONPATH",  # the tool's own one-off lookups run in a child Python (in_child.py)
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

# Terraform's variables the engine owns: the user's are dropped, each for the reason beside it.
# A name ending in "_" stands for every variable it begins.
ENGINE_OWNED: dict[str, str] = {
    "TF_WORKSPACE": "picks another workspace, so another state: the instance would look gone",
    "TF_CLI_ARGS": "adds arguments to every command the tool builds (terraform-exec: use its options)",
    "TF_CLI_ARGS_": "adds arguments to one command, e.g. -state= to output: it would read another state",
    "TF_DATA_DIR": "moves .terraform, where init left the backend and the providers of this workdir",
    "TF_REATTACH_PROVIDERS": "sends provider calls to a running provider instead of the cloud's own",
    "TF_INPUT": "the tool runs Terraform without a terminal and sets it to 0 itself",
    "TF_IN_AUTOMATION": "the tool sets it to 1 itself",
    "TF_LOG_PATH": "writes Terraform's log, which can hold request bodies, to a file the tool does not manage",
}
IGNORED_NOTE = "coinpilot-tf: ignored {name} from the environment: coinpilot-tf sets Terraform's environment itself"

_told: set[str] = set()  # the names already said ignored in this process


def owner(name: str) -> str | None:
    """The ENGINE_OWNED entry that covers a variable's name, if one does."""
    upper = name.upper()
    return next(
        (owned for owned in ENGINE_OWNED if (upper.startswith(owned) if owned.endswith("_") else upper == owned)), None
    )


def engine_owned(name: str) -> bool:
    return owner(name) is not None


def ignored_names(environ: Mapping[str, str]) -> list[str]:
    """The user's variables the engine drops, by name (never their values)."""
    return sorted(name for name in environ if engine_owned(name))


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        name: value
        for name, value in environ.items()
        if (name.upper() in _NAMES or name.upper().startswith(_PREFIXES)) and not engine_owned(name)
    }


def say_ignored(environ: Mapping[str, str], stream: TextIO | None = None) -> None:
    """One line on stderr per ignored variable, once per process: a user who set one sees why it did nothing."""
    for name in ignored_names(environ):
        if name not in _told:
            _told.add(name)
            print(IGNORED_NOTE.format(name=name), file=stream or sys.stderr)
