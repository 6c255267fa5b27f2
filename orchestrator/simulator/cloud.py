"""The simulated OCI as a Cloud (orchestrator/cloud.py): everything a rehearsal needs in one place.

Its folder holds the store (cloud.json, calls.jsonl), the provider script Terraform runs in place
of oracle/oci, the log of the provider processes the tool starts (provider.log), and a throwaway
API key and OCI config for the REST endpoint. The folder defaults
to <workdir>/simulator; COINPILOT_TF_SIMULATOR_DIR names another one, which several workdirs may
share. The workdir records its cloud as <workdir>/simulator (a symbolic link when the folder is
elsewhere), so later commands know where it is without the variable.
"""

from __future__ import annotations

import configparser
import contextlib
import io
import os
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..size import Size
from ..workdir import Workdir, write_private
from . import kill_hook
from .scenario import parse_scenario
from .store import PLACEHOLDERS, CloudStore

if TYPE_CHECKING:
    from .launcher import ProviderProcess

FOLDER_SETTING = "COINPILOT_TF_SIMULATOR_DIR"
# The simulated tenancy's A1 allowance (OCPUS:GB) for `--simulate` runs; unset: the cloud keeps its own (a new one 2:12).
ALLOWANCE_SETTING = "COINPILOT_TF_SIM_ALLOWANCE"
WORKDIR_ENTRY = "simulator"  # the workdir's record of its cloud: the folder, or a link to it
CONFIG_DIR = "oci-api"  # the throwaway OCI config and API key, inside the folder


def recorded_folder(workdir: Workdir) -> Path | None:
    """The simulated cloud a workdir was bound to by an earlier command, if any."""
    entry = workdir.path / WORKDIR_ENTRY
    if entry.is_symlink():
        return Path(os.readlink(entry))
    return entry if (entry / "cloud.json").exists() else None


class SimulatedCloud:
    """The simulated OCI in `folder`, for one workdir; `scenario` is the --simulate text (None: keep)."""

    label = "simulated OCI"
    simulated = True
    notice = "simulated OCI (no account used)"

    def __init__(self, folder: Path, workdir: Workdir, scenario: str | None = None, allowance: Size | None = None):
        self.folder = Path(folder).absolute()
        self.workdir = workdir
        self.scenario = scenario
        self.allowance = allowance
        # One AD unless the user asks for more ('all' gives the simulated region's three).
        self.placeholders: dict[str, Any] = {
            **PLACEHOLDERS,
            "availability_domains": PLACEHOLDERS["availability_domains"][:1],
        }
        self.all_availability_domains: tuple[str, ...] = tuple(PLACEHOLDERS["availability_domains"])
        self._provider: ProviderProcess | None = None
        self._stop_provider: weakref.finalize | None = None

    @classmethod
    def pick(cls, workdir: Workdir, scenario: str | None, environ) -> SimulatedCloud | None:
        """The workdir's simulated cloud: the one it records, or a new one if --simulate was given."""
        given = environ.get(FOLDER_SETTING, "").strip()
        recorded = recorded_folder(workdir)
        allowance_text = environ.get(ALLOWANCE_SETTING, "").strip()
        allowance = parse_allowance(allowance_text, ALLOWANCE_SETTING) if allowance_text else None
        if recorded is not None:
            if given and Path(given).expanduser().absolute() != recorded.absolute():
                raise UsageError(
                    FOLDER_SETTING,
                    f"this workdir uses the simulated cloud in {recorded}; unset the variable or give that folder",
                )
            return cls(recorded, workdir, scenario, allowance)
        if scenario is None:
            return None
        parse_scenario(scenario)
        folder = _checked_folder(Path(given).expanduser()) if given else workdir.path / WORKDIR_ENTRY
        return cls(folder, workdir, scenario, allowance)

    @property
    def status_fields(self) -> dict[str, Any]:
        return {"simulated": True, "simulator_dir": str(self.folder)}

    # ----- before the first file: the cloud exists and the workdir knows it -----

    def prepare(self, settings) -> None:
        """Bind the workdir to the folder, seed the store, set the scenario."""
        self.workdir.create()
        entry = self.workdir.path / WORKDIR_ENTRY
        if self.folder != entry.absolute() and not entry.is_symlink():
            if entry.exists():
                raise UsageError(
                    FOLDER_SETTING,
                    f"{entry} exists already; move it away to use the simulated cloud in "
                    f"{self.folder}, or unset the variable",
                )
            try:
                self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as error:
                raise UsageError(
                    FOLDER_SETTING, f"cannot create {self.folder} ({error.strerror}); give a folder you can write"
                ) from None
            entry.symlink_to(self.folder, target_is_directory=True)
        CloudStore.ensure(
            self.folder,
            self.scenario,
            subnet_ocid=settings.subnet_ocid,
            compartment_ocid=settings.compartment_ocid,
            allowance=self.allowance,
        )

    def ssh_key_path(self, instance_name: str) -> Path:
        # A rehearsal leaves ~/.ssh alone.
        return self.workdir.path / "ssh" / f"{instance_name}_a1_flex"

    # ----- the oci SDK against the simulated REST endpoint -----

    def config_path(self, profile: str) -> Path:
        return client_config(self.folder, profile)

    @property
    def api_key_path(self) -> Path:
        return api_key_path(self.folder)

    @contextlib.contextmanager
    def api(self, profile: str) -> Iterator[Any]:
        """An OciApi whose clients talk to the simulated REST endpoint, running meanwhile."""

        from ..oci_api import OciApi, load_config
        from .rest import RestEndpoint

        config = load_config(self.config_path(profile), profile)
        public_key = public_api_key(self.api_key_path)
        with RestEndpoint(CloudStore(self.folder), public_key) as endpoint:
            yield OciApi(config, endpoint.url)

    # ----- Terraform: the simulated provider in place of oracle/oci -----

    def provider_overrides(self) -> dict[str, Path]:
        return {"oracle/oci": self.folder / "bin"}

    def provider_mirrors(self) -> list[Path]:
        """Where `terraform init` (a remote state backend needs it) finds the overridden providers."""
        from .launcher import mirror_dir

        return [mirror_dir(path) for path in self.provider_overrides().values()]

    def install_provider(self) -> None:
        from .launcher import install_provider

        install_provider(self.folder)

    def provider_problem(self) -> str | None:
        from ..engine.environment import child_environment
        from .launcher import import_problem

        return import_problem(child_environment(os.environ))

    def terraform_environment(self) -> dict[str, str]:
        """Every Terraform command of this process reattaches to one provider process, started
        with the first (provider_server.py says how long it lives), and again after it died, as
        Terraform would start a fresh one. The dev_overrides script stays for a Terraform run
        without this variable."""
        if self._provider is not None and not self._provider.running:
            self.close()
        if self._provider is None:
            from ..engine.environment import child_environment
            from .launcher import ProviderProcess

            self._provider = ProviderProcess.start(self.folder, self.workdir.path, child_environment(os.environ))
            # At the interpreter's exit too, if nobody closed the cloud before.
            self._stop_provider = weakref.finalize(self, self._provider.close)
        return {"TF_REATTACH_PROVIDERS": self._provider.reattach_config}

    def close(self) -> None:
        """The command is done with the cloud: its provider exits once no Terraform uses it."""
        if self._stop_provider is not None:
            self._stop_provider()
        self._provider = self._stop_provider = None

    def __getstate__(self) -> dict[str, Any]:
        """A lookup in a child Python (in_child.py) takes the cloud along, not this process's provider."""
        return {**self.__dict__, "_provider": None, "_stop_provider": None}

    # ----- fault injection -----

    def reached(self, phase: str) -> None:
        """The crash points of the fault-injection tests (kill_hook.py)."""
        kill_hook.reached(phase)


