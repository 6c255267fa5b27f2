"""`coinpilot-tf doctor`: read-only checks of everything a launch needs, one line each.

The checks are data (name, run, fix, what they need first; checks.py). The local ones run first;
the others ask OCI read-only questions, of the session's cloud (cloud.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from . import allowance
from .checks import (
    API_KEYS_PAGE,
    LOCAL_CHECKS,
    Check,
    CheckStatus,
    Context,
    Finding,
    Outcome,
    context_for,
    run_checks,
)
from .config import SHAPE
from .errors import ToolError, UsageError
from .journal import Journal
from .launch_budget import Pacing, launch_call_times
from .launch_result import LaunchResult
from .oci_api import ApiError, LimitUsage
from .ownership import OWNERSHIP_TAG_KEY
from .session import Session
from .size import Size, plain_number
from .workdir import Workdir

# OCI refuses requests whose Date is more than 5 minutes off; warn well before that.
CLOCK_SKEW_FAIL_SECONDS = 300
CLOCK_SKEW_WARN_SECONDS = 30


# ----- OCI checks (read-only calls) -----


def check_region(ctx: Context) -> Finding:
    region = ctx.profile()["region"]
    try:
        ads = ctx.region_ads()
    except UsageError as error:
        return Finding(CheckStatus.FAIL, str(error))
    except ApiError as error:
        if error.status == 401:
            return Finding(
                CheckStatus.FAIL,
                f"OCI refused the API key ({error.code})",
                f"upload the key's public half in {API_KEYS_PAGE}, and check user and tenancy in the profile",
            )
        return Finding(CheckStatus.FAIL, f"cannot list the availability domains of {region}: {error}")
    return Finding(CheckStatus.OK, f"{region} ({len(ads)} availability domains)")


def check_availability_domains(ctx: Context) -> Finding:
    wanted = ctx.settings.availability_domains
    if not wanted:
        return Finding(
            CheckStatus.FAIL,
            "AVAILABILITY_DOMAIN is not set",
            f"set it to 'all' or some of: {', '.join(ctx.region_ads())}",
        )
    unknown = [ad for ad in ctx.target_ads() if ad not in ctx.region_ads()]
    if unknown:
        return Finding(
            CheckStatus.FAIL,
            f"{', '.join(unknown)} not in this region",
            f"set AVAILABILITY_DOMAIN to 'all' or some of: {', '.join(ctx.region_ads())}",
        )
    return Finding(CheckStatus.OK, ", ".join(ctx.target_ads()))


def check_compartment(ctx: Context) -> Finding:
    ocid = ctx.settings.compartment_ocid
    if not ocid:
        return Finding(CheckStatus.FAIL, "COMPARTMENT_OCID is not set")
    compartment = ctx.api().get_compartment(ocid)
    if compartment is None:
        return Finding(CheckStatus.FAIL, f"{ocid} was not found, or your user may not read it")
    if compartment.lifecycle_state != "ACTIVE":
        return Finding(CheckStatus.FAIL, f"{compartment.name} is {compartment.lifecycle_state}")
    return Finding(CheckStatus.OK, f"{compartment.name} ({ocid})")


def check_subnet(ctx: Context) -> Finding:
    if ctx.settings.creates_network:
        return check_vcn_quota(ctx)
    ocid = ctx.settings.subnet_ocid
    if not ocid:
        return Finding(CheckStatus.FAIL, "SUBNET_OCID is not set")
    region = ctx.api().region
    subnet = ctx.api().get_subnet(ocid)
    if subnet is None:
        return Finding(
            CheckStatus.FAIL,
            f"{ocid} was not found in {region}, or your user may not read it",
            f"use a subnet of {region} (Console > Networking > Virtual cloud networks > your VCN > Subnets)",
        )
    if subnet.lifecycle_state != "AVAILABLE":
        return Finding(CheckStatus.FAIL, f"{subnet.display_name} is {subnet.lifecycle_state}")
    if subnet.prohibit_public_ip_on_vnic:
        return Finding(
            CheckStatus.FAIL,
            f"{subnet.display_name} is private: it refuses the public IP the instance asks for",
            "use a public subnet (one whose route table has an internet gateway)",
        )
    if subnet.availability_domain:
        others = [ad for ad in ctx.target_ads() if ad != subnet.availability_domain]
        if others:
            return Finding(
                CheckStatus.FAIL,
                f"{subnet.display_name} exists only in {subnet.availability_domain}, not in {', '.join(others)}",
                f"set AVAILABILITY_DOMAIN={subnet.availability_domain}, or use a regional subnet",
            )
        return Finding(CheckStatus.OK, f"{subnet.display_name} (in {subnet.availability_domain} only)")
    return Finding(CheckStatus.OK, f"{subnet.display_name} (regional)")


def check_vcn_quota(ctx: Context) -> Finding:
    """NETWORK=create: the first attempt creates a VCN, which needs one left of the region's limit."""
    quota = ctx.api().vcn_quota()
    if quota is None:
        return Finding(CheckStatus.WARN, "NETWORK=create, and the tenancy shows no vcn-count limit")
    used, limit = quota
    if used >= limit:
        return Finding(
            CheckStatus.FAIL,
            f"NETWORK=create needs a VCN, and all {limit:g} of the region's are used",
            "delete a VCN you no longer need, or use an existing public subnet (NETWORK=existing, SUBNET_OCID)",
        )
    return Finding(
        CheckStatus.OK, f"NETWORK=create: a VCN and public subnet of its own ({used:g} of {limit:g} VCNs used)"
    )


