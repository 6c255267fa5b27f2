"""`coinpilot-tf doctor`: read-only checks of everything a launch needs, one line each.

The checks are data (name, run, fix, what they need first). The local ones (engine, OCI config,
key file) cost no API call; `preflight` runs them before `retry` loops. The others ask OCI
read-only questions, of the session's cloud (cloud.py).
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
from pathlib import Path

from .cloud import Cloud
from .config import SHAPE, Settings, user_path, with_placeholders
from .engine import Engine
from .engine.environment import ENGINE_OWNED, ignored_names, owner
from .errors import ToolError, UsageError
from .instance import Instance
from .oci_api import ApiError, LimitUsage, OciApi, api_key_fingerprint
from .ownership import OWNERSHIP_TAG_KEY, ours_oldest_first
from .result import LaunchResult
from .session import Session
from .workdir import Workdir

OK, WARN, FAIL, SKIP = "ok", "warn", "FAIL", "skip"
MINIMUM_ENGINE = (1, 5, 0)  # the module's required_version
REQUIRED_PROFILE_KEYS = ("user", "tenancy", "fingerprint", "key_file", "region")
# OCI refuses requests whose Date is more than 5 minutes off; warn well before that.
CLOCK_SKEW_FAIL_SECONDS = 300
CLOCK_SKEW_WARN_SECONDS = 30
_API_KEYS_PAGE = "Console > Profile > My profile > API keys"


@dataclass(frozen=True)
class Finding:
    status: str  # OK, WARN or FAIL
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
    status: str
    detail: str
    fix: str | None

    @property
    def passed(self) -> bool:
        return self.status in (OK, WARN)

    def line(self) -> str:
        text = f"{self.status:<4}  {self.name}: {self.detail}"
        return f"{text}; fix: {self.fix}" if self.fix and self.status in (WARN, FAIL) else text


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
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(self.config_path)
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
        return Finding(FAIL, str(error))
    version = tuple(int(part) for part in re.findall(r"\d+", engine.version)[:3])
    if version < MINIMUM_ENGINE:
        return Finding(FAIL, f"{engine.describe()} is older than {'.'.join(map(str, MINIMUM_ENGINE))}")
    return Finding(OK, engine.describe())


def check_engine_environment(ctx: Context) -> Finding:
    """Terraform variables the engine sets itself are dropped from the user's (engine/environment.py)."""
    names = ignored_names(ctx.environ)
    if not names:
        return Finding(OK, "no Terraform variable the tool sets itself is in the environment")
    reasons = "; ".join(f"{name}: {ENGINE_OWNED[owner(name)]}" for name in names)
    return Finding(WARN, f"ignored (coinpilot-tf sets Terraform's environment itself): {reasons}")


def check_state_backend(ctx: Context) -> Finding:
    from .backends import LOCAL, engine_problem

    backend = ctx.settings.state_backend
    engine = ctx.engine()
    problem = engine_problem(backend, engine.kind, engine.version)
    if problem:
        return Finding(FAIL, f"STATE_BACKEND={backend}: {problem}, and the engine is {engine.describe()}")
    if backend == LOCAL:
        return Finding(OK, f"local, in {ctx.workdir.path}")
    return Finding(OK, f"{backend}, with {engine.kind} {engine.version}")


def check_oci_config(ctx: Context) -> Finding:
    path, name = ctx.config_path, ctx.settings.oci_profile
    if not path.is_file():
        return Finding(FAIL, f"{path} does not exist")
    profile = ctx.profile()
    if profile is None:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(path)
        present = ", ".join(parser.sections() + (["DEFAULT"] if parser.defaults() else [])) or "none"
        return Finding(
            FAIL,
            f"no profile [{name}] in {path} (it has: {present})",
            f"set OCI_PROFILE to one of them, or add [{name}] with the snippet from {_API_KEYS_PAGE}",
        )
    missing = [key for key in REQUIRED_PROFILE_KEYS if not profile.get(key)]
    if missing:
        return Finding(FAIL, f"[{name}] in {path} lacks {', '.join(missing)}")
    return Finding(OK, f"{path} [{name}]: region {profile['region']}")


