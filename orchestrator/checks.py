"""The checks' frame (a check, its finding, the context it looks at) and the local checks.

The local checks (engine, state backend, OCI config, key file) cost no API call: `doctor` runs
them first, and `retry` and `render` run them (`preflight`) before anything is sent to OCI. The
checks that ask OCI live in doctor.py.
"""

from __future__ import annotations

import configparser
import contextlib
import functools
import os
import re
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .cloud import Cloud
from .config import Settings, user_path, with_placeholders
from .engine import Engine
from .engine.environment import ENGINE_OWNED, ignored_names, owner
from .errors import ToolError, UsageError
from .instance import Instance
from .oci_api import ApiError, OciApi, api_key_fingerprint
from .oci_config import read_config
from .ownership import ours_oldest_first
from .session import Session
from .workdir import Workdir


class CheckStatus(StrEnum):
    """A check's verdict, as its line starts (FAIL in capitals, to stand out)."""

    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"
    SKIP = "skip"  # a check it needs did not pass


MINIMUM_ENGINE = (1, 5, 0)  # the module's required_version
REQUIRED_PROFILE_KEYS = ("user", "tenancy", "fingerprint", "key_file", "region")
API_KEYS_PAGE = "Console > Profile > My profile > API keys"


@dataclass(frozen=True)
class Finding:
    status: CheckStatus  # OK, WARN or FAIL
    detail: str
    fix: str | None = None  # replaces the check's own fix when set


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Context], Finding]
    fix: str
    needs: tuple[str, ...] = ()  # checks that must pass first; otherwise this one is skipped


@dataclass(frozen=True)
class Outcome:
    name: str
    status: CheckStatus
    detail: str
    fix: str | None

    @property
    def passed(self) -> bool:
        return self.status in (CheckStatus.OK, CheckStatus.WARN)

    @property
    def advice(self) -> str | None:
        """The fix, shown only for a check that warns or fails."""
        return self.fix if self.status in (CheckStatus.WARN, CheckStatus.FAIL) else None

    def line(self) -> str:
        text = f"{self.status:<4}  {self.name}: {self.detail}"
        return f"{text}; fix: {self.advice}" if self.advice else text

    def to_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "status": str(self.status), "detail": self.detail, "fix": self.advice}


@dataclass
class Context:
    """What the checks look at. `api()` connects on first use and stays open until `close()`."""

    settings: Settings
    workdir: Workdir
    cloud: Cloud
    engine: Callable[[], Engine]  # the session's, found once
    environ: Mapping[str, str]  # the session's: what Terraform would be started from
    clock: Callable[[], float] = time.time
    _connection: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _api: OciApi | None = None
    _region_ads: list[str] | None = None
    _ours: list[Instance] | None = None

    @functools.cached_property
    def config_path(self) -> Path:
        return self.cloud.config_path(self.settings.oci_profile)

    def profile(self) -> configparser.SectionProxy | None:
        parser = read_config(self.config_path)
        name = self.settings.oci_profile
        return (
            parser[name] if parser.has_section(name) or (name == parser.default_section and parser.defaults()) else None
        )

    def key_path(self) -> Path:
        return user_path(f"key_file in {self.config_path}", self.profile()["key_file"])

    def api(self) -> OciApi:
        if self._api is None:
            self._api = self._connection.enter_context(self.cloud.api(self.settings.oci_profile))
        return self._api

    def region_ads(self) -> list[str]:
        if self._region_ads is None:
            self._region_ads = self.api().availability_domains()
        return self._region_ads

    def our_instances(self) -> list[Instance]:
        """Live instances in the compartment that carry our display name or ownership tag, oldest first."""
        if self._ours is None:
            listed = self.api().list_instances(self.settings.compartment_ocid)
            self._ours = ours_oldest_first(listed, self.settings.instance_name)
        return self._ours

    def target_ads(self) -> tuple[str, ...]:
        ads = self.settings.availability_domains or ()
        return tuple(self.region_ads()) if ads == ("all",) else ads

    def close(self) -> None:
        self._connection.close()


# ----- local checks -----


