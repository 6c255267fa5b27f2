"""The simulated Compute API's instance operations: launch, list, get, update, action, terminate.

Each translates between the API's camelCase wire format and the store's snake-case records;
what an operation does to the cloud is the store's (compute.py).
"""

from __future__ import annotations

from orchestrator.simulator.compute import ACTIONS, etag
from orchestrator.simulator.rest_protocol import (
    ApiError,
    Reply,
    Request,
    answered,
    found,
    matches,
    not_found,
    paged,
    queried_compartment,
    required,
    sorted_by,
    visible_compartment,
)
from orchestrator.simulator.store import CloudStore


def launch_instance(store: CloudStore, request: Request) -> Reply:
    details = _launch_details(request.body)
    visible_compartment(store, details["compartment_id"])
    token = request.headers.get("opc-retry-token")
    answer = store.launch_instance(details, retry_token=token, provisioning_seconds=request.lifecycle_seconds)
    fields = answered(
        answer,
        {
            "instance_id": answer.instance["id"] if answer.instance else None,
            "availability_domain": details["availability_domain"],
            "display_name": details["display_name"],
            "shape": details["shape"],
            "shape_config": details["shape_config"],
            "retry_token_replayed": answer.replayed,
            "lifecycle_state": answer.instance["lifecycle_state"] if answer.instance else None,
        },
    )
    instance = answer.instance
    headers = {
        "etag": etag(instance),
        "opc-work-request-id": _work_request_id(store, "LaunchInstance", instance, request),
        "location": f"http://{request.headers.get('host', '127.0.0.1')}/20160918/instances/{instance['id']}",
    }
    return Reply(_instance(instance), fields, headers, drop_connection=answer.outcome == "lost")


def list_instances(store: CloudStore, request: Request) -> Reply:
    query = request.query
    compartment_id = queried_compartment(store, query)
    filters = {
        "availabilityDomain": "availability_domain",
        "displayName": "display_name",
        "lifecycleState": "lifecycle_state",
    }
    instances = [i for i in store.list_instances(compartment_id) if matches(i, query, filters)]
    page, headers = paged("ListInstances", sorted_by(instances, query), query)
    return Reply([_instance(i) for i in page], {"compartment_id": compartment_id, "count": len(page)}, headers)


def get_instance(store: CloudStore, request: Request) -> Reply:
    [instance_id] = request.params
    instance = found(store.get_instance(instance_id), f"instance {instance_id}")
    return Reply(
        _instance(instance),
        {"instance_id": instance_id, "lifecycle_state": instance["lifecycle_state"]},
        {"etag": etag(instance)},
    )


def update_instance(store: CloudStore, request: Request) -> Reply:
    [instance_id] = request.params
    body = request.body
    changes = {
        name: body[wire]
        for name, wire in (
            ("display_name", "displayName"),
            ("freeform_tags", "freeformTags"),
            ("metadata", "metadata"),
        )
        if body.get(wire) is not None
    }
    if body.get("shapeConfig") is not None:
        changes["shape_config"] = _shape_config(body["shapeConfig"])
    answer = store.update_instance(instance_id, changes, if_match=request.headers.get("if-match"))
    fields = answered(
        answer,
        {"instance_id": instance_id, "changes": sorted(changes), "shape_config": changes.get("shape_config")},
    )
    headers = {
        "etag": etag(answer.instance),
        "opc-work-request-id": _work_request_id(store, "UpdateInstance", answer.instance, request),
    }
    return Reply(_instance(answer.instance), fields, headers)


def instance_action(store: CloudStore, request: Request) -> Reply:
    [instance_id] = request.params
    action = required(request.query, "action")
    if action not in ACTIONS:
        raise ApiError(400, "InvalidParameter", f"Invalid action {action!r}; valid actions: {', '.join(ACTIONS)}.")
    answer = store.instance_action(instance_id, action, if_match=request.headers.get("if-match"))
    fields = answered(answer, {"instance_id": instance_id, "action": action})
    return Reply(_instance(answer.instance), fields, {"etag": etag(answer.instance)})


def terminate_instance(store: CloudStore, request: Request) -> Reply:
    [instance_id] = request.params
    answer = store.begin_termination(instance_id, request.lifecycle_seconds, if_match=request.headers.get("if-match"))
    if answer.instance is None:
        raise not_found(f"instance {instance_id}")
    fields = answered(answer, {"instance_id": instance_id})
    work_request = _work_request_id(store, "TerminateInstance", answer.instance, request)
    return Reply(None, fields, {"opc-work-request-id": work_request})


def _instance(instance: dict) -> dict:
    source = instance["source_details"]
    return {
        "id": instance["id"],
        "displayName": instance["display_name"],
        "lifecycleState": instance["lifecycle_state"],
        "availabilityDomain": instance["availability_domain"],
        "faultDomain": instance["fault_domain"],
        "compartmentId": instance["compartment_id"],
        "region": instance["region"],
        "shape": instance["shape"],
        "shapeConfig": {
            "ocpus": instance["shape_config"]["ocpus"],
            "memoryInGBs": instance["shape_config"]["memory_in_gbs"],
        },
        "sourceDetails": {
            "sourceType": source["source_type"],
            "imageId": source["source_id"],
            "bootVolumeSizeInGBs": source["boot_volume_size_in_gbs"],
        },
        "imageId": source["source_id"],
        "launchMode": "PARAVIRTUALIZED",
        "metadata": instance["metadata"],
        "freeformTags": instance["freeform_tags"],
        "definedTags": {},
        "timeCreated": instance["time_created"],
    }


def _launch_details(body: dict) -> dict:
    """LaunchInstanceDetails (camelCase) -> the store's snake-case launch details."""
    shape_config = body.get("shapeConfig") or {}
    source = body.get("sourceDetails") or {}
    vnic = body.get("createVnicDetails") or {}
    return {
        "availability_domain": required(body, "availabilityDomain"),
        "compartment_id": required(body, "compartmentId"),
        "display_name": body.get("displayName"),
        "shape": required(body, "shape"),
        "shape_config": _shape_config(shape_config),
        "source_details": {
            "source_type": source.get("sourceType", "image"),
            "source_id": source.get("imageId") or body.get("imageId"),
            "boot_volume_size_in_gbs": source.get("bootVolumeSizeInGBs"),
        },
        "create_vnic_details": {
            "subnet_id": vnic.get("subnetId") or body.get("subnetId"),
            "assign_public_ip": vnic.get("assignPublicIp", True) is not False,
        },
        "metadata": body.get("metadata") or {},
        "freeform_tags": body.get("freeformTags") or {},
    }


def _shape_config(wire: dict) -> dict:
    fields = {"ocpus": wire.get("ocpus"), "memory_in_gbs": wire.get("memoryInGBs")}
    return {name: value for name, value in fields.items() if value is not None}


def _work_request_id(store: CloudStore, operation_type: str, instance: dict, request: Request) -> str:
    """The id of a new work request that follows `instance` through the operation (GetWorkRequest)."""
    return store.open_work_request(operation_type, instance, request.lifecycle_seconds)["id"]
