"""The simulated Limits API: the tenancy's A1 limits, regional and per AD, and what live instances use of them.

The names are the ones OCI's LimitExceeded message lists (standard-a1-core-count,
standard-a1-core-regional-count, and their memory twins), so a client can look up each one it names.
"""

from __future__ import annotations

from orchestrator.simulator.rest_protocol import ApiError, Reply, Request, not_found, paged, required
from orchestrator.simulator.store import CloudStore

COMPUTE_SERVICE = "compute"


def list_limit_values(store: CloudStore, request: Request) -> Reply:
    query = request.query
    _tenancy_scope(store, query)
    service = required(query, "serviceName")
    values = [
        {
            "name": entry["name"],
            "scopeType": _scope(entry),
            "availabilityDomain": entry["availability_domain"],
            "value": entry["limit"],
        }
        for entry in (store.a1_usage() if service == COMPUTE_SERVICE else [])
        if query.get("name", entry["name"]) == entry["name"]
        and query.get("scopeType", _scope(entry)) == _scope(entry)
        and query.get("availabilityDomain", entry["availability_domain"]) == entry["availability_domain"]
    ]
    page, headers = paged("ListLimitValues", values, query)
    return Reply(page, {"service_name": service, "name": query.get("name")}, headers)


def get_resource_availability(store: CloudStore, request: Request) -> Reply:
    service, limit_name = request.params
    _tenancy_scope(store, request.query)
    ad = request.query.get("availabilityDomain")
    entries = [e for e in (store.a1_usage() if service == COMPUTE_SERVICE else []) if e["name"] == limit_name]
    if not entries:
        raise not_found(f"limit {service}/{limit_name}")
    entry = next((e for e in entries if e["availability_domain"] == ad), None)
    if entry is None:
        # As OCI: an AD-scoped limit needs its AD, a regional one takes none.
        scope = "an availabilityDomain" if ad is None else "no availabilityDomain"
        raise ApiError(400, "InvalidParameter", f"The limit {limit_name} needs {scope}.")
    body = {"used": entry["used"], "available": max(entry["limit"] - entry["used"], 0), "effectiveQuotaValue": None}
    return Reply(body, {"service_name": service, "limit_name": limit_name, "used": entry["used"]})


def _scope(entry: dict) -> str:
    return "AD" if entry["availability_domain"] else "REGION"


def _tenancy_scope(store: CloudStore, query: dict) -> str:
    # Limits live on the tenancy (the root compartment) only.
    compartment_id = required(query, "compartmentId")
    if compartment_id != store.snapshot()["tenancy_id"]:
        raise not_found(f"tenancy {compartment_id}")
    return compartment_id
