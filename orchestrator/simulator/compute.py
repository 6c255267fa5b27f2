"""The simulated cloud's compute operations, on the cloud's data as the store hands it over.

Each function takes the cloud (the dict in cloud.json) inside the store's transaction and
changes it in place. An instance that is changing state (rebooting after a resize, starting,
stopping) moves one step on at each call that reads or changes it (GetInstance, ListInstances,
UpdateInstance, InstanceAction), as if time had passed between a client's calls: no clock is
involved, so runs are reproducible.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime

from orchestrator.simulator import provider_errors
from orchestrator.simulator.provider_errors import ServiceError
from orchestrator.simulator.seed import REGION, SUBNET_CIDR_PREFIX

# The A1 allowance as OCI's compute limits name it (and as LimitExceeded names them): each regional
# limit (cloud["limits"]; 2 OCPUs / 12 GB unless set) and, with the same value, its per-AD twin.
# Which shape_config field each counts.
_A1_LIMIT_FIELDS = {"standard-a1-core-regional-count": "ocpus", "standard-a1-memory-regional-count": "memory_in_gbs"}
A1_AD_LIMITS = {
    "standard-a1-core-count": "standard-a1-core-regional-count",
    "standard-a1-memory-count": "standard-a1-memory-regional-count",
}

# Outcomes for which the cloud accepts the launch, and the state the instance ends in.
_ACCEPTED = {"ok": "RUNNING", "timeout_running": "RUNNING", "timeout_terminated": "TERMINATED", "lost": "RUNNING"}

# InstanceAction: the states an action applies to, and the steps the instance then goes through
# (the first is what the action's answer shows). An action on an instance already where the
# action leads changes nothing, as in OCI.
_ACTIONS = {
    "START": ({"STOPPED"}, ["STARTING", "RUNNING"]),
    "STOP": ({"RUNNING"}, ["STOPPING", "STOPPED"]),
    "SOFTSTOP": ({"RUNNING"}, ["STOPPING", "STOPPED"]),
    "RESET": ({"RUNNING"}, ["STOPPING", "STARTING", "RUNNING"]),
    "SOFTRESET": ({"RUNNING"}, ["STOPPING", "STARTING", "RUNNING"]),
}
_ALREADY = {"START": {"RUNNING", "STARTING"}, "STOP": {"STOPPED", "STOPPING"}, "SOFTSTOP": {"STOPPED", "STOPPING"}}
ACTIONS = tuple(_ACTIONS)

DEFAULT_BOOT_VOLUME_GBS = 47

_OCID_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class Answer:
    """What an operation did: the scenario outcome applied ("ok" where the scenario has no say),
    the instance as the operation left it (None if there is none), and the API's error if it
    refused. `replayed`: a LaunchInstance whose retry token had already launched this instance."""

    outcome: str
    instance: dict | None
    error: ServiceError | None = None
    replayed: bool = False


def consume_outcome(cloud: dict, operation: str) -> str:
    """The next outcome of `operation` (launch, update, start); the last one repeats."""
    outcome = upcoming_outcome(cloud, operation)
    cloud["consumed"][operation] += 1
    return outcome


def upcoming_outcome(cloud: dict, operation: str) -> str:
    """The outcome the next `operation` call will get, left unconsumed (the capacity report's answer)."""
    outcomes = cloud["scenario"][operation]
    return outcomes[min(cloud["consumed"][operation], len(outcomes) - 1)]


def launch(cloud: dict, details: dict, retry_token: str | None) -> Answer:
    """LaunchInstance: apply the next launch outcome.

    `details` uses the Terraform/API field names in snake case: availability_domain,
    compartment_id, display_name, shape, shape_config {ocpus, memory_in_gbs},
    source_details {source_type, source_id, boot_volume_size_in_gbs},
    create_vnic_details {subnet_id, assign_public_ip (bool)}, metadata, freeform_tags.
    An accepted launch that would exceed the A1 limits becomes the `limit` outcome. A
    `retry_token` that already launched an instance answers that instance again.
    """
    known = cloud["retry_tokens"].get(retry_token) if retry_token else None
    if known is not None:
        return Answer("ok", dict(find(cloud, known)), replayed=True)
    outcome = consume_outcome(cloud, "launch")
    if outcome in _ACCEPTED and _exceeds_a1_limits(cloud, details):
        outcome = "limit"
    if outcome not in _ACCEPTED:
        error = provider_errors.rejection(
            outcome, shape=details.get("shape"), image_id=(details.get("source_details") or {}).get("source_id")
        )
        return Answer(outcome, None, error)
    instance = _new_instance(details, _ACCEPTED[outcome], len(cloud["instances"]))
    cloud["instances"].append(instance)
    if retry_token:
        cloud["retry_tokens"][retry_token] = instance["id"]
    return Answer(outcome, dict(instance))


def find(cloud: dict, instance_id: str) -> dict | None:
    return next((i for i in cloud["instances"] if i["id"] == instance_id), None)


def advance(instance: dict) -> None:
    """One step on, if the instance is changing state."""
    if instance["pending"]:
        instance.update(instance["pending"].pop(0))


def update(cloud: dict, instance_id: str, changes: dict) -> Answer:
    """UpdateInstance. `changes` may set display_name, freeform_tags, metadata, shape_config.

    A new shape_config takes the next update outcome (capacity, limits... as a launch would);
    on ok a running instance reboots (STOPPING, STARTING) and comes back RUNNING at the new
    size, a stopped one simply has the new size. A refused update changes nothing.
    """
    instance = find(cloud, instance_id)
    if instance is None:
        return Answer("ok", None, provider_errors.NOT_FOUND)
    advance(instance)
    shape_config = changes.get("shape_config")
    new_size = {**instance["shape_config"], **(shape_config or {})}
    resize = shape_config is not None and new_size != instance["shape_config"]
    if instance["lifecycle_state"] == "TERMINATED" or (
        resize and instance["lifecycle_state"] not in ("RUNNING", "STOPPED")
    ):
        return Answer("ok", dict(instance), _incorrect_state(instance))
    outcome = _resize_outcome(cloud, instance, new_size) if resize else "ok"
    if outcome != "ok":
        return Answer(outcome, dict(instance), _rejection(outcome, instance))
    instance.update({name: value for name, value in changes.items() if name != "shape_config"})
    if resize and instance["lifecycle_state"] == "STOPPED":
        instance["shape_config"] = new_size
    elif resize:
        instance["lifecycle_state"] = "STOPPING"
        instance["pending"] = [
            {"lifecycle_state": "STARTING"},
            {"lifecycle_state": "RUNNING", "shape_config": new_size},
        ]
    return Answer(outcome, dict(instance))


def _resize_outcome(cloud: dict, instance: dict, new_size: dict) -> str:
    """The next update outcome; an ok that would exceed the A1 limits becomes `limit`."""
    outcome = consume_outcome(cloud, "update")
    if outcome == "ok" and _exceeds_a1_limits(cloud, {"shape": instance["shape"], "shape_config": new_size}, instance):
        return "limit"
    return outcome


def act(cloud: dict, instance_id: str, action: str) -> Answer:
    """InstanceAction START, STOP, SOFTSTOP, RESET or SOFTRESET; START of a stopped instance takes
    the next start outcome (a stopped A1 instance meets "Out of host capacity" as a launch does)."""
    instance = find(cloud, instance_id)
    if instance is None:
        return Answer("ok", None, provider_errors.NOT_FOUND)
    advance(instance)
    applies_to, steps = _ACTIONS[action]
    state = instance["lifecycle_state"]
    if state in _ALREADY.get(action, ()):
        return Answer("ok", dict(instance))
    if state not in applies_to:
        return Answer("ok", dict(instance), _incorrect_state(instance))
    outcome = consume_outcome(cloud, "start") if action == "START" else "ok"
    if outcome != "ok":
        return Answer(outcome, dict(instance), _rejection(outcome, instance))
    instance["lifecycle_state"] = steps[0]
    instance["pending"] = [{"lifecycle_state": step} for step in steps[1:]]
    return Answer(outcome, dict(instance))


def put_in_state(cloud: dict, instance_id: str, lifecycle_state: str) -> dict | None:
    """The instance in `lifecycle_state` at once, with no step pending; None if there is no such instance."""
    instance = find(cloud, instance_id)
    if instance is not None:
        instance["lifecycle_state"] = lifecycle_state
        instance["pending"] = []
    return instance


def cpu_utilisation(cloud: dict, compartment_id: str) -> dict[str, float]:
    """{instance id: CPU %} of the compartment's instances whose compute agent reports a series."""
    return {
        i["id"]: i["cpu_percent"]
        for i in cloud["instances"]
        if i["compartment_id"] == compartment_id and i["cpu_percent"] is not None
    }


def a1_usage(cloud: dict) -> list[dict]:
    """Each A1 limit: {"name", "availability_domain" (None: regional), "limit": value, "used": what
    the live A1 instances (in that AD) hold}; the per-AD ones for each AD of the region."""
    regional = [(name, None, name, field) for name, field in _A1_LIMIT_FIELDS.items()]
    per_ad = [
        (name, ad, of, _A1_LIMIT_FIELDS[of])
        for name, of in A1_AD_LIMITS.items()
        for ad in cloud["availability_domains"]
    ]
    return [
        {
            "name": name,
            "availability_domain": ad,
            "limit": cloud["limits"][of],
            "used": sum(config.get(field) or 0 for config in _live_a1_sizes(cloud, in_ad=ad)),
        }
        for name, ad, of, field in regional + per_ad
    ]


def set_a1_allowance(cloud: dict, ocpus: int, memory_gbs: float) -> None:
    """The tenancy's A1 allowance (`simulate serve --allowance`, COINPILOT_TF_SIM_ALLOWANCE)."""
    cloud["limits"] = dict(zip(_A1_LIMIT_FIELDS, (ocpus, memory_gbs), strict=True))


def occupy(cloud: dict, details: dict) -> Answer:
    """An A1 instance someone else launched (`simulate occupy`): RUNNING at once, no scenario
    outcome used; refused, as a launch would be, if it does not fit what is left of the allowance."""
    if _exceeds_a1_limits(cloud, details):
        return Answer("limit", None, provider_errors.rejection("limit", shape=details["shape"], image_id=None))
    if details["compartment_id"] not in cloud["compartments"] and details["compartment_id"] != cloud["tenancy_id"]:
        cloud["compartments"].append(details["compartment_id"])
    instance = _new_instance(details, "RUNNING", len(cloud["instances"]))
    cloud["instances"].append(instance)
    return Answer("ok", dict(instance))


def _live_a1_sizes(cloud: dict, leaving_out: dict | None = None, in_ad: str | None = None) -> list[dict]:
    return [
        i["shape_config"]
        for i in cloud["instances"]
        if i["lifecycle_state"] != "TERMINATED"
        and (i["shape"] or "").startswith("VM.Standard.A1.")
        and i is not leaving_out
        and in_ad in (None, i["availability_domain"])
    ]


def _exceeds_a1_limits(cloud: dict, details: dict, resized: dict | None = None) -> bool:
    """Would `details` (a launch, or the new size of the instance `resized`) exceed the A1 limits?"""
    if not (details.get("shape") or "").startswith("VM.Standard.A1."):
        return False
    live = _live_a1_sizes(cloud, resized)
    wanted = details.get("shape_config") or {}
    return any(
        sum(config.get(field) or 0 for config in live) + (wanted.get(field) or 0) > cloud["limits"][limit]
        for limit, field in _A1_LIMIT_FIELDS.items()
    )


def _incorrect_state(instance: dict) -> ServiceError:
    return ServiceError(409, "IncorrectState", f"Instance {instance['id']} is {instance['lifecycle_state']}.")


def _rejection(outcome: str, instance: dict) -> ServiceError:
    return provider_errors.rejection(outcome, shape=instance["shape"], image_id=instance["source_details"]["source_id"])


def _ocid(kind: str, prefix: str) -> str:
    return f"ocid1.{kind}.oc1.{REGION}.{prefix}" + "".join(
        secrets.choice(_OCID_ALPHABET) for _ in range(60 - len(prefix))
    )


def _new_instance(details: dict, lifecycle_state: str, ordinal: int) -> dict:
    now = datetime.now(UTC)
    vnic = details.get("create_vnic_details") or {}
    source = details.get("source_details") or {}
    shape_config = details.get("shape_config") or {}
    boot_volume_gbs = source.get("boot_volume_size_in_gbs")
    return {
        "id": _ocid("instance", "an"),
        "display_name": details.get("display_name") or f"instance-{now:%Y%m%d-%H%M}",
        "lifecycle_state": lifecycle_state,
        "availability_domain": details["availability_domain"],
        "fault_domain": "FAULT-DOMAIN-1",
        "compartment_id": details["compartment_id"],
        "region": REGION,
        "shape": details.get("shape"),
        "shape_config": {"ocpus": shape_config.get("ocpus"), "memory_in_gbs": shape_config.get("memory_in_gbs")},
        "source_details": {
            "source_type": source.get("source_type", "image"),
            "source_id": source.get("source_id"),
            "boot_volume_size_in_gbs": int(boot_volume_gbs) if boot_volume_gbs else DEFAULT_BOOT_VOLUME_GBS,
        },
        "subnet_id": vnic.get("subnet_id"),
        "metadata": details.get("metadata") or {},
        "freeform_tags": details.get("freeform_tags") or {},
        # Documentation ranges: nothing here is a reachable address.
        "public_ip": f"203.0.113.{10 + ordinal % 240}" if vnic.get("assign_public_ip", True) else None,
        "private_ip": f"{SUBNET_CIDR_PREFIX}{10 + ordinal % 240}",
        "time_created": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "vnic_id": _ocid("vnic", "ab"),
        "vnic_attachment_id": _ocid("vnicattachment", "an"),
        # Steps still to come while the instance changes state (see advance).
        "pending": [],
        # Percent CPU the compute agent reports; None: no agent data (Monitoring has no series).
        "cpu_percent": None,
    }