def check_key_file(ctx: Context) -> Finding:
    from cryptography.hazmat.primitives import serialization

    path = ctx.key_path()
    try:
        phrase = _pass_phrase(ctx)
        serialization.load_pem_private_key(path.read_bytes(), phrase.encode() if phrase else None)
    except FileNotFoundError:
        return Finding(FAIL, f"{path} does not exist")
    except OSError as error:
        return Finding(FAIL, f"cannot read {path}: {error.strerror}")
    except TypeError:
        return Finding(
            FAIL, f"{path} is encrypted and the profile has no pass_phrase", "add pass_phrase=... to the profile"
        )
    except ValueError:
        return Finding(FAIL, f"{path} is not a PEM private key (or its pass_phrase is wrong)")
    return Finding(OK, str(path))


def check_key_permissions(ctx: Context) -> Finding:
    path = ctx.key_path()
    if os.name == "nt":
        return Finding(OK, "not checked on Windows")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return Finding(WARN, f"{path} can be read by other users (mode {mode:o})", f"chmod 600 {path}")
    return Finding(OK, f"mode {mode:o}")


def check_fingerprint(ctx: Context) -> Finding:
    profile = ctx.profile()
    actual = api_key_fingerprint(ctx.key_path(), _pass_phrase(ctx))
    if profile["fingerprint"].strip().lower() != actual:
        return Finding(
            FAIL,
            f"the profile says {profile['fingerprint']}, the key file's is {actual}",
            f"if {ctx.key_path()} is the key uploaded in {_API_KEYS_PAGE}, set fingerprint={actual} in "
            f"[{ctx.settings.oci_profile}]; otherwise point key_file at the uploaded key",
        )
    return Finding(OK, actual)


def _pass_phrase(ctx: Context) -> str | None:
    return ctx.profile().get("pass_phrase") or None


# ----- OCI checks (read-only calls) -----


def check_region(ctx: Context) -> Finding:
    region = ctx.profile()["region"]
    try:
        ads = ctx.region_ads()
    except UsageError as error:
        return Finding(FAIL, str(error))
    except ApiError as error:
        if error.status == 401:
            return Finding(
                FAIL,
                f"OCI refused the API key ({error.code})",
                f"upload the key's public half in {_API_KEYS_PAGE}, and check user and tenancy in the profile",
            )
        return Finding(FAIL, f"cannot list the availability domains of {region}: {error}")
    return Finding(OK, f"{region} ({len(ads)} availability domains)")


def check_availability_domains(ctx: Context) -> Finding:
    wanted = ctx.settings.availability_domains
    if not wanted:
        return Finding(
            FAIL, "AVAILABILITY_DOMAIN is not set", f"set it to 'all' or some of: {', '.join(ctx.region_ads())}"
        )
    unknown = [ad for ad in ctx.target_ads() if ad not in ctx.region_ads()]
    if unknown:
        return Finding(
            FAIL,
            f"{', '.join(unknown)} not in this region",
            f"set AVAILABILITY_DOMAIN to 'all' or some of: {', '.join(ctx.region_ads())}",
        )
    return Finding(OK, ", ".join(ctx.target_ads()))


def check_compartment(ctx: Context) -> Finding:
    ocid = ctx.settings.compartment_ocid
    if not ocid:
        return Finding(FAIL, "COMPARTMENT_OCID is not set")
    compartment = ctx.api().get_compartment(ocid)
    if compartment is None:
        return Finding(FAIL, f"{ocid} was not found, or your user may not read it")
    if compartment.lifecycle_state != "ACTIVE":
        return Finding(FAIL, f"{compartment.name} is {compartment.lifecycle_state}")
    return Finding(OK, f"{compartment.name} ({ocid})")