def check_engine(ctx: Context) -> Finding:
    try:
        engine = ctx.engine()
    except (ToolError, UsageError) as error:
        return Finding(CheckStatus.FAIL, str(error))
    version = tuple(int(part) for part in re.findall(r"\d+", engine.version)[:3])
    if version < MINIMUM_ENGINE:
        return Finding(CheckStatus.FAIL, f"{engine.describe()} is older than {'.'.join(map(str, MINIMUM_ENGINE))}")
    return Finding(CheckStatus.OK, engine.describe())


def check_engine_environment(ctx: Context) -> Finding:
    """Terraform variables the engine sets itself are dropped from the user's (engine/environment.py)."""
    names = ignored_names(ctx.environ)
    if not names:
        return Finding(CheckStatus.OK, "no Terraform variable the tool sets itself is in the environment")
    reasons = "; ".join(f"{name}: {ENGINE_OWNED[owner(name)]}" for name in names)
    return Finding(CheckStatus.WARN, f"ignored (coinpilot-tf sets Terraform's environment itself): {reasons}")


def check_state_backend(ctx: Context) -> Finding:
    from .backends import LOCAL, engine_problem

    backend = ctx.settings.state_backend
    engine = ctx.engine()
    problem = engine_problem(backend, engine.kind, engine.version)
    if problem:
        return Finding(CheckStatus.FAIL, f"STATE_BACKEND={backend}: {problem}, and the engine is {engine.describe()}")
    if backend == LOCAL:
        return Finding(CheckStatus.OK, f"local, in {ctx.workdir.path}")
    return Finding(CheckStatus.OK, f"{backend}, with {engine.kind} {engine.version}")


def check_required_settings(ctx: Context) -> Finding:
    from .config import FIELDS_BY_NAME

    unset = ctx.settings.unset_targets()
    if unset:
        return Finding(CheckStatus.FAIL, f"{', '.join(unset)} {'are' if len(unset) > 1 else 'is'} not set")
    targets = ctx.settings.launch_targets()
    return Finding(CheckStatus.OK, ", ".join(FIELDS_BY_NAME[name].env for name in targets) + " are set")


def check_oci_config(ctx: Context) -> Finding:
    path, name = ctx.config_path, ctx.settings.oci_profile
    if not path.is_file():
        return Finding(CheckStatus.FAIL, f"{path} does not exist")
    profile = ctx.profile()
    if profile is None:
        parser = read_config(path)
        present = ", ".join(parser.sections() + (["DEFAULT"] if parser.defaults() else [])) or "none"
        return Finding(
            CheckStatus.FAIL,
            f"no profile [{name}] in {path} (it has: {present})",
            f"set OCI_PROFILE to one of them, or add [{name}] with the snippet from {API_KEYS_PAGE}",
        )
    missing = [key for key in REQUIRED_PROFILE_KEYS if not profile.get(key)]
    if missing:
        return Finding(CheckStatus.FAIL, f"[{name}] in {path} lacks {', '.join(missing)}")
    return Finding(CheckStatus.OK, f"{path} [{name}]: region {profile['region']}")


def check_key_file(ctx: Context) -> Finding:
    from cryptography.hazmat.primitives import serialization

    path = ctx.key_path()
    try:
        phrase = _pass_phrase(ctx)
        # Readable, and the pass phrase opens it; the SDK signs with it, so the RSA math is its to check.
        serialization.load_pem_private_key(
            path.read_bytes(), phrase.encode() if phrase else None, unsafe_skip_rsa_key_validation=True
        )
    except FileNotFoundError:
        return Finding(CheckStatus.FAIL, f"{path} does not exist")
    except OSError as error:
        return Finding(CheckStatus.FAIL, f"cannot read {path}: {error.strerror}")
    except TypeError:
        return Finding(
            CheckStatus.FAIL,
            f"{path} is encrypted and the profile has no pass_phrase",
            "add pass_phrase=... to the profile",
        )
    except ValueError:
        return Finding(CheckStatus.FAIL, f"{path} is not a PEM private key (or its pass_phrase is wrong)")
    return Finding(CheckStatus.OK, str(path))


