"""The one route table of the simulated REST API: which method and path each OCI operation answers,
and the function that answers it."""

from __future__ import annotations

import functools
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
    rest_shapes,
    rest_work_requests,
)
from orchestrator.simulator.rest_protocol import Reply, Request
from orchestrator.simulator.store import CloudStore

Operation = Callable[[CloudStore, Request], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    # The path after the host as OCI's API reference writes it, {name} for each path parameter.
    template: str
    # The operation's name in OCI's API reference, as the call log names it.
    op: str
    answer: Operation

    @property
    def path(self) -> re.Pattern[str]:
        """The template as a pattern; its groups are the operation's path parameters."""
        return _pattern(self.template)


@functools.cache
def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{\w+\\\}", "([^/]+)", re.escape(template)))


def _route(method: str, template: str, op: str, answer: Operation) -> Route:
    return Route(method, template, op, answer)


ROUTES = (
    _route("GET", "/20160918/availabilityDomains", "ListAvailabilityDomains", rest_identity.list_availability_domains),
    _route("GET", "/20160918/compartments", "ListCompartments", rest_identity.list_compartments),
    _route("GET", "/20160918/compartments/{compartmentId}", "GetCompartment", rest_identity.get_compartment),
    _route("GET", "/20160918/tenancies/{tenancyId}", "GetTenancy", rest_identity.get_tenancy),
    _route("GET", "/20160918/users/{userId}", "GetUser", rest_identity.get_user),
    _route("GET", "/20160918/vcns", "ListVcns", rest_network.list_vcns),
    _route("GET", "/20160918/vcns/{vcnId}", "GetVcn", rest_network.get_vcn),
    _route("GET", "/20160918/subnets", "ListSubnets", rest_network.list_subnets),
    _route("GET", "/20160918/subnets/{subnetId}", "GetSubnet", rest_network.get_subnet),
    _route("GET", "/20160918/vnicAttachments", "ListVnicAttachments", rest_network.list_vnic_attachments),
    _route("GET", "/20160918/vnics/{vnicId}", "GetVnic", rest_network.get_vnic),
    _route("POST", "/20160918/instances", "LaunchInstance", rest_compute.launch_instance),
    _route("GET", "/20160918/instances", "ListInstances", rest_compute.list_instances),
    _route("GET", "/20160918/instances/{instanceId}", "GetInstance", rest_compute.get_instance),
    _route("PUT", "/20160918/instances/{instanceId}", "UpdateInstance", rest_compute.update_instance),
    _route("POST", "/20160918/instances/{instanceId}", "InstanceAction", rest_compute.instance_action),
    _route("DELETE", "/20160918/instances/{instanceId}", "TerminateInstance", rest_compute.terminate_instance),
    _route(
        "POST",
        "/20160918/computeCapacityReports",
        "CreateComputeCapacityReport",
        rest_capacity.create_compute_capacity_report,
    ),
    _route("GET", "/20160918/shapes", "ListShapes", rest_shapes.list_shapes),
    _route("GET", "/20160918/images", "ListImages", rest_images.list_images),
    _route("GET", "/20160918/images/{imageId}", "GetImage", rest_images.get_image),
    _route(
        "GET",
        "/20160918/images/{imageId}/shapes",
        "ListImageShapeCompatibilityEntries",
        rest_images.list_image_shape_compatibility_entries,
    ),
    _route("GET", "/20160918/workRequests", "ListWorkRequests", rest_work_requests.list_work_requests),
    _route("GET", "/20160918/workRequests/{workRequestId}", "GetWorkRequest", rest_work_requests.get_work_request),
    _route(
        "GET",
        "/20160918/workRequests/{workRequestId}/errors",
        "ListWorkRequestErrors",
        rest_work_requests.list_work_request_errors,
    ),
    _route("GET", "/20190729/limitValues", "ListLimitValues", rest_limits.list_limit_values),
    _route(
        "GET",
        "/20190729/services/{serviceName}/limits/{limitName}/resourceAvailability",
        "GetResourceAvailability",
        rest_limits.get_resource_availability,
    ),
    _route(
        "POST",
        "/20180401/metrics/actions/summarizeMetricsData",
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
