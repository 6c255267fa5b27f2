"""The simulated OCI REST API, for the tool's own oci SDK calls and for any OCI client.

A small HTTP server on 127.0.0.1 answers from the same cloud store the simulated Terraform
provider uses, in the API's wire format: the real paths and methods, camelCase JSON, OCI error
bodies, opc-request-id (the client's own id first) and Date headers, pagination with
opc-next-page. Like OCI it authenticates each request: the signature must verify against the
API key "uploaded" to it, the keyId must name that key's tenancy, user and fingerprint, and the
Date must be within 5 minutes. Every request, routed or not, lands in the store's call log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from orchestrator.simulator.provider_errors import ServiceError
from orchestrator.simulator.store import ACTIONS, PLACEHOLDERS, Answer, CloudStore

COMPUTE_SERVICE = "compute"
COMPUTE_AGENT_NAMESPACE = "oci_computeagent"
_SIGNATURE_FIELD = re.compile(r'(\w+)="([^"]*)"')
_A1_SHAPES = ("VM.Standard.A1.Flex", "BM.Standard.A1.160")
# OCI refuses a request whose Date is further than this from its clock.
MAX_CLOCK_SKEW_SECONDS = 300
_BODY_METHODS = ("POST", "PUT", "PATCH")
_SIGNED_ALWAYS = ("(request-target)", "host")
_SIGNED_WITH_BODY = ("content-length", "content-type", "x-content-sha256")
MAX_PAGE_SIZE = 1000
_NOT_AUTHENTICATED = "The required information to complete authentication was not provided or was incorrect."


class ApiError(Exception):
    """An OCI error response: HTTP status, OCI error code, message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    @classmethod
    def of(cls, error: ServiceError) -> ApiError:
        return cls(error.status, error.code, error.message)


def _not_found(what: str) -> ApiError:
    return ApiError(404, "NotAuthorizedOrNotFound", f"Authorization failed or requested resource not found: {what}.")


def _required(values: dict, name: str) -> object:
    if values.get(name) in (None, ""):
        raise ApiError(400, "MissingParameter", f"Missing required parameter '{name}'.")
    return values[name]


@dataclass
class _Request:
    query: dict[str, str]
    params: tuple[str, ...]
    body: dict
    headers: Message


@dataclass
class _Reply:
    """An answer: JSON body (None: 204 No Content), extra headers, fields for the call log."""

    body: object
    log: dict = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    # The launch was accepted but its answer never reaches the client (scenario outcome `lost`).
    drop_connection: bool = False


# ----- the store's records in the API's wire format -----


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


def _subnet(subnet: dict) -> dict:
    return {
        "id": subnet["id"],
        "availabilityDomain": subnet["availability_domain"],
        "cidrBlock": subnet["cidr_block"],
        "ipv4CidrBlocks": subnet["ipv4cidr_blocks"],
        "compartmentId": subnet["compartment_id"],
        "displayName": subnet["display_name"],
        "dnsLabel": subnet["dns_label"],
        "lifecycleState": subnet["state"],
        "prohibitInternetIngress": subnet["prohibit_internet_ingress"],
        "prohibitPublicIpOnVnic": subnet["prohibit_public_ip_on_vnic"],
        "routeTableId": subnet["route_table_id"],
        "securityListIds": subnet["security_list_ids"],
        "subnetDomainName": subnet["subnet_domain_name"],
        "timeCreated": subnet["time_created"],
        "vcnId": subnet["vcn_id"],
        "virtualRouterIp": subnet["virtual_router_ip"],
        "virtualRouterMac": subnet["virtual_router_mac"],
    }


def _vnic_attachment(attachment: dict) -> dict:
    return {
        "id": attachment["id"],
        "availabilityDomain": attachment["availability_domain"],
        "compartmentId": attachment["compartment_id"],
        "displayName": attachment["display_name"],
        "instanceId": attachment["instance_id"],
        "lifecycleState": attachment["lifecycle_state"],
        "nicIndex": attachment["nic_index"],
        "subnetId": attachment["subnet_id"],
        "vlanTag": None,
        "vnicId": attachment["vnic_id"],
        "timeCreated": attachment["time_created"],
    }


