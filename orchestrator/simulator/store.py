"""The simulated OCI cloud: one JSON file that the Terraform provider and the REST endpoint share.

`<directory>/cloud.json` holds the cloud (top-level `instances` list among others) and
`<directory>/calls.jsonl` one line per simulated API call. Several processes use them at once
(Terraform starts the provider several times per apply), so every change happens under an
exclusive flock and lands through a temp file + os.replace.

Each API operation that changes the cloud is implemented once (compute.py, network.py) and
runs here inside one transaction; the Terraform provider and the REST endpoint only translate.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from orchestrator.simulator import compute, network, work_requests
from orchestrator.simulator.compute import Answer
from orchestrator.simulator.provider_errors import ServiceError
from orchestrator.simulator.scenario import OPERATIONS, parse_scenario
from orchestrator.simulator.seed import PLACEHOLDERS, REGION, seed, subnet
from orchestrator.size import Size

# What the simulator's other modules and the tests import from here.
__all__ = ["PLACEHOLDERS", "REGION", "Answer", "CloudStore"]


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
        allowance: Size | None = None,
    ) -> CloudStore:
        """Seed the cloud if needed, add the user's own compartment/subnet, set the scenario and
        the A1 allowance (None: keep the cloud's).

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
                cloud["subnets"].append(subnet(subnet_ocid, compartment))
            if outcomes is not None:
                cloud["scenario"] = outcomes
                cloud["consumed"] = {operation: 0 for operation in OPERATIONS}
            if allowance is not None:
                compute.set_a1_allowance(cloud, allowance.ocpus, allowance.memory_gbs)
        return store

    # ----- scenario and call log -----

    def next_outcome(self, operation: str) -> str:
        """Consume one outcome of `operation` (launch, update, start); the last one repeats."""
        with self._transaction() as cloud:
            return compute.consume_outcome(cloud, operation)

    def log_call(self, op: str, *, client_request_id: str | None = None, **fields) -> str:
        """Record one simulated API call; returns the opc-request-id it was given (the client's own
        id, if it sent one, as its first part, as OCI does)."""
        request_id = "/".join(
            (client_request_id or secrets.token_hex(16), secrets.token_hex(16).upper(), secrets.token_hex(16).upper())
        )
        line = json.dumps({"op": op, "ts": time.time(), **fields, "opc_request_id": request_id})
        with self._locked(), contextlib.suppress(OSError):  # read-only: the call goes unlogged
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
            return network.subnet(cloud, subnet_id)

    def list_vnic_attachments(self, compartment_id: str) -> list[dict]:
        """Each instance's primary VNIC attachment (DETACHED once the instance is terminated)."""
        with self._transaction() as cloud:
            return network.vnic_attachments(cloud, compartment_id)

    def get_vnic(self, vnic_id: str) -> dict | None:
        """The primary VNIC of a live instance, with its public IP; a terminated one's is gone."""
        with self._transaction() as cloud:
            return network.vnic(cloud, vnic_id)

    def create_network_resource(self, kind: str, fields: dict) -> tuple[dict | None, ServiceError | None]:
        """CreateVcn, CreateSubnet, CreatePublicIp... (kinds: network.KINDS)."""
        with self._transaction() as cloud:
            return network.create_resource(cloud, kind, fields)

    def get_network_resource(self, kind: str, resource_id: str) -> dict | None:
        with self._transaction() as cloud:
            return network.find_resource(cloud, kind, resource_id)

    def update_network_resource(
        self, kind: str, resource_id: str, changes: dict
    ) -> tuple[dict | None, ServiceError | None]:
        with self._transaction() as cloud:
            return network.update_resource(cloud, kind, resource_id, changes)

    def delete_network_resource(self, kind: str, resource_id: str) -> ServiceError | None:
        with self._transaction() as cloud:
            return network.delete_resource(cloud, kind, resource_id)

    def list_private_ips(self, vnic_id: str) -> list[dict]:
        with self._transaction() as cloud:
            return network.private_ips(cloud, vnic_id)

    # ----- instances (see compute.py for what each operation does) -----

    def launch_instance(self, details: dict, retry_token: str | None = None, provisioning_seconds: float = 0) -> Answer:
        """LaunchInstance: apply the next launch outcome (details in snake case, see compute.launch);
        the instance is PROVISIONING for `provisioning_seconds` (the provider's launches take none)."""
        with self._transaction() as cloud:
            return compute.launch(cloud, details, retry_token, provisioning_seconds)

    def get_instance(self, instance_id: str) -> dict | None:
        """GetInstance; a changing instance moves one step on (as in every call on it)."""
        with self._transaction() as cloud:
            instance = compute.find(cloud, instance_id)
            if instance is not None:
                compute.advance(instance)
            return instance

    def list_instances(self, compartment_id: str) -> list[dict]:
        """ListInstances; terminated instances stay listed, as in OCI, and changing ones move one step on."""
        with self._transaction() as cloud:
            listed = [i for i in cloud["instances"] if i["compartment_id"] == compartment_id]
            for instance in listed:
                compute.advance(instance)
            return listed

    def update_instance(self, instance_id: str, changes: dict, if_match: str | None = None) -> Answer:
        """UpdateInstance: display_name, freeform_tags, metadata, shape_config (a resize takes the next
        update outcome); an `if_match` that is not the instance's etag changes nothing (412)."""
        with self._transaction() as cloud:
            return compute.update(cloud, instance_id, changes, if_match)

    def instance_action(self, instance_id: str, action: str, if_match: str | None = None) -> Answer:
        """InstanceAction START, STOP, SOFTSTOP, RESET or SOFTRESET (START takes the next start outcome)."""
        with self._transaction() as cloud:
            return compute.act(cloud, instance_id, action, if_match)

    def terminate_instance(self, instance_id: str) -> dict | None:
        """TerminateInstance at once (the provider's); None if there is no such instance."""
        with self._transaction() as cloud:
            return compute.put_in_state(cloud, instance_id, "TERMINATED")

    def begin_termination(self, instance_id: str, seconds: float = 0, if_match: str | None = None) -> Answer:
        """TerminateInstance as the REST API answers it: TERMINATING for `seconds`, then TERMINATED."""
        with self._transaction() as cloud:
            return compute.terminate(cloud, instance_id, seconds, if_match)

    # ----- work requests (see work_requests.py) -----

    def open_work_request(self, operation_type: str, instance: dict, seconds: float = 0) -> dict:
        """A new work request for an operation on `instance`, expected to take about `seconds`."""
        with self._transaction() as cloud:
            return work_requests.open_request(cloud, operation_type, instance, seconds)

    def get_work_request(self, work_request_id: str) -> dict | None:
        with self._transaction() as cloud:
            return work_requests.get(cloud, work_request_id, time.time())

    def list_work_requests(self, compartment_id: str) -> list[dict]:
        with self._transaction() as cloud:
            return work_requests.listed(cloud, compartment_id, time.time())

    def cpu_utilisation(self, compartment_id: str) -> dict[str, float]:
        """{instance id: CPU %} of the compartment's instances whose compute agent reports a series."""
        with self._transaction() as cloud:
            return compute.cpu_utilisation(cloud, compartment_id)

    # ----- Oracle acting from outside (simulate stop / terminate / cpu) -----

    def set_lifecycle_state(self, instance_id: str, lifecycle_state: str) -> dict | None:
        """Put the instance in a state at once, as Oracle (or a user in the Console) would."""
        with self._transaction() as cloud:
            return compute.put_in_state(cloud, instance_id, lifecycle_state)

    def set_cpu_utilisation(self, instance_id: str, percent: float) -> dict | None:
        """The CPU utilisation the instance's compute agent reports from now on, at every point of the series."""
        with self._transaction() as cloud:
            instance = compute.find(cloud, instance_id)
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

    def a1_usage(self) -> list[dict]:
        """Each A1 limit, regional and per AD, with what the live A1 instances use (compute.a1_usage)."""
        with self._transaction() as cloud:
            return compute.a1_usage(cloud)

    # ----- the tenancy's allowance, and someone else's instance in it -----

    def occupy(self, details: dict) -> Answer:
        """Put an A1 instance that is not ours in the tenancy (compute.occupy)."""
        with self._transaction() as cloud:
            return compute.occupy(cloud, details)

    def vcn_usage(self) -> list[dict]:
        """The regional vcn-count limit (`limits` in cloud.json, 50 unless set) and the VCNs that exist."""
        with self._transaction() as cloud:
            limit = cloud["limits"].get("vcn-count", 50)
            return [{"name": "vcn-count", "availability_domain": None, "limit": limit, "used": len(cloud["vcns"])}]

    # ----- file handling -----

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            lock = open(self._lock_path, "a")
        except OSError:  # a read-only cloud folder: read it as it is (nothing can change it)
            yield
            return
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[dict]:
        """The cloud, seeded if missing; written back (atomically) only if the block changed it."""
        with self._locked():
            text = self._cloud_path.read_text(encoding="utf-8") if self._cloud_path.exists() else ""
            cloud = json.loads(text) if text else seed()
            # Time has passed since the last call: what was PROVISIONING or TERMINATING may be done.
            now = time.time()
            compute.settle(cloud, now)
            work_requests.settle(cloud, now)
            yield cloud
            new_text = json.dumps(cloud, indent=1)
            if new_text != text:
                with tempfile.NamedTemporaryFile(
                    "w", dir=self.directory, prefix=".cloud.", suffix=".tmp", delete=False, encoding="utf-8"
                ) as tmp:
                    tmp.write(new_text)
                os.replace(tmp.name, self._cloud_path)