def check_image(ctx: Context) -> Finding:
    from . import images

    api, settings = ctx.api(), ctx.settings
    chosen = None if settings.image_ocid else images.recorded(ctx.workdir)
    ocid = settings.image_ocid or (chosen and chosen.image_ocid)
    if ocid is None:
        try:
            image, _ = images.discover(api, settings.image_compartment_ocid or settings.compartment_ocid or api.tenancy)
        except ToolError as error:
            return Finding(CheckStatus.FAIL, str(error), "set IMAGE_OCID to an aarch64 image of this region")
        return Finding(CheckStatus.OK, f"{image.display_name} (discovered; the next render records it)")
    source = "IMAGE_OCID" if settings.image_ocid else f"recorded in {images.record_path(ctx.workdir)}"
    image = api.get_image(ocid)
    if image is None:
        return Finding(
            CheckStatus.FAIL,
            f"{ocid} ({source}) was not found in {api.region}",
            "images are regional: pick one of this region, or leave IMAGE_OCID empty to discover one",
        )
    if SHAPE not in api.image_shapes(ocid):
        return Finding(
            CheckStatus.FAIL,
            f"{image.display_name} ({source}) is not compatible with {SHAPE}",
            "use an aarch64 image such as Canonical Ubuntu 22.04 Minimal aarch64, or leave IMAGE_OCID empty",
        )
    return Finding(CheckStatus.OK, f"{image.display_name} ({source}) fits {SHAPE}")