def _vnic(vnic: dict) -> dict:
    return {
        "id": vnic["id"],
        "availabilityDomain": vnic["availability_domain"],
        "compartmentId": vnic["compartment_id"],
        "displayName": vnic["display_name"],
        "hostnameLabel": vnic["hostname_label"],
        "isPrimary": vnic["is_primary"],
        "lifecycleState": vnic["lifecycle_state"],
        "macAddress": vnic["mac_address"],
        "nsgIds": [],
        "privateIp": vnic["private_ip"],
        "publicIp": vnic["public_ip"],
        "skipSourceDestCheck": False,
        "subnetId": vnic["subnet_id"],
        "freeformTags": {},
        "definedTags": {},
        "timeCreated": vnic["time_created"],
    }


def _shape_entry(image_id: str, shape: str) -> dict:
    entry: dict = {"imageId": image_id, "shape": shape}
    if shape in _A1_SHAPES:
        entry["ocpuConstraints"] = {"min": 1, "max": 80}
        entry["memoryConstraints"] = {"minInGBs": 1, "maxInGBs": 512}
    return entry


def _launch_details(body: dict) -> dict:
    """LaunchInstanceDetails (camelCase) -> the store's snake-case launch details."""
    shape_config = body.get("shapeConfig") or {}
    source = body.get("sourceDetails") or {}
    vnic = body.get("createVnicDetails") or {}
    return {
        "availability_domain": _required(body, "availabilityDomain"),
        "compartment_id": _required(body, "compartmentId"),
        "display_name": body.get("displayName"),
        "shape": _required(body, "shape"),
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


# ----- pagination: every list answers `limit` items from `page` on, and says where the next page starts -----


def _page_token(op: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{op}:{offset}".encode()).decode()


def _paged(op: str, items: list, query: dict[str, str]) -> tuple[list, dict[str, str]]:
    start = 0
    if "page" in query:
        try:
            name, _, offset = base64.urlsafe_b64decode(query["page"].encode()).decode().partition(":")
            start = int(offset)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            name = ""
        if name != op or not 0 <= start <= len(items):
            raise ApiError(400, "InvalidParameter", f"Invalid page token: {query['page']!r}.")
    limit = len(items)
    if "limit" in query:
        if (
            not query["limit"].isascii()
            or not query["limit"].isdigit()
            or not 1 <= int(query["limit"]) <= MAX_PAGE_SIZE
        ):
            raise ApiError(400, "InvalidParameter", f"limit must be an integer from 1 to {MAX_PAGE_SIZE}.")
        limit = int(query["limit"])
    end = start + limit
    return items[start:end], ({"opc-next-page": _page_token(op, end)} if end < len(items) else {})


# ----- Monitoring: MQL queries of the form Metric[interval]{dimension = "value"}.statistic(argument) -----

_MQL = re.compile(r"\s*(\w+)\s*\[\s*(\d+)([mhd])\s*\]\s*(?:\{([^}]*)\})?\s*\.\s*(\w+)\s*\(\s*([^)]*?)\s*\)\s*")
_MQL_DIMENSION = re.compile(r'\s*(\w+)\s*=\s*"([^"]*)"\s*')
_MQL_STATISTICS = ("mean", "max", "min", "sum", "count", "rate", "percentile")
_INTERVAL_UNIT = {"m": "minutes", "h": "hours", "d": "days"}
# With no startTime, OCI summarizes the three hours before the call.
_DEFAULT_WINDOW = timedelta(hours=3)


def _parse_time(text: str | None, default: datetime) -> datetime:
    if text is None:
        return default
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, "InvalidParameter", f"Invalid time {text!r}; use RFC 3339.") from None


def _mql(query: str) -> tuple[str, timedelta, dict[str, str], str]:
    """(metric, interval, dimension filter, statistic); 400 InvalidParameter if it is not MQL we know."""
    match = _MQL.fullmatch(query)
    if match is None or match.group(5) not in _MQL_STATISTICS:
        raise ApiError(
            400, "InvalidParameter", f"Invalid query {query!r}: expected e.g. CpuUtilization[1d].percentile(0.95)."
        )
    metric, amount, unit, dimensions, statistic, _ = match.groups()
    filters = {}
    for clause in re.split(r",|&&", dimensions or ""):
        if clause.strip():
            dimension = _MQL_DIMENSION.fullmatch(clause)
            if dimension is None:
                raise ApiError(400, "InvalidParameter", f"Invalid dimension filter {clause.strip()!r} in {query!r}.")
            filters[dimension.group(1)] = dimension.group(2)
    return metric, timedelta(**{_INTERVAL_UNIT[unit]: int(amount)}), filters, statistic


# ----- operations: request -> reply -----


class _Operations:
    def __init__(self, store: CloudStore):
        self.store = store

    def _visible_compartment(self, compartment_id: str) -> None:
        cloud = self.store.snapshot()
        if compartment_id != cloud["tenancy_id"] and compartment_id not in cloud["compartments"]:
            raise _not_found(f"compartment {compartment_id}")

    def _answered(self, answer: Answer, fields: dict) -> dict:
        if answer.error is not None:
            raise _Refused(answer.error, {**fields, "outcome": answer.outcome})
        return {**fields, "outcome": answer.outcome}

    # identity

    def list_availability_domains(self, request: _Request) -> _Reply:
        cloud = self.store.snapshot()
        compartment_id = _required(request.query, "compartmentId")
        self._visible_compartment(compartment_id)
        domains = [
            {
                "name": name,
                "id": f"ocid1.availabilitydomain.oc1..{name[-4:].lower()}",
                "compartmentId": cloud["tenancy_id"],
            }
            for name in cloud["availability_domains"]
        ]
        return _Reply(domains, {"compartment_id": compartment_id})

    def get_compartment(self, request: _Request) -> _Reply:
        [compartment_id] = request.params
        cloud = self.store.snapshot()
        self._visible_compartment(compartment_id)
        is_tenancy = compartment_id == cloud["tenancy_id"]
        body = {
            "id": compartment_id,
            "compartmentId": None if is_tenancy else cloud["tenancy_id"],
            "name": "sim-tenancy"
            if is_tenancy
            else f"sim-compartment-{cloud['compartments'].index(compartment_id) + 1}",
            "description": "simulated",
            "lifecycleState": "ACTIVE",
            "timeCreated": "2026-06-01T09:00:00.000Z",
        }
        return _Reply(body, {"compartment_id": compartment_id})

    # network

    def get_subnet(self, request: _Request) -> _Reply:
        [subnet_id] = request.params
        subnet = self.store.get_subnet(subnet_id)
        if subnet is None:
            raise _not_found(f"subnet {subnet_id}")
        return _Reply(_subnet(subnet), {"subnet_id": subnet_id})

    def list_vnic_attachments(self, request: _Request) -> _Reply:
        query = request.query
        compartment_id = _required(query, "compartmentId")
        self._visible_compartment(compartment_id)
        filters = {"availabilityDomain": "availability_domain", "instanceId": "instance_id", "vnicId": "vnic_id"}
        attachments = [
            a
            for a in self.store.list_vnic_attachments(compartment_id)
            if all(query[param] == a[name] for param, name in filters.items() if param in query)
        ]
        page, headers = _paged("ListVnicAttachments", attachments, query)
        return _Reply(
            [_vnic_attachment(a) for a in page], {"compartment_id": compartment_id, "count": len(page)}, headers
        )

    def get_vnic(self, request: _Request) -> _Reply:
        [vnic_id] = request.params
        vnic = self.store.get_vnic(vnic_id)
        if vnic is None:
            raise _not_found(f"vnic {vnic_id}")
        return _Reply(_vnic(vnic), {"vnic_id": vnic_id})

    # compute: instances

    def launch_instance(self, request: _Request) -> _Reply:
        details = _launch_details(request.body)
        self._visible_compartment(details["compartment_id"])
        token = request.headers.get("opc-retry-token")
        answer = self.store.launch_instance(details, retry_token=token)
        fields = self._answered(
            answer,
            {
                "instance_id": answer.instance["id"] if answer.instance else None,
                "availability_domain": details["availability_domain"],
                "display_name": details["display_name"],
                "shape": details["shape"],
                "shape_config": details["shape_config"],
                "retry_token_replayed": answer.replayed,
            },
        )
        return _Reply(
            _instance(answer.instance),
            fields,
            {"etag": _etag(answer.instance)},
            drop_connection=answer.outcome == "lost",
        )

    def list_instances(self, request: _Request) -> _Reply:
        query = request.query
        compartment_id = _required(query, "compartmentId")
        self._visible_compartment(compartment_id)
        filters = {
            "availabilityDomain": "availability_domain",
            "displayName": "display_name",
            "lifecycleState": "lifecycle_state",
        }
        instances = [
            i
            for i in self.store.list_instances(compartment_id)
            if all(query[param] == i[name] for param, name in filters.items() if param in query)
        ]
        instances.sort(key=lambda i: i["time_created"], reverse=True)
        page, headers = _paged("ListInstances", instances, query)
        return _Reply([_instance(i) for i in page], {"compartment_id": compartment_id, "count": len(page)}, headers)

    def get_instance(self, request: _Request) -> _Reply:
        [instance_id] = request.params
        instance = self.store.get_instance(instance_id)
        if instance is None:
            raise _not_found(f"instance {instance_id}")
        return _Reply(
            _instance(instance),
            {"instance_id": instance_id, "lifecycle_state": instance["lifecycle_state"]},
            {"etag": _etag(instance)},
        )

    def update_instance(self, request: _Request) -> _Reply:
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
        answer = self.store.update_instance(instance_id, changes)
        fields = self._answered(
            answer,
            {"instance_id": instance_id, "changes": sorted(changes), "shape_config": changes.get("shape_config")},
        )
        headers = {"etag": _etag(answer.instance), "opc-work-request-id": _work_request_id(instance_id)}
        return _Reply(_instance(answer.instance), fields, headers)

    def instance_action(self, request: _Request) -> _Reply:
        [instance_id] = request.params
        action = _required(request.query, "action")
        if action not in ACTIONS:
            raise ApiError(400, "InvalidParameter", f"Invalid action {action!r}; valid actions: {', '.join(ACTIONS)}.")
        answer = self.store.instance_action(instance_id, action)
        fields = self._answered(answer, {"instance_id": instance_id, "action": action})
        return _Reply(_instance(answer.instance), fields, {"etag": _etag(answer.instance)})

    def terminate_instance(self, request: _Request) -> _Reply:
        [instance_id] = request.params
        if self.store.terminate_instance(instance_id) is None:
            raise _not_found(f"instance {instance_id}")
        return _Reply(None, {"instance_id": instance_id}, {"opc-work-request-id": _work_request_id(instance_id)})

    # compute: images

    def list_images(self, request: _Request) -> _Reply:
        """Platform images (no compartment) are visible from every compartment one may read."""
        query = request.query
        compartment_id = _required(query, "compartmentId")
        self._visible_compartment(compartment_id)
        filters = {
            "operatingSystem": "operating_system",
            "operatingSystemVersion": "operating_system_version",
            "displayName": "display_name",
        }
        images = [
            image
            for image in self.store.snapshot()["images"]
            if image.get("compartment_id") in (None, compartment_id)
            and all(query[param] == image[name] for param, name in filters.items() if param in query)
            and ("shape" not in query or query["shape"] in image["compatible_shapes"])
            and query.get("lifecycleState", "AVAILABLE") == "AVAILABLE"
        ]
        by_name = query.get("sortBy") == "DISPLAYNAME"
        # OCI's defaults: newest first by time, A to Z by name.
        descending = query.get("sortOrder", "ASC" if by_name else "DESC") == "DESC"
        images.sort(key=lambda i: i["display_name"] if by_name else i["time_created"], reverse=descending)
        page, headers = _paged("ListImages", images, query)
        return _Reply([_image(i) for i in page], {"compartment_id": compartment_id, "count": len(page)}, headers)

    def _image_record(self, image_id: str) -> dict:
        image = next((i for i in self.store.snapshot()["images"] if i["id"] == image_id), None)
        if image is None:
            raise _not_found(f"image {image_id}")
        return image

    def get_image(self, request: _Request) -> _Reply:
        [image_id] = request.params
        return _Reply(_image(self._image_record(image_id)), {"image_id": image_id})

    def list_image_shape_compatibility_entries(self, request: _Request) -> _Reply:
        [image_id] = request.params
        shapes = self._image_record(image_id)["compatible_shapes"]
        page, headers = _paged("ListImageShapeCompatibilityEntries", shapes, request.query)
        return _Reply([_shape_entry(image_id, shape) for shape in page], {"image_id": image_id}, headers)

    # limits

    def _tenancy_scope(self, query: dict) -> str:
        # Limits live on the tenancy (the root compartment) only.
        compartment_id = _required(query, "compartmentId")
        if compartment_id != self.store.snapshot()["tenancy_id"]:
            raise _not_found(f"tenancy {compartment_id}")
        return compartment_id

    def list_limit_values(self, request: _Request) -> _Reply:
        query = request.query
        self._tenancy_scope(query)
        service = _required(query, "serviceName")
        usage = self.store.a1_usage() if service == COMPUTE_SERVICE else {}
        values = [
            {"name": name, "scopeType": "REGION", "availabilityDomain": None, "value": entry["limit"]}
            for name, entry in usage.items()
            if query.get("name", name) == name and query.get("scopeType", "REGION") == "REGION"
        ]
        page, headers = _paged("ListLimitValues", values, query)
        return _Reply(page, {"service_name": service, "name": query.get("name")}, headers)

    def get_resource_availability(self, request: _Request) -> _Reply:
        service, limit_name = request.params
        self._tenancy_scope(request.query)
        entry = (self.store.a1_usage() if service == COMPUTE_SERVICE else {}).get(limit_name)
        if entry is None:
            raise _not_found(f"limit {service}/{limit_name}")
        body = {"used": entry["used"], "available": max(entry["limit"] - entry["used"], 0), "effectiveQuotaValue": None}
        return _Reply(body, {"service_name": service, "limit_name": limit_name, "used": entry["used"]})

    # monitoring

    def summarize_metrics_data(self, request: _Request) -> _Reply:
        """The compute agent's CpuUtilization of each instance whose series is set (`simulate cpu`):
        the same value at every point, so every statistic of it is that value."""
        compartment_id = _required(request.query, "compartmentId")
        self._visible_compartment(compartment_id)
        namespace = _required(request.body, "namespace")
        query = _required(request.body, "query")
        metric, interval, filters, statistic = _mql(query)
        end = _parse_time(request.body.get("endTime"), datetime.now(UTC))
        start = _parse_time(request.body.get("startTime"), end - _DEFAULT_WINDOW)
        fields = {"namespace": namespace, "query": query}
        if namespace != COMPUTE_AGENT_NAMESPACE or metric != "CpuUtilization":
            return _Reply([], {**fields, "series": 0})
        series = {
            instance_id: percent
            for instance_id, percent in self.store.cpu_utilisation(compartment_id).items()
            if filters.get("resourceId", instance_id) == instance_id
        }
        timestamps = []
        moment = start
        while moment < end:
            timestamps.append(moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
            moment += interval
        resolution = request.body.get("resolution") or f"{int(interval.total_seconds() // 60)}m"
        body = [
            {
                "namespace": namespace,
                "resourceGroup": None,
                "compartmentId": compartment_id,
                "name": metric,
                "dimensions": {"resourceId": instance_id},
                "metadata": {"unit": "percent", "displayName": "CPU Utilization"},
                "resolution": resolution,
                "aggregatedDatapoints": [
                    {"timestamp": stamp, "value": _statistic(statistic, percent, interval)} for stamp in timestamps
                ],
            }
            for instance_id, percent in series.items()
        ]
        return _Reply(body, {**fields, "series": len(body)})


def _statistic(statistic: str, percent: float, interval: timedelta) -> float:
    """A statistic over one interval of a series that reports `percent` every minute."""
    samples = interval.total_seconds() / 60
    return {"sum": percent * samples, "count": samples, "rate": 0.0}.get(statistic, percent)


def _etag(instance: dict) -> str:
    return hashlib.sha256(json.dumps(instance, sort_keys=True).encode()).hexdigest()[:32]


def _work_request_id(instance_id: str) -> str:
    return "ocid1.coreservicesworkrequest.oc1.sim-region-1." + hashlib.sha256(instance_id.encode()).hexdigest()[:60]


class _Refused(ApiError):
    """A store operation's own refusal (capacity, limits...), with what the call log should say."""

    def __init__(self, error: ServiceError, log: dict):
        super().__init__(error.status, error.code, error.message)
        self.log = log


# (method, path after the host) -> operation name; groups are the path parameters.
_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern), op)
    for method, pattern, op in (
        ("GET", r"/20160918/availabilityDomains", "ListAvailabilityDomains"),
        ("GET", r"/20160918/compartments/([^/]+)", "GetCompartment"),
        ("GET", r"/20160918/subnets/([^/]+)", "GetSubnet"),
        ("GET", r"/20160918/vnicAttachments", "ListVnicAttachments"),
        ("GET", r"/20160918/vnics/([^/]+)", "GetVnic"),
        ("POST", r"/20160918/instances", "LaunchInstance"),
        ("GET", r"/20160918/instances", "ListInstances"),
        ("GET", r"/20160918/instances/([^/]+)", "GetInstance"),
        ("PUT", r"/20160918/instances/([^/]+)", "UpdateInstance"),
        ("POST", r"/20160918/instances/([^/]+)", "InstanceAction"),
        ("DELETE", r"/20160918/instances/([^/]+)", "TerminateInstance"),
        ("GET", r"/20160918/images", "ListImages"),
        ("GET", r"/20160918/images/([^/]+)", "GetImage"),
        ("GET", r"/20160918/images/([^/]+)/shapes", "ListImageShapeCompatibilityEntries"),
        ("GET", r"/20190729/limitValues", "ListLimitValues"),
        ("GET", r"/20190729/services/([^/]+)/limits/([^/]+)/resourceAvailability", "GetResourceAvailability"),
        ("POST", r"/20180401/metrics/actions/summarizeMetricsData", "SummarizeMetricsData"),
    )
)

