"""From flags and environment to a ready workdir: settings, simulator, key, engine, module.

Everything here is local and checked before anything else, except two read-only questions
to OCI in real mode: the image when IMAGE_OCID is empty, and the ADs for 'all'.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Settings, load_settings, require_target, with_placeholders
from .workdir import Workdir


@dataclass(frozen=True)
class Prepared:
    settings: Settings
    workdir: Workdir
    availability_domains: tuple[str, ...]
    ssh_private_key: Path
    ssh_public_key: str
    simulated: bool
    notices: tuple[str, ...] = ()  # warnings for the user: big sizes, repaired key permissions


def load(flags: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[Settings, Workdir]:
    """Settings and the workdir they name, without touching anything."""
    config_file = flags.get("config")
    settings = load_settings(flags, environ, Path(config_file) if config_file else None)
    return settings, Workdir.locate(settings.instance_name, flags.get("workdir"), environ)


def prepare(flags: Mapping[str, Any], environ: Mapping[str, str], simulate: str | None = None, refresh_image: bool = False) -> Prepared:
    settings, workdir = load(flags, environ)
    simulated = simulate is not None or workdir.simulated
    if simulated:
        from .simulator.scenario import parse_scenario
        from .simulator.store import PLACEHOLDERS, CloudStore

        if simulate is not None:
            parse_scenario(simulate)
        workdir.create()
        _share_simulator(workdir, environ)
        CloudStore.ensure(
            workdir.simulator_dir, simulate,
            subnet_ocid=settings.subnet_ocid, compartment_ocid=settings.compartment_ocid,
        )
        # One AD unless the user asks for more ('all' gives the simulated region's three).
        settings = with_placeholders(settings, {**PLACEHOLDERS, "availability_domains": PLACEHOLDERS["availability_domains"][:1]})
        known_ads = tuple(PLACEHOLDERS["availability_domains"])
    else:
        require_target(settings)
    from .doctor import preflight

    # The local checks (engine, OCI config, key, fingerprint) before any call to OCI.
    preflight(settings, workdir, flags.get("engine"), environ)
    if not simulated:
        settings, known_ads = _ask_oci(settings, workdir, refresh_image)
    ads = settings.availability_domains
    if ads == ("all",):
        ads = known_ads
    key_path = settings.ssh_key_path or _default_key_path(settings, workdir, simulated)
    from .keys import ensure_key_pair

    key = ensure_key_pair(key_path)
    notices = settings.warnings + tuple(f"fixed SSH key permissions: {repair}" for repair in key.repairs)
    return Prepared(settings, workdir, tuple(ads), key.private_path, key.public_key, simulated, notices)


# A simulated cloud several workdirs share (standing for several machines and one OCI).
SIMULATOR_DIR_SETTING = "COINPILOT_TF_SIMULATOR_DIR"


def _share_simulator(workdir: Workdir, environ: Mapping[str, str]) -> None:
    """With COINPILOT_TF_SIMULATOR_DIR, <workdir>/simulator is a link to that folder."""
    shared = environ.get(SIMULATOR_DIR_SETTING, "").strip()
    if not shared or workdir.simulator_dir.is_symlink():
        return
    folder = Path(shared).expanduser().absolute()
    folder.mkdir(parents=True, exist_ok=True)
    workdir.simulator_dir.symlink_to(folder, target_is_directory=True)


def _ask_oci(settings: Settings, workdir: Workdir, refresh_image: bool) -> tuple[Settings, tuple[str, ...]]:
    """Real mode, what the user left to OCI (read-only calls, and only if needed): the image
    (discovered once, then recorded in the workdir) and the region's ADs for 'all'."""
    from . import images, oci_api

    with contextlib.ExitStack() as connection:
        api = functools.cache(lambda: connection.enter_context(oci_api.connect(settings.oci_profile)))
        if not settings.image_ocid:
            where = settings.image_compartment_ocid or settings.compartment_ocid
            settings = settings.replace(image_ocid=images.resolve(workdir, where, api, refresh_image).image_ocid)
        known_ads = tuple(api().availability_domains()) if settings.availability_domains == ("all",) else ()
    return settings, known_ads


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
