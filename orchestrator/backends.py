"""Where the Terraform state lives: Terraform's own backends, as data.

The rendered module gets an empty `backend "<type>" {}` block; the values go to `terraform init`
as partial configuration. Terraform records those values in `.terraform/terraform.tfstate` and in
saved plans, so secrets never go there: each backend reads its secret from the environment (or
the ~/.oci/config profile) by itself, and a secret key given as backend config is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import UsageError

LOCAL = "local"


@dataclass(frozen=True)
class Backend:
    name: str
    # Oldest engine with this backend (and the locking it needs); None: that engine has none.
    terraform_minimum: tuple[int, int] | None
    tofu_minimum: tuple[int, int] | None
    # Backend config keys that hold secrets -> where the secret goes instead.
    secret_keys: dict[str, str] = field(default_factory=dict)
    # Example values for the README and messages.
    example: str = ""


BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend(LOCAL, (1, 5), (1, 6)),
        # Terraform 1.12.0 added the OCI Object Storage backend (CHANGELOG, #34465); OpenTofu has none.
        Backend(
            "oci",
            (1, 12),
            None,
            {
                "private_key": "the key_file of your ~/.oci/config profile (config_file_profile=...)",
                "private_key_password": "the pass_phrase of your ~/.oci/config profile",
            },
            "bucket=tfstate,namespace=<namespace>,key=coinpilot-a1.tfstate,region=eu-frankfurt-1",
        ),
        # use_lockfile (S3 native locking) is generally available from Terraform 1.11 and OpenTofu 1.10.
        Backend(
            "s3",
            (1, 11),
            (1, 10),
            {"access_key": "AWS_ACCESS_KEY_ID", "secret_key": "AWS_SECRET_ACCESS_KEY", "token": "AWS_SESSION_TOKEN"},
            "bucket=tfstate,key=coinpilot-a1.tfstate,use_lockfile=true,...",
        ),
        Backend("pg", (1, 5), (1, 6), {"conn_str": "PG_CONN_STR"}, "schema_name=coinpilot_a1"),
    )
}
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_backend(name: str, raw: object) -> str:
    text = str(raw).strip().lower()
    if text not in BACKENDS:
        raise UsageError(name, f"unknown state backend {str(raw).strip()!r}; use one of {', '.join(BACKENDS)}")
    return text


def parse_backend_config(name: str, raw: object) -> tuple[tuple[str, str], ...]:
    """KEY=VALUE items (a comma list, or repeated flags). Values are never echoed: they may be secrets."""
    items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
    pairs = []
    for number, item in enumerate((str(item).strip() for item in items), start=1):
        key, equals, value = item.partition("=")
        key = key.strip()
        if not equals or not _KEY.match(key):
            raise UsageError(
                name,
                f"item {number} is not KEY=VALUE (like schema_name=coinpilot); "
                "separate items with commas or repeat --backend-config",
            )
        pairs.append((key, value.strip()))
    return tuple(pairs)


def check_backend_config(backend: str, pairs: tuple[tuple[str, str], ...], label: str) -> None:
    """No secret in the config Terraform would record; no config for the local state."""
    if backend == LOCAL and pairs:
        raise UsageError(label, "is for a remote state backend; set STATE_BACKEND (oci, s3 or pg) too, or unset it")
    secrets = BACKENDS[backend].secret_keys
    for key, _ in pairs:
        if key in secrets:
            raise UsageError(
                label,
                f"{key} is a secret, and Terraform would record it in the workdir; "
                f"leave it out and use {secrets[key]} instead",
            )


def engine_problem(backend: str, kind: str, version: str) -> str | None:
    """Why this engine cannot use the backend, or None. `kind` is terraform, tofu or bundled."""
    spec = BACKENDS[backend]
    minimum = spec.tofu_minimum if kind == "tofu" else spec.terraform_minimum
    engine = "OpenTofu" if kind == "tofu" else "Terraform"
    if minimum is None:
        return f"{engine} has no {backend!r} state backend"
    numbers = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
    if numbers < minimum:
        return f"the {backend!r} state backend needs {engine} {minimum[0]}.{minimum[1]} or newer"
    return None
