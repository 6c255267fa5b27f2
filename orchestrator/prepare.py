"""From flags and environment to a ready workdir: settings, simulator, key, engine, module.

Everything here is local: nothing is sent to OCI before it has all passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Settings, load_settings, require_target, with_placeholders
from .errors import UsageError
from .workdir import Workdir


@dataclass(frozen=True)
class Prepared:
    settings: Settings
    workdir: Workdir
    availability_domains: tuple[str, ...]
    ssh_private_key: Path
    ssh_public_key: str
    simulated: bool


def load(flags: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[Settings, Workdir]:
    """Settings and the workdir they name, without touching anything."""
    config_file = flags.get("config")
    settings = load_settings(flags, environ, Path(config_file) if config_file else None)
    return settings, Workdir.locate(settings.instance_name, flags.get("workdir"), environ)


def prepare(flags: Mapping[str, Any], environ: Mapping[str, str], simulate: str | None = None) -> Prepared:
    settings, workdir = load(flags, environ)
    simulated = simulate is not None or workdir.simulated
    if simulated:
        from .simulator.scenario import parse_scenario
        from .simulator.store import PLACEHOLDERS, CloudStore

        if simulate is not None:
            parse_scenario(simulate)
        workdir.create()
        CloudStore.ensure(
            workdir.simulator_dir, simulate,
            subnet_ocid=settings.subnet_ocid, compartment_ocid=settings.compartment_ocid,
        )
        # One AD unless the user asks for more ('all' gives the simulated region's three).
        settings = with_placeholders(settings, {**PLACEHOLDERS, "availability_domains": PLACEHOLDERS["availability_domains"][:1]})
        known_ads = tuple(PLACEHOLDERS["availability_domains"])
    else:
        require_target(settings)
        known_ads = ()
    ads = settings.availability_domains
    if ads == ("all",):
        if not simulated:
            raise UsageError("AVAILABILITY_DOMAIN", "'all' needs the region's list from OCI; name the ADs instead, comma separated")
        ads = known_ads
    key_path = settings.ssh_key_path or _default_key_path(settings, workdir, simulated)
    from .keys import ensure_key_pair

    key = ensure_key_pair(key_path)
    return Prepared(settings, workdir, tuple(ads), key.private_path, key.public_key, simulated)


def _default_key_path(settings: Settings, workdir: Workdir, simulated: bool) -> Path:
    if simulated:
        # A rehearsal leaves ~/.ssh alone.
        return workdir.path / "ssh" / f"{settings.instance_name}_a1_flex"
    from .keys import default_key_path

    return default_key_path(settings.instance_name)


def terraform_for(prepared_or_workdir: Prepared | Workdir, engine_flag: str | None, environ: Mapping[str, str]):
    """The chosen engine bound to the workdir (with the simulator in place of OCI if simulated)."""
    from .engine import find_engine
    from .engine.runner import Terraform

    workdir = prepared_or_workdir.workdir if isinstance(prepared_or_workdir, Prepared) else prepared_or_workdir
    provider_dir = None
    if workdir.simulated:
        from .simulator.launcher import install_provider

        provider_dir = install_provider(workdir.simulator_dir)
    return Terraform(find_engine(engine_flag, environ), workdir, provider_dir)