# What the call log names a request no route serves.
UNROUTED = "Unrouted"


def _method_name(op: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", op).lower()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def __getattr__(self, name: str):
        # Every HTTP method reaches _handle: one no route serves gets OCI's JSON 405, not http.server's 501 page.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        body_bytes = self.rfile.read(int(self.headers.get("content-length") or 0))
        client_request_id = self.headers.get("opc-request-id")
        matches = [(method, op, match) for method, pattern, op in _ROUTES if (match := pattern.fullmatch(url.path))]
        route = next(((op, match) for method, op, match in matches if method == self.command), None)
        if route is None:
            allowed = sorted({method for method, _, _ in matches})
            status, code, message = (
                (405, "MethodNotAllowed", f"Method {self.command} is not allowed on {url.path}")
                if allowed
                else (404, "NotFound", f"Not found: {url.path}")
            )
            request_id = self.server.store.log_call(
                UNROUTED, method=self.command, path=url.path, status=status, client_request_id=client_request_id
            )
            self._send(
                status, {"code": code, "message": message}, request_id, {"allow": ", ".join(allowed)} if allowed else {}
            )
            return
        op, match = route
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        reply, status = None, 200
        try:
            self._authenticate(body_bytes)
            body = _json_body(body_bytes) if self.command in _BODY_METHODS else {}
            request = _Request(query, tuple(map(unquote, match.groups())), body, self.headers)
            reply = getattr(self.server.operations, _method_name(op))(request)
            status = 204 if reply.body is None else 200
            fields = reply.log
        except _Refused as error:
            body_out, fields, status = {"code": error.code, "message": error.message}, error.log, error.status
        except ApiError as error:
            body_out, fields, status = (
                {"code": error.code, "message": error.message},
                {"code": error.code},
                error.status,
            )
        request_id = self.server.store.log_call(op, status=status, **fields, client_request_id=client_request_id)
        if reply is None:
            self._send(status, body_out, request_id)
        elif reply.drop_connection:
            self.close_connection = True
        else:
            self._send(status, reply.body, request_id, reply.headers)

    def _authenticate(self, body: bytes) -> None:
        """OCI's request signing (draft-cavage HTTP signatures, as the SDKs make them)."""
        fields = dict(_SIGNATURE_FIELD.findall(self.headers.get("authorization", "")))
        signed_headers = fields.get("headers", "").split()
        required = _SIGNED_ALWAYS + (_SIGNED_WITH_BODY if self.command in _BODY_METHODS else ())
        date_header = "x-date" if "x-date" in signed_headers else "date"
        try:
            tenancy, user, fingerprint = fields["keyId"].split("/")
            if (tenancy, user, fingerprint) != self.server.key_id or not set(required) <= {
                *signed_headers,
                date_header,
            }:
                raise ValueError("the keyId or the signed headers are not OCI's")
            signing_string = "\n".join(
                f"(request-target): {self.command.lower()} {self.path}"
                if name == "(request-target)"
                else f"{name}: {self.headers[name]}"
                for name in signed_headers
            )
            self.server.api_public_key.verify(
                base64.b64decode(fields["signature"]), signing_string.encode(), padding.PKCS1v15(), hashes.SHA256()
            )
            if (
                self.command in _BODY_METHODS
                and self.headers["x-content-sha256"] != base64.b64encode(hashlib.sha256(body).digest()).decode()
            ):
                raise ValueError("the body is not the one signed")
            sent = parsedate_to_datetime(self.headers[date_header]).timestamp()
        except (KeyError, ValueError, TypeError, InvalidSignature, binascii.Error):
            raise ApiError(401, "NotAuthenticated", _NOT_AUTHENTICATED) from None
        if abs(time.time() - sent) > MAX_CLOCK_SKEW_SECONDS:
            raise ApiError(
                401,
                "NotAuthenticated",
                f"The {date_header} header is more than {MAX_CLOCK_SKEW_SECONDS // 60}"
                " minutes away from the server's clock.",
            )

    def _send(self, status: int, body: object, request_id: str, headers: dict[str, str] | None = None) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)  # adds the Date header
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("opc-request-id", request_id)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A request http.server cannot even parse: still OCI's JSON, logged, never an HTML page."""
        self.close_connection = True
        # http.server leaves an unparsed request at HTTP/0.9, which gets no headers at all.
        self.request_version = self.protocol_version
        request_id = self.server.store.log_call(UNROUTED, method=getattr(self, "command", None), status=code)
        self._send(
            code,
            {"code": "BadRequest" if code < 500 else "InternalError", "message": message or "Bad request"},
            request_id,
        )

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the store's call log is the record."""


