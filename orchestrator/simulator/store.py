"""The simulated OCI cloud: one JSON file that the Terraform provider and the REST endpoint share.

`<directory>/cloud.json` holds the cloud (top-level `instances` list among others) and
`<directory>/calls.jsonl` one line per simulated API call. Several processes use them at once
(Terraform starts the provider several times per apply), so every change happens under an
exclusive flock and lands through a temp file + os.replace.

Each API operation that changes the cloud is implemented here once; the Terraform provider and
the REST endpoint only translate. An instance that is changing state (rebooting after a resize,
starting, stopping) moves one step on at each call that reads or changes it (GetInstance,
ListInstances, UpdateInstance, InstanceAction), as if time had passed between a client's calls:
no clock is involved, so runs are reproducible.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import string
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orchestrator.simulator import provider_errors
from orchestrator.simulator.provider_errors import ServiceError
from orchestrator.simulator.scenario import OPERATIONS, parse_scenario

REGION = "sim-region-1"

# Well-formed values the tool uses in simulate mode when the user set none; the seeded cloud
# contains exactly these.
PLACEHOLDERS = {
    "tenancy_ocid": "ocid1.tenancy.oc1..aaaaaaaatolb7j4f7br6tjmq7q5nnpufw6sokrenuh7rsv5fcezabmnusv3a",
    # The user the simulated tenancy's API key is uploaded for (the simulated OCI config names it).
    "user_ocid": "ocid1.user.oc1..aaaaaaaasimulateduserforthecoinpilottfrestendpoint0000000000",
    "compartment_ocid": "ocid1.compartment.oc1..aaaaaaaablcidnvloecqfvdeqp6guoassfdb74rde7yi7afrhufesa2fl6yq",
    "subnet_ocid": f"ocid1.subnet.oc1.{REGION}.aaaaaaaafuy6kl5ixq4jlipfi6bqkj5mpmpyuipprbglosw4pe6dudolqi5a",
    "image_ocid": f"ocid1.image.oc1.{REGION}.aaaaaaaayekhemk4i4tpqwd7f2bs6qevmkln4bihvskv65xn6wwefntcgqla",
    "availability_domains": [f"SiMu:{REGION.upper()}-AD-{n}" for n in (1, 2, 3)],
    "region": REGION,
}

_VCN_OCID = f"ocid1.vcn.oc1.{REGION}.aaaaaaaa4qmrbax23a2egxfd2aetot277iumainll4hiex72do47avmxiueq"
_SUBNET_CIDR_PREFIX = "10.0.0."

# Which shape_config field each regional A1 limit counts (the allowance is 2 OCPUs / 12 GB).
_A1_LIMIT_FIELDS = {"standard-a1-core-regional-count": "ocpus", "standard-a1-memory-regional-count": "memory_in_gbs"}

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


class CloudStore:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._cloud_path = self.directory / "cloud.json"
        self._calls_path = self.directory / "calls.jsonl"
        self._lock_path = self.directory / "cloud.lock"

    @classmethod
    def ensure(
        cls,
        directory: Path,
        scenario: str | None = None,
        *,
        compartment_ocid: str | None = None,
        subnet_ocid: str | None = None,
    ) -> CloudStore:
        """Seed the cloud if needed, add the user's own compartment/subnet, set the scenario.

        A new scenario restarts the outcome cursor; instances are kept.
        """
        outcomes = parse_scenario(scenario) if scenario is not None else None
        store = cls(directory)
        store.directory.mkdir(parents=True, exist_ok=True)
        with store._transaction() as cloud:
            compartment = compartment_ocid or PLACEHOLDERS["compartment_ocid"]
            if compartment not in cloud["compartments"]:
                cloud["compartments"].append(compartment)
            if subnet_ocid and not any(s["id"] == subnet_ocid for s in cloud["subnets"]):
                cloud["subnets"].append(_subnet(subnet_ocid, compartment))
            if outcomes is not None:
                cloud["scenario"] = outcomes
                cloud["consumed"] = {operation: 0 for operation in OPERATIONS}
        return store

    # ----- scenario and call log -----

    def next_outcome(self, operation: str) -> str:
        """Consume one outcome of `operation` (launch, update, start); the last one repeats."""
        with self._transaction() as cloud:
            return _consume_outcome(cloud, operation)

    def log_call(self, op: str, *, client_request_id: str | None = None, **fields) -> str:
        """Record one simulated API call; returns the opc-request-id it was given (the client's own
        id, if it sent one, as its first part, as OCI does)."""
        request_id = "/".join(
            (client_request_id or secrets.token_hex(16), secrets.token_hex(16).upper(), secrets.token_hex(16).upper())
        )
        line = json.dumps({"op": op, "ts": time.time(), **fields, "opc_request_id": request_id})
        with self._locked():
            with open(self._calls_path, "a", encoding="utf-8") as calls:
                calls.write(line + "\n")
        return request_id

    def calls(self) -> list[dict]:
        if not self._calls_path.exists():
            return []
        with self._locked():
            return [json.loads(line) for line in self._calls_path.read_text(encoding="utf-8").splitlines()]

    # ----- network -----

    def get_subnet(self, subnet_id: str) -> dict | None:
        with self._transaction() as cloud:
            return next((s for s in cloud["subnets"] if s["id"] == subnet_id), None)

    # ----- instances -----

    def launch_instance(self, details: dict, retry_token: str | None = None) -> Answer:
        """LaunchInstance: apply the next launch outcome.

        `details` uses the Terraform/API field names in snake case: availability_domain,
        compartment_id, display_name, shape, shape_config {ocpus, memory_in_gbs},
        source_details {source_type, source_id, boot_volume_size_in_gbs},
        create_vnic_details {subnet_id, assign_public_ip (bool)}, metadata, freeform_tags.
        An accepted launch that would exceed the A1 limits becomes the `limit` outcome. A
        `retry_token` that already launched an instance answers that instance again.
        """
        with self._transaction() as cloud:
            known = cloud["retry_tokens"].get(retry_token) if retry_token else None
            if known is not None:
                return Answer("ok", dict(_find(cloud, known)), replayed=True)
            outcome = _consume_outcome(cloud, "launch")
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

    def get_instance(self, instance_id: str) -> dict | None:
        """GetInstance; a changing instance moves one step on (as in every call on it)."""
        with self._transaction() as cloud:
            instance = _find(cloud, instance_id)
            if instance is not None:
                _advance(instance)
            return instance

    def list_instances(self, compartment_id: str) -> list[dict]:
        """ListInstances; terminated instances stay listed, as in OCI, and changing ones move one step on."""
        with self._transaction() as cloud:
            listed = [i for i in cloud["instances"] if i["compartment_id"] == compartment_id]
            for instance in listed:
                _advance(instance)
            return listed

    def update_instance(self, instance_id: str, changes: dict) -> Answer:
        """UpdateInstance. `changes` may set display_name, freeform_tags, metadata, shape_config.

        A new shape_config takes the next update outcome (capacity, limits... as a launch would);
        on ok a running instance reboots (STOPPING, STARTING) and comes back RUNNING at the new
        size, a stopped one simply has the new size. A refused update changes nothing.
        """
        with self._transaction() as cloud:
            instance = _find(cloud, instance_id)
            if instance is None:
                return Answer("ok", None, provider_errors.NOT_FOUND)
            _advance(instance)
            shape_config = changes.get("shape_config")
            resize = (
                shape_config is not None and {**instance["shape_config"], **shape_config} != instance["shape_config"]
            )
            if instance["lifecycle_state"] == "TERMINATED" or (
                resize and instance["lifecycle_state"] not in ("RUNNING", "STOPPED")
            ):
                return Answer("ok", dict(instance), _incorrect_state(instance))
            outcome = _consume_outcome(cloud, "update") if resize else "ok"
            if (
                outcome == "ok"
                and resize
                and _exceeds_a1_limits(
                    cloud,
                    {"shape": instance["shape"], "shape_config": {**instance["shape_config"], **shape_config}},
                    instance,
                )
            ):
                outcome = "limit"
            if outcome != "ok":
                error = provider_errors.rejection(
                    outcome, shape=instance["shape"], image_id=instance["source_details"]["source_id"]
                )
                return Answer(outcome, dict(instance), error)
            instance.update({name: value for name, value in changes.items() if name != "shape_config"})
            if resize:
                new_size = {**instance["shape_config"], **shape_config}
                if instance["lifecycle_state"] == "STOPPED":
                    instance["shape_config"] = new_size
                else:
                    instance["lifecycle_state"] = "STOPPING"
                    instance["pending"] = [
                        {"lifecycle_state": "STARTING"},
                        {"lifecycle_state": "RUNNING", "shape_config": new_size},
                    ]
            return Answer(outcome, dict(instance))

    def instance_action(self, instance_id: str, action: str) -> Answer:
        """InstanceAction START, STOP, SOFTSTOP, RESET or SOFTRESET; START of a stopped instance takes
        the next start outcome (a stopped A1 instance meets "Out of host capacity" as a launch does)."""
        with self._transaction() as cloud:
            instance = _find(cloud, instance_id)
            if instance is None:
                return Answer("ok", None, provider_errors.NOT_FOUND)
            _advance(instance)
            applies_to, steps = _ACTIONS[action]
            state = instance["lifecycle_state"]
            if state in _ALREADY.get(action, ()):
                return Answer("ok", dict(instance))
            if state not in applies_to:
                return Answer("ok", dict(instance), _incorrect_state(instance))
            outcome = _consume_outcome(cloud, "start") if action == "START" else "ok"
            if outcome != "ok":
                error = provider_errors.rejection(
                    outcome, shape=instance["shape"], image_id=instance["source_details"]["source_id"]
                )
                return Answer(outcome, dict(instance), error)
            instance["lifecycle_state"] = steps[0]
            instance["pending"] = [{"lifecycle_state": step} for step in steps[1:]]
            return Answer(outcome, dict(instance))

    def terminate_instance(self, instance_id: str) -> dict | None:
        """TerminateInstance (at once: nothing polls for TERMINATED); None if there is no such instance."""
        with self._transaction() as cloud:
            instance = _find(cloud, instance_id)
            if instance is not None:
                instance["lifecycle_state"] = "TERMINATED"
                instance["pending"] = []
            return instance

    def list_vnic_attachments(self, compartment_id: str) -> list[dict]:
        """Each instance's primary VNIC attachment (DETACHED once the instance is terminated)."""
        with self._transaction() as cloud:
            return [_vnic_attachment(i) for i in cloud["instances"] if i["compartment_id"] == compartment_id]

    def get_vnic(self, vnic_id: str) -> dict | None:
        """The primary VNIC of a live instance, with its public IP; a terminated one's is gone."""
        with self._transaction() as cloud:
            instance = next(
                (i for i in cloud["instances"] if i["vnic_id"] == vnic_id and i["lifecycle_state"] != "TERMINATED"),
                None,
            )
            return _vnic(instance) if instance else None

    def cpu_utilisation(self, compartment_id: str) -> dict[str, float]:
        """{instance id: CPU %} of the compartment's instances whose compute agent reports a series."""
        with self._transaction() as cloud:
            return {
                i["id"]: i["cpu_percent"]
                for i in cloud["instances"]
                if i["compartment_id"] == compartment_id and i["cpu_percent"] is not None
            }

    # ----- Oracle acting from outside (simulate stop / terminate / cpu) -----

    def set_lifecycle_state(self, instance_id: str, lifecycle_state: str) -> dict | None:
        """Put the instance in a state at once, as Oracle (or a user in the Console) would."""
        with self._transaction() as cloud:
            instance = _find(cloud, instance_id)
            if instance is not None:
                instance["lifecycle_state"] = lifecycle_state
                instance["pending"] = []
            return instance

    def set_cpu_utilisation(self, instance_id: str, percent: float) -> dict | None:
        """The CPU utilisation the instance's compute agent reports from now on, at every point of the series."""
        with self._transaction() as cloud:
            instance = _find(cloud, instance_id)
            if instance is not None:
                instance["cpu_percent"] = percent
            return instance

    def instances(self) -> list[dict]:
        with self._transaction() as cloud:
            return cloud["instances"]

    # ----- read-only views (the REST endpoint) -----

    def snapshot(self) -> dict:
        """The whole cloud as it is now; changing the copy changes nothing."""
        with self._transaction() as cloud:
            return cloud

    def a1_usage(self) -> dict[str, dict]:
        """Each regional A1 limit: {"limit": value, "used": what the live A1 instances hold}."""
        with self._transaction() as cloud:
            live = [
                i["shape_config"]
                for i in cloud["instances"]
                if i["lifecycle_state"] != "TERMINATED" and (i["shape"] or "").startswith("VM.Standard.A1.")
            ]
            return {
                limit: {"limit": cloud["limits"][limit], "used": sum(config.get(field) or 0 for config in live)}
                for limit, field in _A1_LIMIT_FIELDS.items()
            }

    # ----- file handling -----

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[dict]:
        """The cloud, seeded if missing; written back (atomically) only if the block changed it."""
        with self._locked():
            text = self._cloud_path.read_text(encoding="utf-8") if self._cloud_path.exists() else ""
            cloud = json.loads(text) if text else _seed()
            yield cloud
            new_text = json.dumps(cloud, indent=1)
            if new_text != text:
                with tempfile.NamedTemporaryFile(
                    "w", dir=self.directory, prefix=".cloud.", suffix=".tmp", delete=False, encoding="utf-8"
                ) as tmp:
                    tmp.write(new_text)
                os.replace(tmp.name, self._cloud_path)


