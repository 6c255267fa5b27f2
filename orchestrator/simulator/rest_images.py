"""The simulated Compute API's images: list (filtered, sorted as OCI does), get, compatible shapes."""

from __future__ import annotations

from orchestrator.simulator.rest_protocol import (
    Reply,
    Request,
    found,
    matches,
    paged,
    queried_compartment,
    sorted_by,
)
from orchestrator.simulator.store import CloudStore

_A1_SHAPES = ("VM.Standard.A1.Flex", "BM.Standard.A1.160")


def list_images(store: CloudStore, request: Request) -> Reply:
    """Platform images (no compartment) are visible from every compartment one may read."""
    query = request.query
    compartment_id = queried_compartment(store, query)
    filters = {
        "operatingSystem": "operating_system",
        "operatingSystemVersion": "operating_system_version",
        "displayName": "display_name",
    }
    images = [
        image
        for image in store.snapshot()["images"]
        if image.get("compartment_id") in (None, compartment_id)
        and matches(image, query, filters)
        and ("shape" not in query or query["shape"] in image["compatible_shapes"])
        and query.get("lifecycleState", "AVAILABLE") == "AVAILABLE"
    ]
    page, headers = paged("ListImages", sorted_by(images, query), query)
    return Reply([_image(i) for i in page], {"compartment_id": compartment_id, "count": len(page)}, headers)


def get_image(store: CloudStore, request: Request) -> Reply:
    [image_id] = request.params
    return Reply(_image(image_record(store, image_id)), {"image_id": image_id})


def list_image_shape_compatibility_entries(store: CloudStore, request: Request) -> Reply:
    [image_id] = request.params
    shapes = image_record(store, image_id)["compatible_shapes"]
    page, headers = paged("ListImageShapeCompatibilityEntries", shapes, request.query)
    return Reply([_shape_entry(image_id, shape) for shape in page], {"image_id": image_id}, headers)


def image_record(store: CloudStore, image_id: str) -> dict:
    """The store's image `image_id`; 404 if there is none."""
    return found(next((i for i in store.snapshot()["images"] if i["id"] == image_id), None), f"image {image_id}")


def _image(image: dict) -> dict:
    return {
        "id": image["id"],
        "compartmentId": image.get("compartment_id"),
        "displayName": image["display_name"],
        "operatingSystem": image["operating_system"],
        "operatingSystemVersion": image["operating_system_version"],
        "lifecycleState": "AVAILABLE",
        "launchMode": "NATIVE",
        "createImageAllowed": True,
        "timeCreated": image["time_created"],
    }


def _shape_entry(image_id: str, shape: str) -> dict:
    entry: dict = {"imageId": image_id, "shape": shape}
    if shape in _A1_SHAPES:
        entry["ocpuConstraints"] = {"min": 1, "max": 80}
        entry["memoryConstraints"] = {"minInGBs": 1, "maxInGBs": 512}
    return entry
