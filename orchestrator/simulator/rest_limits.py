"""The simulated Limits API: the regional A1 limits of the tenancy and what live instances use of them."""

from __future__ import annotations

from orchestrator.simulator.rest_protocol import Reply, Request, not_found, paged, required
from orchestrator.simulator.store import CloudStore

COMPUTE_SERVICE = "compute"
VCN_SERVICE = "vcn"


def _usage(store: CloudStore, service: str) -> dict[str, dict]:
    """Each limit of the service with its value and what is used of it."""
    return {COMPUTE_SERVICE: store.a1_usage, VCN_SERVICE: store.vcn_usage}.get(service, dict)()


def list_limit_values(store: CloudStore, request: Request) -> Reply:
    query = request.query
    _tenancy_scope(store, query)
    service = required(query, "serviceName")
    usage = _usage(store, service)
    values = [
        {"name": name, "scopeType": "REGION", "availabilityDomain": None, "value": entry["limit"]}
        for name, entry in usage.items()
        if query.get("name", name) == name and query.get("scopeType", "REGION") == "REGION"
    ]
    page, headers = paged("ListLimitValues", values, query)
    return Reply(page, {"service_name": service, "name": query.get("name")}, headers)


def get_resource_availability(store: CloudStore, request: Request) -> Reply:
    service, limit_name = request.params
    _tenancy_scope(store, request.query)
    entry = _usage(store, service).get(limit_name)
    if entry is None:
        raise not_found(f"limit {service}/{limit_name}")
    body = {"used": entry["used"], "available": max(entry["limit"] - entry["used"], 0), "effectiveQuotaValue": None}
    return Reply(body, {"service_name": service, "limit_name": limit_name, "used": entry["used"]})


def _tenancy_scope(store: CloudStore, query: dict) -> str:
    # Limits live on the tenancy (the root compartment) only.
    compartment_id = required(query, "compartmentId")
    if compartment_id != store.snapshot()["tenancy_id"]:
        raise not_found(f"tenancy {compartment_id}")
    return compartment_id
