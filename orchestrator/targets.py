"""A targets file: several accounts (or instances) from one process.

TOML: `[defaults]` (optional) and one `[targets.NAME]` table per target, with the config file's keys
(config.py reads and checks them, naming the target and the key), plus `simulate`, `simulator_dir`
and `workdir`. NAME is the target's instance name (so its workdir and SSH key) unless its table sets
`instance_name`. `--simulate` on the command line rehearses the targets that name no scenario.
A target's values beat the flags, the environment and --config, which still give
what no table sets (the shared notification channel, for one). Each target gets a Session of its
own (session.py): its settings, workdir, cloud and engine, exactly as a single `retry` would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import config_values, read_toml, user_path
from .errors import UsageError
from .session import Session

TARGETS_OPTION = "--targets"
# The keys of a target's table that are not settings: how its session is made.
SCENARIO_KEY = "simulate"  # as --simulate: a rehearsal against the simulated OCI
SIMULATOR_DIR_KEY = "simulator_dir"  # as COINPILOT_TF_SIMULATOR_DIR: its simulated cloud's folder
WORKDIR_KEY = "workdir"  # as --workdir
SESSION_KEYS = (SCENARIO_KEY, SIMULATOR_DIR_KEY, WORKDIR_KEY)
# What would make every target use one folder: each target says its own in its table.
SHARED_FOLDER_SETTINGS = ("COINPILOT_TF_WORKDIR", "COINPILOT_TF_SIMULATOR_DIR")


@dataclass(frozen=True)
class Target:
    name: str
    session: Session


def read_targets(path: Path) -> dict[str, dict[str, Any]]:
    """Each target's table, `[defaults]` merged under it, by name (in the file's order)."""
    data = read_toml(path, TARGETS_OPTION, "see docs/targets.md for an example")
    unknown = sorted(set(data) - {"defaults", "targets"})
    if unknown:
        raise UsageError(
            TARGETS_OPTION,
            f"unknown table {unknown[0]!r} in {path}; a targets file has [defaults] and [targets.NAME] tables",
        )
    defaults, targets = data.get("defaults", {}), data.get("targets", {})
    if not isinstance(defaults, dict) or not isinstance(targets, dict) or not targets:
        raise UsageError(TARGETS_OPTION, f"{path} has no [targets.NAME] table; add one per target (docs/targets.md)")
    for name, table in targets.items():
        if not isinstance(table, dict):
            raise UsageError(f"targets.{name}", f"is not a table in {path}; write it as [targets.{name}]")
    return {name: {**defaults, **table} for name, table in targets.items()}


def load_targets(base: Session, path: Path) -> list[Target]:
    """Every target's session, its settings and workdir checked now: a bad key or value is a
    UsageError naming the target and the key, before anything runs."""
    if base.flags.get("workdir"):
        raise UsageError("--workdir", f"cannot be used with {TARGETS_OPTION}; set `workdir` in a target's table")
    targets = [Target(name, _session(base, path, name, table)) for name, table in read_targets(path).items()]
    _distinct_workdirs(targets)
    return targets


def pick_target(base: Session, path: Path, name: str | None) -> Target:
    """The target `--target NAME` names, or the only one."""
    targets = load_targets(base, path)
    if name is None and len(targets) == 1:
        return targets[0]
    found = next((target for target in targets if target.name == name), None)
    if found is None:
        names = ", ".join(target.name for target in targets)
        wanted = "which one" if name is None else f"{name!r} is not one of them"
        raise UsageError("--target", f"{path} has the targets {names}: {wanted}; give --target NAME")
    return found


def _session(base: Session, path: Path, name: str, table: Mapping[str, Any]) -> Session:
    where = f"targets.{name}"
    environ = {key: value for key, value in base.environ.items() if key not in SHARED_FOLDER_SETTINGS}
    session = Session(environ)
    session.flags = dict(base.flags)
    session.scenario = base.scenario  # --simulate: a rehearsal of every target that names no scenario
    settings_table = {key: value for key, value in table.items() if key not in SESSION_KEYS}
    session.fixed = config_values(settings_table, path, where, prefix=f"{where}.")
    session.fixed.setdefault("instance_name", (name, f"the target name {where} in {path}"))
    if SCENARIO_KEY in table:
        session.scenario = _text(table[SCENARIO_KEY], f"{where}.{SCENARIO_KEY}", 'like "capacity*3,ok"')
    if SIMULATOR_DIR_KEY in table:
        label = f"{where}.{SIMULATOR_DIR_KEY}"
        folder = user_path(label, _text(table[SIMULATOR_DIR_KEY], label, "a folder's path"))
        environ["COINPILOT_TF_SIMULATOR_DIR"] = str(folder if folder.is_absolute() else path.parent / folder)
    if WORKDIR_KEY in table:
        label = f"{where}.{WORKDIR_KEY}"
        folder = user_path(label, _text(table[WORKDIR_KEY], label, "a folder's path"))
        session.flags["workdir"] = str(folder if folder.is_absolute() else path.parent / folder)
    session.workdir  # noqa: B018  (loads and checks the settings now, with the target's name in any error)
    session.cloud  # noqa: B018  (the simulated cloud a rehearsal asks for, checked now too)
    return session


def _text(value: Any, label: str, example: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(label, f"must be a non-empty string, {example}")
    return value.strip()


def _distinct_workdirs(targets: list[Target]) -> None:
    seen: dict[Path, str] = {}
    for target in targets:
        path = target.session.workdir.path
        if path in seen:
            raise UsageError(
                f"targets.{target.name}",
                f"uses the workdir {path} of targets.{seen[path]}; give each target its own instance_name or workdir",
            )
        seen[path] = target.name


def tenancy_of(session: Session) -> str:
    """Which tenancy a target launches in, for pacing shared between targets (tenancy_gate.py):
    a simulated cloud's folder, else the `tenancy` of the OCI config profile (the profile's name
    when the file does not say: the run reports the config problem itself)."""
    cloud, profile = session.cloud, session.settings.oci_profile
    if cloud.simulated:
        return f"simulated OCI in {cloud.status_fields.get('simulator_dir')}"
    from .oci_config import config_file, read_config

    try:
        tenancy = read_config(config_file(session.environ))[profile].get("tenancy")
    except (UsageError, KeyError):
        tenancy = None
    return tenancy or f"profile {profile}"
