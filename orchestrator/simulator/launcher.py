"""Installs the simulated provider where a Terraform `dev_overrides` block can find it."""

import os
import platform
import sys
import tempfile
from pathlib import Path

import orchestrator

# Terraform runs the file as is: the interpreter, the package location and the store are baked in
# because neither PATH nor the environment is sure to reach the plugin process unchanged.
_SCRIPT = """#!{python}
# Written by coinpilot-tf: the simulated OCI provider, bound to one cloud store.
import sys

sys.path.insert(0, {package_root!r})

from orchestrator.simulator.provider import main

main({store_dir!r})
"""


# `terraform init` (needed by a remote state backend) installs providers even under dev_overrides:
# it finds the simulator as oracle/oci in a filesystem mirror beside the script, in the unpacked
# layout <host>/<namespace>/<type>/<version>/<os>_<arch>/.
MIRROR = "mirror"
MIRROR_VERSION = "6.0.0"


def mirror_dir(provider_dir: Path) -> Path:
    return Path(provider_dir) / MIRROR


def _target() -> str:
    system = {"win32": "windows"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    return f"{system}_{ {'x86_64': 'amd64', 'aarch64': 'arm64'}.get(machine, machine) }"


def install_provider(store_dir: Path) -> Path:
    """Write `<store_dir>/bin/terraform-provider-oci` and its mirror copy; return the directory
    for `dev_overrides`."""
    store_dir = Path(store_dir).resolve()
    bin_dir = store_dir / "bin"
    content = _SCRIPT.format(
        python=sys.executable,
        package_root=str(Path(orchestrator.__file__).resolve().parent.parent),
        store_dir=str(store_dir),
    )
    mirrored = mirror_dir(bin_dir) / "registry.terraform.io" / "oracle" / "oci" / MIRROR_VERSION / _target()
    for folder in (bin_dir, mirrored):
        _write_script(folder / "terraform-provider-oci", content)
    return bin_dir


def _write_script(script: Path, content: str) -> None:
    if script.exists() and script.read_text(encoding="utf-8") == content:
        return
    script.parent.mkdir(parents=True, exist_ok=True)
    # Several tool processes may install at once: never let Terraform run a half-written file.
    with tempfile.NamedTemporaryFile(
        "w", dir=script.parent, prefix=".provider.", delete=False, encoding="utf-8"
    ) as tmp:
        tmp.write(content)
    os.chmod(tmp.name, 0o755)
    os.replace(tmp.name, script)
