"""Installs the simulated provider where a Terraform `dev_overrides` block can find it."""

import os
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


def install_provider(store_dir: Path) -> Path:
    """Write `<store_dir>/bin/terraform-provider-oci`; return the directory for `dev_overrides`."""
    store_dir = Path(store_dir).resolve()
    bin_dir = store_dir / "bin"
    script = bin_dir / "terraform-provider-oci"
    content = _SCRIPT.format(
        python=sys.executable,
        package_root=str(Path(orchestrator.__file__).resolve().parent.parent),
        store_dir=str(store_dir),
    )
    if script.exists() and script.read_text(encoding="utf-8") == content:
        return bin_dir
    bin_dir.mkdir(parents=True, exist_ok=True)
    # Several tool processes may install at once: never let Terraform run a half-written file.
    with tempfile.NamedTemporaryFile("w", dir=bin_dir, prefix=".provider.", delete=False, encoding="utf-8") as tmp:
        tmp.write(content)
    os.chmod(tmp.name, 0o755)
    os.replace(tmp.name, script)
    return bin_dir
