"""The one route table of the simulated REST API: which method and path each OCI operation answers,
and the function that answers it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from orchestrator.simulator import (
    rest_capacity,
    rest_compute,
    rest_identity,
    rest_images,
    rest_limits,
    rest_monitoring,
    rest_network,
)
from orchestrator.simulator.rest_protocol import Reply, Request
from orchestrator.simulator.store import CloudStore

Operation = Callable[[CloudStore, Request], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    # The path after the host; its groups are the operation's path parameters.
    path: re.Pattern[str]
    # The operation's name in OCI's API reference, as the call log names it.
    op: str
    answer: Operation


def _route(method: str, path: str, op: str, answer: Operation) -> Route:
    return Route(method, re.compile(path), op, answer)


ROUTES = (
    _route("GET", r"/20160918/availabilityDomains", "ListAvailabilityDomains", rest_identity.list_availability_domains),
    _route("GET", r"/20160918/compartments", "ListCompartments", rest_identity.list_compartments),
    _route("GET", r"/20160918/compartments/([^/]+)", "GetCompartment", rest_identity.get_compartment),
    _route("GET", r"/20160918/subnets/([^/]+)", "GetSubnet", rest_network.get_subnet),
    _route("GET", r"/20160918/vnicAttachments", "ListVnicAttachments", rest_network.list_vnic_attachments),
    _route("GET", r"/20160918/vnics/([^/]+)", "GetVnic", rest_network.get_vnic),
    _route("POST", r"/20160918/instances", "LaunchInstance", rest_compute.launch_instance),
    _route("GET", r"/20160918/instances", "ListInstances", rest_compute.list_instances),
    _route("GET", r"/20160918/instances/([^/]+)", "GetInstance", rest_compute.get_instance),
    _route("PUT", r"/20160918/instances/([^/]+)", "UpdateInstance", rest_compute.update_instance),
    _route("POST", r"/20160918/instances/([^/]+)", "InstanceAction", rest_compute.instance_action),
    _route("DELETE", r"/20160918/instances/([^/]+)", "TerminateInstance", rest_compute.terminate_instance),
    _route(
        "POST",
        r"/20160918/computeCapacityReports",
        "CreateComputeCapacityReport",
        rest_capacity.create_compute_capacity_report,
    ),
    _route("GET", r"/20160918/images", "ListImages", rest_images.list_images),
    _route("GET", r"/20160918/images/([^/]+)", "GetImage", rest_images.get_image),
    _route(
        "GET",
        r"/20160918/images/([^/]+)/shapes",
        "ListImageShapeCompatibilityEntries",
        rest_images.list_image_shape_compatibility_entries,
    ),
    _route("GET", r"/20190729/limitValues", "ListLimitValues", rest_limits.list_limit_values),
    _route(
        "GET",
        r"/20190729/services/([^/]+)/limits/([^/]+)/resourceAvailability",
        "GetResourceAvailability",
        rest_limits.get_resource_availability,
    ),
    _route(
        "POST",
        r"/20180401/metrics/actions/summarizeMetricsData",
        "SummarizeMetricsData",
        rest_monitoring.summarize_metrics_data,
    ),
)


def route_for(method: str, path: str) -> tuple[Route, tuple[str, ...]] | None:
    """The route that answers `method` on `path`, with its path parameters (still URL-encoded)."""
    for route in ROUTES:
        if route.method == method and (match := route.path.fullmatch(_resource(path))):
            return route, match.groups()
    return None


def methods_on(path: str) -> list[str]:
    """The methods some route answers on `path` (a 405's Allow header; none: the path is unknown)."""
    return sorted({route.method for route in ROUTES if route.path.fullmatch(_resource(path))})


def _resource(path: str) -> str:
    # OCI accepts a trailing slash (`/20160918/instances/`) for the same resource, and some clients send one.
    return path.removesuffix("/")