def _json_body(raw: bytes) -> dict:
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "CannotParseRequest", "Could not parse the request body as JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "CannotParseRequest", "The request body must be a JSON object.")
    return body


def key_fingerprint(public_key: RSAPublicKey) -> str:
    """OCI's fingerprint of an API key: MD5 of the public key (DER), colon separated."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()  # OCI's fingerprint format, not a security use
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, store: CloudStore, api_public_key: RSAPublicKey, port: int):
        super().__init__(("127.0.0.1", port), _Handler)
        self.store = store
        self.operations = _Operations(store)
        self.api_public_key = api_public_key
        self.key_id = (store.snapshot()["tenancy_id"], PLACEHOLDERS["user_ocid"], key_fingerprint(api_public_key))


class RestEndpoint:
    """The simulated REST API of one cloud store, running while the `with` block lasts.

    The API key is uploaded for the simulated user (PLACEHOLDERS["user_ocid"]) of the store's tenancy.
    """

    def __init__(self, store: CloudStore, api_public_key: RSAPublicKey, port: int = 0):
        self._server = _Server(store, api_public_key, port)
        # A short poll keeps stop() quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="sim-oci-rest", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RestEndpoint:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """In the calling thread, until interrupted (simulate serve)."""
        try:
            self._server.serve_forever(0.05)
        finally:
            self._server.server_close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> RestEndpoint:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
