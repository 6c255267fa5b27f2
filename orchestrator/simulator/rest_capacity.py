"""The simulated compute capacity report (CreateComputeCapacityReport).

It answers from the scenario's next launch outcome, without consuming it, so a rehearsal's report
agrees with the launch that follows: capacity -> OUT_OF_HOST_CAPACITY, unavailable (the shape is
not in the AD) -> HARDWARE_NOT_SUPPORTED, anything else -> AVAILABLE (that launch fails, or not,
for another reason than host capacity). A shape no image of the region runs on is
HARDWARE_NOT_SUPPORTED. Every AD and fault domain answers alike.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from orchestrator.simulator.compute import upcoming_outcome
from orchestrator.simulator.rest_protocol import ApiError, Reply, Request, required, visible_compartment
from orchestrator.simulator.store import CloudStore

_STATUS_OF_OUTCOME = {"capacity": "OUT_OF_HOST_CAPACITY", "unavailable": "HARDWARE_NOT_SUPPORTED"}
_FAULT_DOMAIN = re.compile(r"FAULT-DOMAIN-[1-3]")


def create_compute_capacity_report(store: CloudStore, request: Request) -> Reply:
    body = request.body
    compartment_id = required(body, "compartmentId")
    visible_compartment(store, compartment_id)
    cloud = store.snapshot()
    ad = required(body, "availabilityDomain")
    if ad not in cloud["availability_domains"]:
        raise ApiError(400, "InvalidParameter", f"Invalid availabilityDomain: {ad}.")
    asked = required(body, "shapeAvailabilities")
    if not isinstance(asked, list) or not all(isinstance(item, dict) for item in asked):
        raise ApiError(400, "InvalidParameter", "shapeAvailabilities must be a list of objects.")
    shapes = {shape for image in cloud["images"] for shape in image["compatible_shapes"]}
    outcome = upcoming_outcome(cloud, "launch")
    answers = [_availability(item, shapes, outcome) for item in asked]
    report = {
        "compartmentId": compartment_id,
        "availabilityDomain": ad,
        "shapeAvailabilities": answers,
        "timeCreated": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    log = {"availability_domain": ad, "statuses": [answer["availabilityStatus"] for answer in answers]}
    return Reply(report, log)


def _availability(item: dict, shapes: set[str], outcome: str) -> dict:
    shape = required(item, "instanceShape")
    fault_domain = item.get("faultDomain")
    if fault_domain is not None and not _FAULT_DOMAIN.fullmatch(str(fault_domain)):
        raise ApiError(400, "InvalidParameter", f"Invalid faultDomain: {fault_domain}.")
    status = _STATUS_OF_OUTCOME.get(outcome, "AVAILABLE") if shape in shapes else "HARDWARE_NOT_SUPPORTED"
    return {
        "faultDomain": fault_domain,
        "instanceShape": shape,
        "instanceShapeConfig": item.get("instanceShapeConfig"),
        "availableCount": 1 if status == "AVAILABLE" else 0,
        "availabilityStatus": status,
    }