def _find(cloud: dict, instance_id: str) -> dict | None:
    return next((i for i in cloud["instances"] if i["id"] == instance_id), None)


def _advance(instance: dict) -> None:
    if instance["pending"]:
        instance.update(instance["pending"].pop(0))


def _incorrect_state(instance: dict) -> ServiceError:
    return ServiceError(409, "IncorrectState", f"Instance {instance['id']} is {instance['lifecycle_state']}.")


def _consume_outcome(cloud: dict, operation: str) -> str:
    outcomes = cloud["scenario"][operation]
    consumed = cloud["consumed"][operation]
    cloud["consumed"][operation] = consumed + 1
    return outcomes[min(consumed, len(outcomes) - 1)]


def _exceeds_a1_limits(cloud: dict, details: dict, resized: dict | None = None) -> bool:
    """Would `details` (a launch, or the new size of the instance `resized`) exceed the A1 limits?"""
    if not (details.get("shape") or "").startswith("VM.Standard.A1."):
        return False
    live = [
        i["shape_config"]
        for i in cloud["instances"]
        if i["lifecycle_state"] != "TERMINATED"
        and (i["shape"] or "").startswith("VM.Standard.A1.")
        and i is not resized
    ]
    wanted = details.get("shape_config") or {}
    return any(
        sum(config.get(field) or 0 for config in live) + (wanted.get(field) or 0) > cloud["limits"][limit]
        for limit, field in _A1_LIMIT_FIELDS.items()
    )


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
        "private_ip": f"{_SUBNET_CIDR_PREFIX}{10 + ordinal % 240}",
        "time_created": _timestamp(now),
        "vnic_id": _ocid("vnic", "ab"),
        "vnic_attachment_id": _ocid("vnicattachment", "an"),
        # Steps still to come while the instance changes state (see _advance).
        "pending": [],
        # Percent CPU the compute agent reports; None: no agent data (Monitoring has no series).
        "cpu_percent": None,
    }


