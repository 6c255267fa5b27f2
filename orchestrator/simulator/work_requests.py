"""The simulated cloud's work requests: the record OCI keeps of an asynchronous instance operation
(LaunchInstance, UpdateInstance, TerminateInstance), which clients poll instead of the instance.

A work request follows its instance: ACCEPTED for the first half of the operation's time, then
IN_PROGRESS, then SUCCEEDED once the instance reaches where the operation leads (RUNNING after a
launch, TERMINATED after a termination), or FAILED if it ends elsewhere (a launch whose instance
is terminated). `settle`, run before every transaction after compute.settle, records the outcome
as soon as the instance shows it, so a later change of the instance does not rewrite it.
"""

from __future__ import annotations

import secrets
import string
import time
from datetime import UTC, datetime

from orchestrator.simulator import compute
from orchestrator.simulator.seed import REGION

# For each operation: the instance states in which it has succeeded, and those in which it has failed.
_ENDS = {
    "LaunchInstance": ({"RUNNING", "STOPPING", "STOPPED", "STARTING"}, {"TERMINATING", "TERMINATED"}),
    "UpdateInstance": ({"RUNNING", "STOPPED"}, {"TERMINATING", "TERMINATED"}),
    "TerminateInstance": ({"TERMINATED"}, set()),
}
OPERATIONS = tuple(_ENDS)
# What the work request's resource says was done to the instance once the operation is over.
_ACTION_TYPES = {"LaunchInstance": "CREATED", "UpdateInstance": "UPDATED", "TerminateInstance": "DELETED"}
# An instance is launched, and terminated, once: a retried launch (same retry token) or a second
# termination answers the work request the first one opened.
_ONCE_PER_INSTANCE = {"LaunchInstance", "TerminateInstance"}
_PERCENT = {"ACCEPTED": 0.0, "IN_PROGRESS": 50.0, "SUCCEEDED": 100.0, "FAILED": 100.0}

_OCID_ALPHABET = string.ascii_lowercase + string.digits


def open_request(cloud: dict, operation_type: str, instance: dict, seconds: float) -> dict:
    """A new work request for `operation_type` on `instance`, expected to take about `seconds`."""
    now = time.time()
    earlier = [
        r
        for r in cloud.get("work_requests", ())
        if (r["operation_type"], r["instance_id"]) == (operation_type, instance["id"])
    ]
    if earlier and operation_type in _ONCE_PER_INSTANCE:
        return view(earlier[0], now)
    record = {
        "id": f"ocid1.coreservicesworkrequest.oc1.{REGION}."
        + "".join(secrets.choice(_OCID_ALPHABET) for _ in range(60)),
        "operation_type": operation_type,
        "compartment_id": instance["compartment_id"],
        "instance_id": instance["id"],
        "accepted_at": now,
        "started_at": now + seconds / 2,
        # Set once the instance shows the outcome (see settle).
        "status": None,
        "finished_at": None,
    }
    cloud.setdefault("work_requests", []).append(record)
    _settle_one(cloud, record, now)
    return view(record, now)


def settle(cloud: dict, now: float) -> None:
    for record in cloud.get("work_requests", ()):
        _settle_one(cloud, record, now)


def get(cloud: dict, work_request_id: str, now: float) -> dict | None:
    """The work request as a client reads it. Reading one still in progress moves its instance one
    step on, as reading the instance would (a resize's reboot), so polling the work request alone ends."""
    record = next((r for r in cloud.get("work_requests", ()) if r["id"] == work_request_id), None)
    if record is None:
        return None
    instance = compute.find(cloud, record["instance_id"])
    if record["status"] is None and instance is not None:
        compute.advance(instance)
        _settle_one(cloud, record, now)
    return view(record, now)


def listed(cloud: dict, compartment_id: str, now: float) -> list[dict]:
    """The compartment's work requests, newest first."""
    records = [r for r in cloud.get("work_requests", ()) if r["compartment_id"] == compartment_id]
    return [view(r, now) for r in sorted(records, key=lambda r: r["accepted_at"], reverse=True)]


def _settle_one(cloud: dict, record: dict, now: float) -> None:
    if record["status"] is not None:
        return
    instance = compute.find(cloud, record["instance_id"])
    succeeded, failed = _ENDS[record["operation_type"]]
    state = instance["lifecycle_state"] if instance else "TERMINATED"
    if state in succeeded | failed:
        record["status"] = "SUCCEEDED" if state in succeeded else "FAILED"
        record["finished_at"] = now


def view(record: dict, now: float) -> dict:
    """The work request in snake case, its status as of `now`."""
    status = record["status"] or ("ACCEPTED" if now < record["started_at"] else "IN_PROGRESS")
    done = record["status"] is not None
    return {
        "id": record["id"],
        "operation_type": record["operation_type"],
        "status": status,
        "compartment_id": record["compartment_id"],
        "resources": [
            {
                "action_type": _ACTION_TYPES[record["operation_type"]] if done else "IN_PROGRESS",
                "entity_type": "instance",
                "identifier": record["instance_id"],
                "entity_uri": f"/20160918/instances/{record['instance_id']}",
            }
        ],
        "percent_complete": _PERCENT[status],
        "time_accepted": _timestamp(record["accepted_at"]),
        "time_started": _timestamp(min(record["started_at"], record["finished_at"] or now))
        if status != "ACCEPTED"
        else None,
        "time_finished": _timestamp(record["finished_at"]) if done else None,
    }


def _timestamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
