"""Installs the simulated provider where a Terraform `dev_overrides` block can find it, and
starts the one the tool's Terraform commands reattach to (provider_server.py)."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import orchestrator
from orchestrator.errors import ToolError

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
    if script.exists() and (script.read_text(encoding="utf-8") == content or not os.access(script.parent, os.W_OK)):
        return  # the same, or a read-only folder: a command that only reads the state needs no provider
    script.parent.mkdir(parents=True, exist_ok=True)
    # Several tool processes may install at once: never let Terraform run a half-written file.
    with tempfile.NamedTemporaryFile(
        "w", dir=script.parent, prefix=".provider.", delete=False, encoding="utf-8"
    ) as tmp:
        tmp.write(content)
    os.chmod(tmp.name, 0o755)
    os.replace(tmp.name, script)


# The provider process the tool starts: the same interpreter and package as the installed script.
_SERVE = (
    "import sys; sys.path.insert(0, {package_root!r}); "
    "from orchestrator.simulator.provider_server import serve; serve({store_dir!r}, {tool_pid})"
)
# What the provider imports (`tf`, grpc): a broken or partial install fails here, in a child.
_IMPORTS = "import sys; sys.path.insert(0, {package_root!r}); import orchestrator.simulator.provider_server"
LOG = "provider.log"  # in the store's folder: what the tool's providers wrote (one line each at start)


def import_problem(environ: Mapping[str, str]) -> str | None:
    """Why the provider could not start in this install (its last error line), or None."""
    code = _IMPORTS.format(package_root=str(Path(orchestrator.__file__).resolve().parent.parent))
    ran = subprocess.run(
        [sys.executable, "-P", "-c", code], env=dict(environ), capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if ran.returncode == 0:
        return None
    lines = ran.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit {ran.returncode}"


class ProviderProcess:
    """The simulated provider serving this tool process; `reattach_config` is TF_REATTACH_PROVIDERS."""

    def __init__(self, process: subprocess.Popen, reattach_config: str):
        self.process = process
        self.reattach_config = reattach_config

    @classmethod
    def start(cls, store_dir: Path, workdir: Path, environ: Mapping[str, str]) -> ProviderProcess:
        """Start it in `workdir` (where the fault hooks act) and read its one line."""
        store_dir = Path(store_dir).resolve()
        code = _SERVE.format(
            package_root=str(Path(orchestrator.__file__).resolve().parent.parent),
            store_dir=str(store_dir),
            tool_pid=os.getpid(),
        )
        with _log(store_dir) as log:
            process = subprocess.Popen(
                [sys.executable, "-P", "-c", code],  # -P: nothing in the workdir shadows a module
                cwd=workdir,
                env=dict(environ),
                stdin=subprocess.PIPE,  # never written: its end, at our exit, is the provider's signal
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,  # a terminal's Ctrl-C is the tool's to forward, once
            )
        line = process.stdout.readline().decode()
        process.stdout.close()
        if not line.strip():
            process.wait()
            raise ToolError(f"the simulated provider did not start (exit {process.returncode}); see {store_dir / LOG}")
        return cls(process, line.strip())

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        """Tell the provider this tool is done; it exits once Terraform has nothing in flight."""
        if not self.process.stdin.closed:
            self.process.stdin.close()
            threading.Thread(target=self.process.wait, daemon=True).start()  # reap it, here if we live on
        if self.process.poll() is not None:  # it died (killed): its socket's folder is left to us
            [provider] = json.loads(self.reattach_config).values()
            shutil.rmtree(Path(provider["Addr"]["String"]).parent, ignore_errors=True)


def _log(store_dir: Path) -> IO[bytes]:
    """The provider's log; nowhere when the folder is read-only (status still reads the cloud)."""
    try:
        return open(store_dir / LOG, "ab")
    except OSError:
        return open(os.devnull, "wb")