def parse_allowance(text: str, field: str) -> Size:
    """OCPUS:GB, as the simulated tenancy's A1 allowance; UsageError naming `field` otherwise."""
    size = Size.from_spec(text)
    if size is None or size.ocpus < 1 or size.memory_gbs <= 0:
        raise UsageError(field, f"{text!r} is not an allowance; give OCPUS:GB, e.g. 4:24 (default 2:12)")
    return size


# Kernel file systems: nothing can be created in them, whatever the permissions say.
_KERNEL_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))


def _checked_folder(folder: Path) -> Path:
    """COINPILOT_TF_SIMULATOR_DIR: a folder (existing, or one that can be made), else UsageError."""
    resolved = folder.absolute().resolve()
    if any(resolved.is_relative_to(kernel) for kernel in _KERNEL_FOLDERS):
        raise UsageError(FOLDER_SETTING, f"{folder} is in a kernel file system; give a folder you can write")
    existing = next(path for path in (resolved, *resolved.parents) if path.exists())
    if not existing.is_dir():
        raise UsageError(FOLDER_SETTING, f"{existing} is not a folder; give a folder (it is made if missing)")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(FOLDER_SETTING, f"{existing} is not writable; give a folder you can write")
    return folder


def public_api_key(path: Path):
    """The public half of the simulated tenancy's uploaded API key (the endpoint checks signatures with it)."""
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(path.read_bytes(), None, unsafe_skip_rsa_key_validation=True).public_key()


def client_config(folder: Path, profile: str) -> Path:
    """The throwaway OCI config, with `profile` in it (existing files are kept: a test may have
    broken them on purpose; a missing profile is added)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from ..oci_api import api_key_fingerprint

    path = Path(folder) / CONFIG_DIR / "config"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_path = api_key_path(folder)
    if not key_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        write_private(
            key_path,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        )
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    # configparser keeps [DEFAULT] apart from the sections.
    if not (parser.has_section(profile) or (profile == parser.default_section and parser.defaults())):
        parser[profile] = {
            "user": PLACEHOLDERS["user_ocid"],
            "fingerprint": api_key_fingerprint(key_path),
            "tenancy": PLACEHOLDERS["tenancy_ocid"],
            "region": PLACEHOLDERS["region"],
            "key_file": str(key_path),
        }
        text = io.StringIO()
        parser.write(text)
        write_private(path, text.getvalue())
    return path


def api_key_path(folder: Path) -> Path:
    """The API key "uploaded" to the simulated tenancy: the endpoint trusts its public half only."""
    return Path(folder) / CONFIG_DIR / "api_key.pem"