def check_subnet(ctx: Context) -> Finding:
    ocid = ctx.settings.subnet_ocid
    if not ocid:
        return Finding(FAIL, "SUBNET_OCID is not set")
    region = ctx.api().region
    subnet = ctx.api().get_subnet(ocid)
    if subnet is None:
        return Finding(
            FAIL,
            f"{ocid} was not found in {region}, or your user may not read it",
            f"use a subnet of {region} (Console > Networking > Virtual cloud networks > your VCN > Subnets)",
        )
    if subnet.lifecycle_state != "AVAILABLE":
        return Finding(FAIL, f"{subnet.display_name} is {subnet.lifecycle_state}")
    if subnet.prohibit_public_ip_on_vnic:
        return Finding(
            FAIL,
            f"{subnet.display_name} is private: it refuses the public IP the instance asks for",
            "use a public subnet (one whose route table has an internet gateway)",
        )
    if subnet.availability_domain:
        others = [ad for ad in ctx.target_ads() if ad != subnet.availability_domain]
        if others:
            return Finding(
                FAIL,
                f"{subnet.display_name} exists only in {subnet.availability_domain}, not in {', '.join(others)}",
                f"set AVAILABILITY_DOMAIN={subnet.availability_domain}, or use a regional subnet",
            )
        return Finding(OK, f"{subnet.display_name} (in {subnet.availability_domain} only)")
    return Finding(OK, f"{subnet.display_name} (regional)")


def check_image(ctx: Context) -> Finding:
    from . import images

    api, settings = ctx.api(), ctx.settings
    chosen = None if settings.image_ocid else images.recorded(ctx.workdir)
    ocid = settings.image_ocid or (chosen and chosen.image_ocid)
    if ocid is None:
        try:
            image, _ = images.discover(api, settings.image_compartment_ocid or settings.compartment_ocid or api.tenancy)
        except ToolError as error:
            return Finding(FAIL, str(error), "set IMAGE_OCID to an aarch64 image of this region")
        return Finding(OK, f"{image.display_name} (discovered; the next render records it)")
    source = "IMAGE_OCID" if settings.image_ocid else f"recorded in {images.record_path(ctx.workdir)}"
    image = api.get_image(ocid)
    if image is None:
        return Finding(
            FAIL,
            f"{ocid} ({source}) was not found in {api.region}",
            "images are regional: pick one of this region, or leave IMAGE_OCID empty to discover one",
        )
    if SHAPE not in api.image_shapes(ocid):
        return Finding(
            FAIL,
            f"{image.display_name} ({source}) is not compatible with {SHAPE}",
            "use an aarch64 image such as Canonical Ubuntu 22.04 Minimal aarch64, or leave IMAGE_OCID empty",
        )
    return Finding(OK, f"{image.display_name} ({source}) fits {SHAPE}")


def check_limits(ctx: Context) -> Finding:
    usages = ctx.api().a1_limits(ctx.target_ads())
    if not usages:
        return Finding(
            WARN, "the tenancy shows no A1 limits", "check Console > Governance > Limits, Quotas and Usage (compute)"
        )
    summary = ", ".join(
        f"{u.resource} {u.used:g}/{u.value:g} used" + (f" in {u.availability_domain}" if u.availability_domain else "")
        for u in usages
    )
    sizes = ctx.settings.size_list()
    fitting = [size for size in sizes if _fits(usages, size.ocpus, size.memory_gbs, ctx.target_ads())]
    if not fitting and ctx.our_instances():
        # Our own instance holds the allowance: there is nothing left to launch anyway.
        return Finding(OK, f"{summary}, by {', '.join(i.display_name for i in ctx.our_instances())} (ours)")
    if not fitting:
        left = ", ".join(f"{u.available:g} {_unit(u)}" for u in usages)
        return Finding(
            FAIL,
            f"{summary}; no requested size ({', '.join(map(str, sizes))}) fits what is left ({left})",
            "terminate the A1 instance that uses it (a just-terminated one may count for about an hour), "
            "or ask for a size that fits (--size OCPUS:GB)",
        )
    if fitting != list(sizes):
        return Finding(
            WARN,
            f"{summary}; only {', '.join(map(str, fitting))} fits what is left",
            "free A1 capacity or expect the smaller size",
        )
    return Finding(OK, f"{summary}; {sizes[0]} fits")