def _vnic_attachment(instance: dict) -> dict:
    return {
        "id": instance["vnic_attachment_id"],
        "instance_id": instance["id"],
        "vnic_id": instance["vnic_id"],
        "subnet_id": instance["subnet_id"],
        "availability_domain": instance["availability_domain"],
        "compartment_id": instance["compartment_id"],
        "display_name": None,
        "nic_index": 0,
        "lifecycle_state": "DETACHED" if instance["lifecycle_state"] == "TERMINATED" else "ATTACHED",
        "time_created": instance["time_created"],
    }


def _vnic(instance: dict) -> dict:
    return {
        "id": instance["vnic_id"],
        "availability_domain": instance["availability_domain"],
        "compartment_id": instance["compartment_id"],
        "display_name": instance["display_name"],
        "hostname_label": None,
        "is_primary": True,
        "lifecycle_state": "AVAILABLE",
        "mac_address": f"02:00:17:00:00:{int(instance['private_ip'].rsplit('.', 1)[1]):02X}",
        "private_ip": instance["private_ip"],
        "public_ip": instance["public_ip"],
        "subnet_id": instance["subnet_id"],
        "time_created": instance["time_created"],
    }


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _subnet(subnet_id: str, compartment_id: str) -> dict:
    """Named like the oci_core_subnet data source's attributes, which it feeds one to one."""
    return {
        "id": subnet_id,
        "availability_domain": None,
        "cidr_block": f"{_SUBNET_CIDR_PREFIX}0/24",
        "compartment_id": compartment_id,
        "defined_tags": {},
        "dhcp_options_id": f"ocid1.dhcpoptions.oc1.{REGION}.aaaaaaaahjegypamjiabmgwhhvwdq6sbscnd3uyqiqczfn4bp6ga74mgy6ha",
        "display_name": "sim-public-subnet",
        "dns_label": "sub",
        "freeform_tags": {},
        "ipv4cidr_blocks": [f"{_SUBNET_CIDR_PREFIX}0/24"],
        "ipv6cidr_block": None,
        "ipv6cidr_blocks": [],
        "ipv6virtual_router_ip": None,
        "prohibit_internet_ingress": False,
        "prohibit_public_ip_on_vnic": False,
        "route_table_id": f"ocid1.routetable.oc1.{REGION}.aaaaaaaaxwcbypzhbjuokyqlepqyxnctsfd3uzwgk553kt7y3i4r2xzfjzna",
        "security_list_ids": [
            f"ocid1.securitylist.oc1.{REGION}.aaaaaaaaekjzm6436jc3ng2kukha3tmbjpisjf52qljoxadipems7lu7iy6a"
        ],
        "state": "AVAILABLE",
        "subnet_domain_name": "sub.vcn.oraclevcn.com",
        "time_created": "2026-06-01T09:00:00.000Z",
        "vcn_id": _VCN_OCID,
        "virtual_router_ip": f"{_SUBNET_CIDR_PREFIX}1",
        "virtual_router_mac": "00:00:17:5E:12:3A",
    }