def check_key_permissions(ctx: Context) -> Finding:
    path = ctx.key_path()
    if os.name == "nt":
        return Finding(CheckStatus.OK, "not checked on Windows")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return Finding(CheckStatus.WARN, f"{path} can be read by other users (mode {mode:o})", f"chmod 600 {path}")
    return Finding(CheckStatus.OK, f"mode {mode:o}")


def check_fingerprint(ctx: Context) -> Finding:
    profile = ctx.profile()
    actual = api_key_fingerprint(ctx.key_path(), _pass_phrase(ctx))
    if profile["fingerprint"].strip().lower() != actual:
        return Finding(
            CheckStatus.FAIL,
            f"the profile says {profile['fingerprint']}, the key file's is {actual}",
            f"if {ctx.key_path()} is the key uploaded in {API_KEYS_PAGE}, set fingerprint={actual} in "
            f"[{ctx.settings.oci_profile}]; otherwise point key_file at the uploaded key",
        )
    return Finding(CheckStatus.OK, actual)


def _pass_phrase(ctx: Context) -> str | None:
    return ctx.profile().get("pass_phrase") or None


_CONFIG_FIX = f"create an API key in {API_KEYS_PAGE} and paste the config snippet it shows into ~/.oci/config (or run `oci setup config`)"

LOCAL_CHECKS: tuple[Check, ...] = (
    Check("engine", check_engine, "install Terraform 1.5+ or OpenTofu, or set COINPILOT_TF_TERRAFORM to its path"),
    Check(
        "state backend",
        check_state_backend,
        "put a newer terraform on PATH, or use the engine shipped with "
        "coinpilot-tf: --terraform bundled (COINPILOT_TF_TERRAFORM=bundled)",
        ("engine",),
    ),
    Check("engine environment", check_engine_environment, "unset them: they would not reach Terraform"),
    Check(
        "required settings", check_required_settings, "export what is missing (see the README), or try --simulate ok"
    ),
    Check("oci config", check_oci_config, _CONFIG_FIX),
    Check(
        "key file",
        check_key_file,
        "point key_file in the profile at the private key of your OCI API key",
        ("oci config",),
    ),
    Check("key permissions", check_key_permissions, "chmod 600 the key file", ("key file",)),
    Check("fingerprint", check_fingerprint, "set fingerprint in the profile to the key's", ("key file",)),
)


def run_checks(ctx: Context, checks: tuple[Check, ...]) -> list[Outcome]:
    """Each check in order; one whose needs did not pass is skipped. Closes the API connection."""
    outcomes: dict[str, Outcome] = {}
    try:
        for check in checks:
            blocked = [name for name in check.needs if name in outcomes and not outcomes[name].passed]
            if blocked:
                outcomes[check.name] = Outcome(check.name, CheckStatus.SKIP, f"needs {blocked[0]} to pass first", None)
                continue
            try:
                finding = check.run(ctx)
            except ApiError as error:
                finding = Finding(CheckStatus.FAIL, str(error))
            outcomes[check.name] = Outcome(check.name, finding.status, finding.detail, finding.fix or check.fix)
    finally:
        ctx.close()
    return list(outcomes.values())


def context_for(session: Session, settings: Settings | None = None, clock: Callable[[], float] = time.time) -> Context:
    """The checks look at the session's cloud, with the placeholders it gives for what the user did not set."""
    settings = with_placeholders(settings or session.settings, session.cloud.placeholders)
    return Context(settings, session.workdir, session.cloud, lambda: session.engine, session.environ, clock)


def preflight(
    session: Session, settings: Settings | None = None, needed: tuple[str, ...] | None = None
) -> list[Outcome]:
    """The local checks only (no API call), before anything is sent to OCI. Raises UsageError naming
    the first failing check among `needed` (default: all) and its fix; returns every outcome."""
    outcomes = run_checks(context_for(session, settings), LOCAL_CHECKS)
    failed = next((o for o in outcomes if o.status == CheckStatus.FAIL and (needed is None or o.name in needed)), None)
    if failed is not None:
        raise UsageError(failed.name, f"{failed.detail}; fix: {failed.fix}")
    return outcomes
