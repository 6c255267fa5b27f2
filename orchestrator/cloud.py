"""Which cloud a command talks to, chosen once per session: OCI, or the simulated OCI of a rehearsal.

A cloud supplies what differs between the two: the OCI config and SDK client, the provider
installation Terraform uses, placeholders for targets the user left unset, where a default SSH
key goes, and a hook called at each phase of the loop. The session (session.py) chooses which.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from .config import Settings

OCI_LABEL = "OCI"


class Cloud(Protocol):
    label: str  # what the user is told the workdir talks to
    simulated: bool  # a rehearsal: what it tells people (notifications) says so
    notice: str | None  # a line the CLI prints after the commands that use the cloud
    placeholders: Mapping[str, Any]  # values for the targets the user left unset
    all_availability_domains: tuple[str, ...]  # what 'all' means, when known without asking OCI

    @property
    def status_fields(self) -> dict[str, Any]: ...
    def prepare(self, settings: Settings) -> None: ...
    def ssh_key_path(self, instance_name: str) -> Path: ...
    def config_path(self, profile: str) -> Path: ...
    def api(self, profile: str) -> contextlib.AbstractContextManager: ...
    def provider_overrides(self) -> dict[str, Path]: ...
    def provider_mirrors(self) -> list[Path]: ...
    def install_provider(self) -> None: ...
    def provider_problem(self) -> str | None: ...  # why its Terraform provider could not start, if so
    def terraform_environment(self) -> dict[str, str]: ...  # what Terraform's environment gets on top
    def close(self) -> None: ...  # the command is done with the cloud
    def reached(self, phase: str) -> None: ...


class OciCloud:
    """Oracle Cloud itself, through the user's OCI config (oci_config.py) and the registry's oracle/oci provider."""

    label = OCI_LABEL
    simulated = False
    notice = None
    placeholders: Mapping[str, Any] = {}
    all_availability_domains: tuple[str, ...] = ()

    @property
    def status_fields(self) -> dict[str, Any]:
        return {"simulated": False}

    def prepare(self, settings: Settings) -> None:
        """The targets a real launch cannot do without, all named at once when unset."""
        from .errors import UsageError

        unset = settings.unset_targets()
        if unset:
            them = "them" if len(unset) > 1 else "it"
            raise UsageError(unset, f"not set; export {them} (see the README) or try --simulate ok")

    def ssh_key_path(self, instance_name: str) -> Path:
        from .ssh_keys import default_key_path

        return default_key_path(instance_name)

    def config_path(self, profile: str) -> Path:
        import os

        from .oci_config import config_file

        return config_file(os.environ)

    @contextlib.contextmanager
    def api(self, profile: str) -> Iterator[Any]:
        from .oci_api import OciApi, load_config

        yield OciApi(load_config(self.config_path(profile), profile))

    def provider_overrides(self) -> dict[str, Path]:
        return {}

    def provider_mirrors(self) -> list[Path]:
        return []

    def install_provider(self) -> None:
        """terraform init installs oracle/oci from the registry."""

    def provider_problem(self) -> str | None:
        """`terraform init` installs oracle/oci; `doctor`'s API checks cover the rest."""
        return None

    def terraform_environment(self) -> dict[str, str]:
        return {}  # Terraform starts the registry's provider itself

    def close(self) -> None:
        """Nothing runs on the cloud's behalf."""

    def reached(self, phase: str) -> None:
        """No phase hook against the real cloud."""
