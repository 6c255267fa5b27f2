"""The simulated Work Requests API (the Compute API's, on the iaas endpoint): what the SDK's
*_and_wait_for_work_request and oci-cli's `--wait-for-state SUCCEEDED` poll after a launch, an
update or a termination."""

from __future__ import annotations

from orchestrator.simulator.rest_protocol import (
    Reply,
    Request,
    found,
    matches,
    paged,
    queried_compartment,
)
from orchestrator.simulator.store import CloudStore


def get_work_request(store: CloudStore, request: Request) -> Reply:
    work_request = _work_request(store, request)
    body = {
        **_summary(work_request),
        "resources": [
            {
                "actionType": resource["action_type"],
                "entityType": resource["entity_type"],
                "identifier": resource["identifier"],
                "entityUri": resource["entity_uri"],
            }
            for resource in work_request["resources"]
        ],
    }
    return Reply(body, {"work_request_id": work_request["id"], "work_request_status": work_request["status"]})


def list_work_requests(store: CloudStore, request: Request) -> Reply:
    query = request.query
    compartment_id = queried_compartment(store, query)
    listed = [
        w
        for w in store.list_work_requests(compartment_id)
        if matches({"resource_id": w["resources"][0]["identifier"]}, query, {"resourceId": "resource_id"})
    ]
    page, headers = paged("ListWorkRequests", listed, query)
    return Reply([_summary(w) for w in page], {"compartment_id": compartment_id, "count": len(page)}, headers)


def list_work_request_errors(store: CloudStore, request: Request) -> Reply:
    """A failed work request has one error: its instance did not end where the operation leads."""
    work_request = _work_request(store, request)
    errors = (
        [
            {
                "code": "InternalError",
                "message": f"The instance {work_request['resources'][0]['identifier']} was terminated.",
                "timestamp": work_request["time_finished"],
            }
        ]
        if work_request["status"] == "FAILED"
        else []
    )
    page, headers = paged("ListWorkRequestErrors", errors, request.query)
    return Reply(page, {"work_request_id": work_request["id"]}, headers)


def _work_request(store: CloudStore, request: Request) -> dict:
    [work_request_id] = request.params
    return found(store.get_work_request(work_request_id), f"work request {work_request_id}")


def _summary(work_request: dict) -> dict:
    return {
        "id": work_request["id"],
        "operationType": work_request["operation_type"],
        "status": work_request["status"],
        "compartmentId": work_request["compartment_id"],
        "percentComplete": work_request["percent_complete"],
        "timeAccepted": work_request["time_accepted"],
        "timeStarted": work_request["time_started"],
        "timeFinished": work_request["time_finished"],
    }