def _unit(usage: LimitUsage) -> str:
    if usage.resource != "core":
        return "GB"
    return "OCPU" if usage.available == 1 else "OCPUs"


def _fits(usages: list[LimitUsage], ocpus: float, memory_gbs: float, ads: tuple[str, ...]) -> bool:
    """Every regional limit has room, and so do the per-AD limits of at least one target AD."""
    need = {"core": ocpus, "memory": memory_gbs}

    def room(scope: str | None) -> bool:
        return all(need[u.resource] <= u.available for u in usages if u.availability_domain == scope)

    per_ad = any(u.availability_domain for u in usages)
    return room(None) and (not per_ad or any(room(ad) for ad in ads))


def check_existing_instances(ctx: Context) -> Finding:
    name = ctx.settings.instance_name
    ours = ctx.our_instances()
    if not ours:
        return Finding(OK, f"none is named {name} or tagged {OWNERSHIP_TAG_KEY}={name}")
    won = _won_instance_id(ctx.workdir)
    strangers = [i for i in ours if i.id != won]
    if not strangers:
        return Finding(OK, f"{won} is the instance this workdir won")
    listed = ", ".join(f"{i.display_name} {i.id} ({i.lifecycle_state})" for i in strangers)
    return Finding(
        WARN,
        f"already named {name} or tagged {OWNERSHIP_TAG_KEY}={name}: {listed}",
        "`retry` adopts it instead of launching another; terminate it first, or choose another INSTANCE_NAME, if it is not the one you want",
    )


def _won_instance_id(workdir: Workdir) -> str | None:
    launch = LaunchResult.load(workdir)
    return launch.instance_id if launch else None


def check_reclaim_risk(ctx: Context) -> Finding:
    """A won instance under Oracle's idle line may be stopped: a warning, never a failure."""
    from .reclaim import reclaim_risk

    won = _won_instance_id(ctx.workdir)
    if won is None:
        return Finding(OK, "no instance won in this workdir yet")
    risk = reclaim_risk(lambda: ctx.api().cpu_utilization(won, ctx.settings.compartment_ocid))
    if risk.cpu_p95 is None:
        return Finding(
            WARN,
            risk.describe(),
            "turn on the Oracle Cloud Agent's Compute Instance Monitoring plugin "
            "(Console > Instance > Oracle Cloud Agent) and allow your group to read "
            "metrics in the compartment",
        )
    if risk.warning:
        return Finding(
            WARN,
            risk.describe(),
            "give the instance regular work, or keep `coinpilot-tf retry` scheduled: "
            "it starts the instance again when Oracle stops it",
        )
    return Finding(OK, risk.describe())


def check_clock(ctx: Context) -> Finding:
    skew = ctx.api().clock_skew_seconds(ctx.clock)
    detail = f"the API's clock is {skew:+.0f} s from ours"
    if abs(skew) >= CLOCK_SKEW_FAIL_SECONDS:
        return Finding(FAIL, detail + f"; OCI refuses requests more than {CLOCK_SKEW_FAIL_SECONDS // 60} minutes off")
    if abs(skew) >= CLOCK_SKEW_WARN_SECONDS:
        return Finding(WARN, detail)
    return Finding(OK, detail)


def check_notifications(ctx: Context) -> Finding:
    from .notify import Notifier

    notifier = Notifier.from_settings(ctx.settings)
    if not notifier.channels:
        return Finding(FAIL, "no channel is set (DISCORD_WEBHOOK_URL, NOTIFY_URLS)")
    failed = [f"{channel}: {error}" for channel, error in notifier.test() if error is not None]
    if failed:
        return Finding(FAIL, "the test message did not get through to " + "; ".join(failed))
    return Finding(OK, f"test message sent to {len(notifier.channels)} channel(s)")


