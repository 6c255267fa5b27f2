"""The simulated Identity API: availability domains and compartments."""

from __future__ import annotations

from orchestrator.simulator.rest_protocol import Reply, Request, paged, queried_compartment, visible_compartment
from orchestrator.simulator.store import CloudStore


def list_availability_domains(store: CloudStore, request: Request) -> Reply:
    cloud = store.snapshot()
    compartment_id = queried_compartment(store, request.query)
    domains = [
        {
            "name": name,
            "id": f"ocid1.availabilitydomain.oc1..{name[-4:].lower()}",
            "compartmentId": cloud["tenancy_id"],
        }
        for name in cloud["availability_domains"]
    ]
    return Reply(domains, {"compartment_id": compartment_id})


def get_compartment(store: CloudStore, request: Request) -> Reply:
    [compartment_id] = request.params
    visible_compartment(store, compartment_id)
    return Reply(_compartment(store.snapshot(), compartment_id), {"compartment_id": compartment_id})


def list_compartments(store: CloudStore, request: Request) -> Reply:
    """The tenancy's compartments (all of them sit directly under it, so a subtree list is the same)."""
    cloud = store.snapshot()
    parent = queried_compartment(store, request.query)
    children = cloud["compartments"] if parent == cloud["tenancy_id"] else []
    page, headers = paged("ListCompartments", [_compartment(cloud, child) for child in children], request.query)
    return Reply(page, {"compartment_id": parent}, headers)


def _compartment(cloud: dict, compartment_id: str) -> dict:
    is_tenancy = compartment_id == cloud["tenancy_id"]
    return {
        "id": compartment_id,
        "compartmentId": None if is_tenancy else cloud["tenancy_id"],
        "name": "sim-tenancy" if is_tenancy else f"sim-compartment-{cloud['compartments'].index(compartment_id) + 1}",
        "description": "simulated",
        "lifecycleState": "ACTIVE",
        "timeCreated": "2026-06-01T09:00:00.000Z",
    }
