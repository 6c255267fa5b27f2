"""The simulated Identity API: availability domains, compartments, the tenancy and its user."""

from __future__ import annotations

from orchestrator.simulator.rest_protocol import (
    ApiError,
    Reply,
    Request,
    not_found,
    paged,
    queried_compartment,
    visible_compartment,
)
from orchestrator.simulator.store import PLACEHOLDERS, REGION, CloudStore

# When the simulated tenancy, its compartments and its user were created.
_CREATED = "2026-06-01T09:00:00.000Z"
_TENANCY_NAME = "sim-tenancy"


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
    """The compartments directly in the one queried (with compartmentIdInSubtree, the whole tree):
    here every compartment is the tenancy's child. The tenancy itself is never listed, as in OCI."""
    query = request.query
    parent = queried_compartment(store, query)
    cloud = store.snapshot()
    subtree = query.get("compartmentIdInSubtree", "false") == "true"
    if subtree and parent != cloud["tenancy_id"]:
        raise ApiError(400, "InvalidParameter", "compartmentIdInSubtree can only be used with the tenancy's OCID.")
    children = cloud["compartments"] if parent == cloud["tenancy_id"] else []
    listed = [
        compartment
        for compartment in (_compartment(cloud, child) for child in children)
        if query.get("name", compartment["name"]) == compartment["name"]
        and query.get("lifecycleState", "ACTIVE") == "ACTIVE"
    ]
    page, headers = paged("ListCompartments", listed, query)
    return Reply(page, {"compartment_id": parent, "count": len(page)}, headers)


def get_tenancy(store: CloudStore, request: Request) -> Reply:
    [tenancy_id] = request.params
    if tenancy_id != store.snapshot()["tenancy_id"]:
        raise not_found(f"tenancy {tenancy_id}")
    body = {
        "id": tenancy_id,
        "name": _TENANCY_NAME,
        "description": "simulated",
        "homeRegionKey": REGION.upper(),
        "upiIdcsCompatibilityLayerEndpoint": None,
        "freeformTags": {},
        "definedTags": {},
    }
    return Reply(body, {"tenancy_id": tenancy_id})


def get_user(store: CloudStore, request: Request) -> Reply:
    """The simulated user, the one the API key is uploaded for: a script finds the tenancy from it."""
    [user_id] = request.params
    if user_id != PLACEHOLDERS["user_ocid"]:
        raise not_found(f"user {user_id}")
    body = {
        "id": user_id,
        "compartmentId": store.snapshot()["tenancy_id"],
        "name": "sim-user@example.com",
        "description": "simulated",
        "email": "sim-user@example.com",
        "emailVerified": True,
        "dbUserName": None,
        "identityProviderId": None,
        "externalIdentifier": None,
        "timeCreated": _CREATED,
        "lifecycleState": "ACTIVE",
        "inactiveStatus": None,
        "freeformTags": {},
        "definedTags": {},
        "capabilities": {
            "canUseConsolePassword": True,
            "canUseApiKeys": True,
            "canUseAuthTokens": True,
            "canUseSmtpCredentials": True,
            "canUseDbCredentials": True,
            "canUseCustomerSecretKeys": True,
            "canUseOAuth2ClientCredentials": True,
        },
        "isMfaActivated": False,
        "lastSuccessfulLoginTime": None,
        "previousSuccessfulLoginTime": None,
    }
    return Reply(body, {"user_id": user_id})


def _compartment(cloud: dict, compartment_id: str) -> dict:
    is_tenancy = compartment_id == cloud["tenancy_id"]
    return {
        "id": compartment_id,
        "compartmentId": None if is_tenancy else cloud["tenancy_id"],
        "name": _TENANCY_NAME if is_tenancy else f"sim-compartment-{cloud['compartments'].index(compartment_id) + 1}",
        "description": "simulated",
        "lifecycleState": "ACTIVE",
        "inactiveStatus": None,
        "isAccessible": True,
        "freeformTags": {},
        "definedTags": {},
        "timeCreated": _CREATED,
    }