_CONFIG_FIX = f"create an API key in {_API_KEYS_PAGE} and paste the config snippet it shows into ~/.oci/config (or run `oci setup config`)"
_LOCAL = ("oci config", "key file", "fingerprint")
_API = (*_LOCAL, "region")

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
API_CHECKS: tuple[Check, ...] = (
    Check("region", check_region, "check region in the profile and your network", _LOCAL),
    Check("availability domains", check_availability_domains, "set AVAILABILITY_DOMAIN", _API),
    Check(
        "compartment",
        check_compartment,
        "export COMPARTMENT_OCID (Console > Identity > Compartments; the tenancy OCID works too) and check your policies",
        _API,
    ),
    Check("subnet", check_subnet, "export SUBNET_OCID of an existing public subnet", (*_API, "availability domains")),
    Check("image", check_image, "set IMAGE_OCID, or leave it empty to discover one", _API),
    Check(
        "A1 limits",
        check_limits,
        "free A1 capacity, or ask for a smaller size",
        (*_API, "availability domains", "compartment"),
    ),
    Check("existing instances", check_existing_instances, "check the compartment's instances", (*_API, "compartment")),
    Check("clock", check_clock, "sync your clock (NTP, e.g. `timedatectl set-ntp true`)", _API),
    Check("reclaim risk", check_reclaim_risk, "keep the instance busy, or keep `coinpilot-tf retry` scheduled", _API),
)
NOTIFY_CHECK = Check(
    "notifications",
    check_notifications,
    "check DISCORD_WEBHOOK_URL (Server Settings > Integrations > Webhooks) and NOTIFY_URLS",
)


def run_checks(ctx: Context, checks: tuple[Check, ...]) -> list[Outcome]:
    """Each check in order; one whose needs did not pass is skipped. Closes the API connection."""
    outcomes: dict[str, Outcome] = {}
    try:
        for check in checks:
            blocked = [name for name in check.needs if name in outcomes and not outcomes[name].passed]
            if blocked:
                outcomes[check.name] = Outcome(check.name, SKIP, f"needs {blocked[0]} to pass first", None)
                continue
            try:
                finding = check.run(ctx)
            except ApiError as error:
                finding = Finding(FAIL, str(error))
            outcomes[check.name] = Outcome(check.name, finding.status, finding.detail, finding.fix or check.fix)
    finally:
        ctx.close()
    return list(outcomes.values())


def context_for(session: Session, settings: Settings | None = None, clock: Callable[[], float] = time.time) -> Context:
    """The checks look at the session's cloud, with the placeholders it gives for what the user did not set."""
    settings = with_placeholders(settings or session.settings, session.cloud.placeholders)
    return Context(settings, session.workdir, session.cloud, lambda: session.engine, session.environ, clock)


def diagnose(session: Session, notify_test: bool = False, clock: Callable[[], float] = time.time) -> list[Outcome]:
    """`coinpilot-tf doctor`: every check (and the notifications' test message if asked)."""
    checks = LOCAL_CHECKS + API_CHECKS + ((NOTIFY_CHECK,) if notify_test else ())
    return run_checks(context_for(session, clock=clock), checks)


def preflight(
    session: Session, settings: Settings | None = None, needed: tuple[str, ...] | None = None
) -> list[Outcome]:
    """The local checks only (no API call), before anything is sent to OCI. Raises UsageError naming
    the first failing check among `needed` (default: all) and its fix; returns every outcome."""
    outcomes = run_checks(context_for(session, settings), LOCAL_CHECKS)
    failed = next((o for o in outcomes if o.status == FAIL and (needed is None or o.name in needed)), None)
    if failed is not None:
        raise UsageError(failed.name, f"{failed.detail}; fix: {failed.fix}")
    return outcomes