def _image(image_id: str, display_name: str, version: str, shapes: list[str], created: str) -> dict:
    return {
        "id": image_id,
        "display_name": display_name,
        "operating_system": "Canonical Ubuntu",
        "operating_system_version": version,
        "time_created": created,
        "compatible_shapes": shapes,
    }


def _seed() -> dict:
    arm = ["VM.Standard.A1.Flex", "BM.Standard.A1.160"]
    x86 = ["VM.Standard.E2.1.Micro", "VM.Standard.E4.Flex", "VM.Standard.E5.Flex"]
    return {
        "region": REGION,
        "tenancy_id": PLACEHOLDERS["tenancy_ocid"],
        "availability_domains": list(PLACEHOLDERS["availability_domains"]),
        "compartments": [PLACEHOLDERS["compartment_ocid"]],
        "vcns": [
            {
                "id": _VCN_OCID,
                "compartment_id": PLACEHOLDERS["compartment_ocid"],
                "cidr_block": "10.0.0.0/16",
                "display_name": "sim-vcn",
            }
        ],
        "subnets": [_subnet(PLACEHOLDERS["subnet_ocid"], PLACEHOLDERS["compartment_ocid"])],
        "images": [
            _image(
                PLACEHOLDERS["image_ocid"],
                "Canonical-Ubuntu-22.04-Minimal-aarch64-2026.10.31-0",
                "22.04 Minimal aarch64",
                arm,
                "2026-11-03T18:21:40.512Z",
            ),
            _image(
                f"ocid1.image.oc1.{REGION}.aaaaaaaart2nq5rmpp7rj4z465jaghvzaz3oiw7d3hdtdr27rtpemyn466sq",
                "Canonical-Ubuntu-22.04-Minimal-aarch64-2026.08.30-0",
                "22.04 Minimal aarch64",
                arm,
                "2026-09-02T11:05:13.077Z",
            ),
            _image(
                f"ocid1.image.oc1.{REGION}.aaaaaaaaw2unj4uax7xe7qfaktbyupzblch3k4j4mj23cob66zwhlilxmzma",
                "Canonical-Ubuntu-22.04-aarch64-2026.10.31-0",
                "22.04",
                arm,
                "2026-11-03T17:58:02.941Z",
            ),
            _image(
                f"ocid1.image.oc1.{REGION}.aaaaaaaapf2silbjy4gekblwdite5dyfdmjhcun55i5kv7ad4bqf2vj3laba",
                "Canonical-Ubuntu-22.04-Minimal-2026.10.31-0",
                "22.04 Minimal",
                x86,
                "2026-11-03T18:02:26.330Z",
            ),
        ],
        "limits": {"standard-a1-core-regional-count": 2, "standard-a1-memory-regional-count": 12},
        "scenario": parse_scenario("ok"),
        "consumed": {operation: 0 for operation in OPERATIONS},
        "retry_tokens": {},
        "instances": [],
    }