def check_limits(ctx: Context) -> Finding:
    a1 = allowance.read(ctx.api(), ctx.target_ads())
    if not a1.read:
        return Finding(CheckStatus.WARN, f"{a1.unread}; using the published Always Free figure, {a1.size}", a1.fix)
    summary = f"allowance {a1.size} (the tenancy's A1 limits), {a1.used} used"
    sizes = ctx.settings.size_list()
    fitting = [size for size in sizes if _fits(a1.usages, size.ocpus, size.memory_gbs, ctx.target_ads())]
    if not fitting and ctx.our_instances():
        # Our own instance holds the allowance: there is nothing left to launch anyway.
        return Finding(CheckStatus.OK, f"{summary}, by {', '.join(i.display_name for i in ctx.our_instances())} (ours)")
    if not fitting:
        left = Size(a1.size.ocpus - a1.used.ocpus, plain_number(float(a1.size.memory_gbs - a1.used.memory_gbs)))
        return Finding(
            CheckStatus.FAIL,
            f"{summary}; no requested size ({', '.join(map(str, sizes))}) fits what is left ({left})",
            "terminate the A1 instance that uses it (`retry` names each one when OCI says LimitExceeded; a "
            "just-terminated one may count for about an hour), or ask for a size that fits (--size OCPUS:GB)",
        )
    if fitting != list(sizes):
        return Finding(
            CheckStatus.WARN,
            f"{summary}; only {', '.join(map(str, fitting))} fits what is left",
            "free A1 capacity or expect the smaller size",
        )
    return Finding(CheckStatus.OK, f"{summary}; {sizes[0]} fits")


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
        return Finding(CheckStatus.OK, f"none is named {name} or tagged {OWNERSHIP_TAG_KEY}={name}")
    won = _won_instance_id(ctx.workdir)
    strangers = [i for i in ours if i.id != won]
    if not strangers:
        return Finding(CheckStatus.OK, f"{won} is the instance this workdir won")
    listed = ", ".join(f"{i.display_name} {i.id} ({i.lifecycle_state})" for i in strangers)
    return Finding(
        CheckStatus.WARN,
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
        return Finding(CheckStatus.OK, "no instance won in this workdir yet")
    risk = reclaim_risk(lambda: ctx.api().cpu_utilization(won, ctx.settings.compartment_ocid))
    if risk.cpu_p95 is None:
        return Finding(
            CheckStatus.WARN,
            risk.describe(),
            "turn on the Oracle Cloud Agent's Compute Instance Monitoring plugin "
            "(Console > Instance > Oracle Cloud Agent) and allow your group to read "
            "metrics in the compartment",
        )
    if risk.warning:
        return Finding(
            CheckStatus.WARN,
            risk.describe(),
            "give the instance regular work, or keep `coinpilot-tf retry` scheduled: "
            "it starts the instance again when Oracle stops it",
        )
    return Finding(CheckStatus.OK, risk.describe())


def check_ssh_key(ctx: Context) -> Finding:
    """The local key against the won instance's keys (launch_result.json, recorded by `retry`)."""
    from .key_truth import local_key_missing

    key = ctx.settings.ssh_key_path or ctx.cloud.ssh_key_path(ctx.settings.instance_name)
    missing = local_key_missing(ctx.workdir, key)
    if missing:
        return Finding(CheckStatus.WARN, missing)
    return Finding(CheckStatus.OK, f"{key} opens the won instance, or none is won yet")


def check_clock(ctx: Context) -> Finding:
    skew = ctx.api().clock_skew_seconds(ctx.clock)
    detail = f"the API's clock is {skew:+.0f} s from ours"
    if abs(skew) >= CLOCK_SKEW_FAIL_SECONDS:
        return Finding(
            CheckStatus.FAIL, detail + f"; OCI refuses requests more than {CLOCK_SKEW_FAIL_SECONDS // 60} minutes off"
        )
    if abs(skew) >= CLOCK_SKEW_WARN_SECONDS:
        return Finding(CheckStatus.WARN, detail)
    return Finding(CheckStatus.OK, detail)


def check_notifications(ctx: Context) -> Finding:
    from .notify import Notifier

    notifier = Notifier.from_settings(ctx.settings, simulated=ctx.cloud.simulated)
    if not notifier.channels:
        return Finding(CheckStatus.FAIL, "no channel is set (DISCORD_WEBHOOK_URL, NOTIFY_URLS)")
    failed = [f"{channel}: {error}" for channel, error in notifier.test() if error is not None]
    if failed:
        return Finding(CheckStatus.FAIL, "the test message did not get through to " + "; ".join(failed))
    return Finding(CheckStatus.OK, f"test message sent to {len(notifier.channels)} channel(s)")


_LOCAL = ("oci config", "key file", "fingerprint")
_API = (*_LOCAL, "region")

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
    Check(
        "SSH key",
        check_ssh_key,
        "log in with the key the instance has (SSH_KEY_PATH); next time list every machine's key in "
        "SSH_AUTHORIZED_KEYS_FILE",
        _LOCAL,
    ),
    Check("clock", check_clock, "sync your clock (NTP, e.g. `timedatectl set-ntp true`)", _API),
    Check("reclaim risk", check_reclaim_risk, "keep the instance busy, or keep `coinpilot-tf retry` scheduled", _API),
)
NOTIFY_CHECK = Check(
    "notifications",
    check_notifications,
    "check DISCORD_WEBHOOK_URL (Server Settings > Integrations > Webhooks) and NOTIFY_URLS",
)


def check_provider(ctx: Context) -> Finding:
    problem = ctx.cloud.provider_problem()
    if problem:
        return Finding(CheckStatus.FAIL, f"the {ctx.cloud.label}'s Terraform provider cannot start: {problem}")
    if ctx.cloud.simulated:
        return Finding(CheckStatus.OK, "the simulated oracle/oci provider starts")
    return Finding(CheckStatus.OK, "oracle/oci comes from the Terraform registry (terraform init installs it)")


# Not among the local checks a launch runs first: its first Terraform command starts the provider anyway.
PROVIDER_CHECK = Check(
    "provider",
    check_provider,
    "reinstall coinpilot-tf in a fresh venv (pip install . or pipx install .): its tf and grpcio did not load",
)


def check_pacing(ctx: Context) -> Finding:
    """The journal's LaunchInstance calls of the last 24 h, the budget, and what the interval implies."""
    pacing = Pacing.of(ctx.settings, launch_call_times(Journal(ctx.workdir.journal).entries()), ctx.clock())
    return Finding(
        CheckStatus.WARN if pacing.warnings else CheckStatus.OK, "; ".join([pacing.describe(), *pacing.warnings])
    )


PACING_CHECK = Check(
    "launch pacing",
    check_pacing,
    "keep RETRY_INTERVAL_SECONDS at 60 or more (600 is the default); LAUNCH_BUDGET_PER_DAY (288) caps the calls",
)

# What `doctor` runs, in order (the notifications' test message is asked for apart).
ALL_CHECKS = LOCAL_CHECKS + (PROVIDER_CHECK, PACING_CHECK) + API_CHECKS


def diagnose(session: Session, notify_test: bool = False, clock: Callable[[], float] = time.time) -> list[Outcome]:
    """`coinpilot-tf doctor`: every check (and the notifications' test message if asked)."""
    checks = ALL_CHECKS + ((NOTIFY_CHECK,) if notify_test else ())
    return run_checks(context_for(session, clock=clock), checks)
