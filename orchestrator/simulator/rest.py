"""The simulated OCI REST API: the read calls the tool makes through the oci SDK.

A small HTTP server on 127.0.0.1 (ephemeral port) answers from the same cloud store the simulated
Terraform provider uses, in the API's wire format (camelCase JSON, OCI error bodies,
opc-request-id and Date headers). Like OCI it checks each request's signature against the API
key "uploaded" to it, and every call lands in the store's call log under its operation name.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from orchestrator.simulator.store import CloudStore

COMPUTE_SERVICE = "compute"
_SIGNATURE_FIELD = re.compile(r'(\w+)="([^"]*)"')
_A1_SHAPES = ("VM.Standard.A1.Flex", "BM.Standard.A1.160")


class ApiError(Exception):
    """An OCI error response: HTTP status, OCI error code, message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _not_found(what: str) -> ApiError:
    return ApiError(404, "NotAuthorizedOrNotFound", f"Authorization failed or requested resource not found: {what}.")


def _required(query: dict[str, str], name: str) -> str:
    if not query.get(name):
        raise ApiError(400, "MissingParameter", f"Missing required parameter '{name}'.")
    return query[name]


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
        "shapeConfig": {"ocpus": instance["shape_config"]["ocpus"], "memoryInGBs": instance["shape_config"]["memory_in_gbs"]},
        "sourceDetails": {
            "sourceType": source["source_type"],
            "imageId": source["source_id"],
            "bootVolumeSizeInGBs": source["boot_volume_size_in_gbs"],
        },
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


def _shape_entry(image_id: str, shape: str) -> dict:
    entry: dict = {"imageId": image_id, "shape": shape}
    if shape in _A1_SHAPES:
        entry["ocpuConstraints"] = {"min": 1, "max": 80}
        entry["memoryConstraints"] = {"minInGBs": 1, "maxInGBs": 512}
    return entry


# ----- operations: (query, path parameters) -> (response body, fields for the call log) -----


class _Operations:
    def __init__(self, store: CloudStore):
        self.store = store

    def _visible_compartment(self, cloud: dict, compartment_id: str) -> None:
        if compartment_id != cloud["tenancy_id"] and compartment_id not in cloud["compartments"]:
            raise _not_found(f"compartment {compartment_id}")

    def list_availability_domains(self, query: dict) -> tuple[object, dict]:
        cloud = self.store.snapshot()
        compartment_id = _required(query, "compartmentId")
        self._visible_compartment(cloud, compartment_id)
        domains = [{"name": name, "id": f"ocid1.availabilitydomain.oc1..{name[-4:].lower()}", "compartmentId": cloud["tenancy_id"]}
                   for name in cloud["availability_domains"]]
        return domains, {"compartment_id": compartment_id}

    def get_compartment(self, query: dict, compartment_id: str) -> tuple[object, dict]:
        cloud = self.store.snapshot()
        self._visible_compartment(cloud, compartment_id)
        is_tenancy = compartment_id == cloud["tenancy_id"]
        body = {
            "id": compartment_id,
            "compartmentId": None if is_tenancy else cloud["tenancy_id"],
            "name": "sim-tenancy" if is_tenancy else f"sim-compartment-{cloud['compartments'].index(compartment_id) + 1}",
            "description": "simulated",
            "lifecycleState": "ACTIVE",
            "timeCreated": "2026-06-01T09:00:00.000Z",
        }
        return body, {"compartment_id": compartment_id}

    def get_subnet(self, query: dict, subnet_id: str) -> tuple[object, dict]:
        subnet = self.store.get_subnet(subnet_id)
        if subnet is None:
            raise _not_found(f"subnet {subnet_id}")
        return _subnet(subnet), {"subnet_id": subnet_id}

    def list_instances(self, query: dict) -> tuple[object, dict]:
        compartment_id = _required(query, "compartmentId")
        self._visible_compartment(self.store.snapshot(), compartment_id)
        instances = [
            i for i in self.store.list_instances(compartment_id)
            if query.get("displayName", i["display_name"]) == i["display_name"]
            and query.get("lifecycleState", i["lifecycle_state"]) == i["lifecycle_state"]
        ]
        instances.sort(key=lambda i: i["time_created"], reverse=True)
        return [_instance(i) for i in instances], {"compartment_id": compartment_id, "count": len(instances)}

    def get_instance(self, query: dict, instance_id: str) -> tuple[object, dict]:
        instance = self.store.get_instance(instance_id)
        if instance is None:
            raise _not_found(f"instance {instance_id}")
        return _instance(instance), {"instance_id": instance_id, "lifecycle_state": instance["lifecycle_state"]}

    def list_images(self, query: dict) -> tuple[object, dict]:
        """Platform images (no compartment) are visible from every compartment one may read."""
        cloud = self.store.snapshot()
        compartment_id = _required(query, "compartmentId")
        self._visible_compartment(cloud, compartment_id)
        filters = {"operatingSystem": "operating_system", "operatingSystemVersion": "operating_system_version", "displayName": "display_name"}
        images = [
            image for image in cloud["images"]
            if image.get("compartment_id") in (None, compartment_id)
            and all(query[param] == image[field] for param, field in filters.items() if param in query)
            and ("shape" not in query or query["shape"] in image["compatible_shapes"])
            and query.get("lifecycleState", "AVAILABLE") == "AVAILABLE"
        ]
        by_name = query.get("sortBy") == "DISPLAYNAME"
        # OCI's defaults: newest first by time, A to Z by name.
        descending = query.get("sortOrder", "ASC" if by_name else "DESC") == "DESC"
        images.sort(key=lambda i: i["display_name"] if by_name else i["time_created"], reverse=descending)
        return [_image(i) for i in images], {"compartment_id": compartment_id, "count": len(images)}

    def _image_record(self, image_id: str) -> dict:
        image = next((i for i in self.store.snapshot()["images"] if i["id"] == image_id), None)
        if image is None:
            raise _not_found(f"image {image_id}")
        return image

    def get_image(self, query: dict, image_id: str) -> tuple[object, dict]:
        return _image(self._image_record(image_id)), {"image_id": image_id}

    def list_image_shape_compatibility_entries(self, query: dict, image_id: str) -> tuple[object, dict]:
        shapes = self._image_record(image_id)["compatible_shapes"]
        return [_shape_entry(image_id, shape) for shape in shapes], {"image_id": image_id}

    def _tenancy_scope(self, query: dict) -> str:
        # Limits live on the tenancy (the root compartment) only.
        compartment_id = _required(query, "compartmentId")
        if compartment_id != self.store.snapshot()["tenancy_id"]:
            raise _not_found(f"tenancy {compartment_id}")
        return compartment_id

    def list_limit_values(self, query: dict) -> tuple[object, dict]:
        self._tenancy_scope(query)
        service = _required(query, "serviceName")
        usage = self.store.a1_usage() if service == COMPUTE_SERVICE else {}
        values = [
            {"name": name, "scopeType": "REGION", "availabilityDomain": None, "value": entry["limit"]}
            for name, entry in usage.items()
            if query.get("name", name) == name and query.get("scopeType", "REGION") == "REGION"
        ]
        return values, {"service_name": service, "name": query.get("name")}

    def get_resource_availability(self, query: dict, service: str, limit_name: str) -> tuple[object, dict]:
        self._tenancy_scope(query)
        entry = (self.store.a1_usage() if service == COMPUTE_SERVICE else {}).get(limit_name)
        if entry is None:
            raise _not_found(f"limit {service}/{limit_name}")
        body = {"used": entry["used"], "available": max(entry["limit"] - entry["used"], 0), "effectiveQuotaValue": None}
        return body, {"service_name": service, "limit_name": limit_name, "used": entry["used"]}


# Path (after the API version) -> operation name; groups are the path parameters.
_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern + "$"), op)
    for pattern, op in (
        (r"/20160918/availabilityDomains", "ListAvailabilityDomains"),
        (r"/20160918/compartments/([^/]+)", "GetCompartment"),
        (r"/20160918/subnets/([^/]+)", "GetSubnet"),
        (r"/20160918/instances", "ListInstances"),
        (r"/20160918/instances/([^/]+)", "GetInstance"),
        (r"/20160918/images", "ListImages"),
        (r"/20160918/images/([^/]+)", "GetImage"),
        (r"/20160918/images/([^/]+)/shapes", "ListImageShapeCompatibilityEntries"),
        (r"/20190729/limitValues", "ListLimitValues"),
        (r"/20190729/services/([^/]+)/limits/([^/]+)/resourceAvailability", "GetResourceAvailability"),
    )
)


def _method_name(op: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", op).lower()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        route = next(((op, match) for pattern, op in _ROUTES if (match := pattern.match(url.path))), None)
        if route is None:
            self._send(404, {"code": "NotFound", "message": f"Unknown resource {url.path}"}, None)
            return
        op, match = route
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        try:
            self._authenticate()
            body, fields = getattr(self.server.operations, _method_name(op))(query, *map(unquote, match.groups()))
            status = 200
        except ApiError as error:
            body, fields, status = {"code": error.code, "message": error.message}, {"code": error.code}, error.status
        request_id = self.server.operations.store.log_call(op, status=status, **fields)
        self._send(status, body, request_id)

    def _authenticate(self) -> None:
        """Verify the request's HTTP signature (draft-cavage, as the SDK's signer makes it)."""
        fields = dict(_SIGNATURE_FIELD.findall(self.headers.get("authorization", "")))
        try:
            signed = "\n".join(
                f"(request-target): {self.command.lower()} {self.path}" if name == "(request-target)"
                else f"{name}: {self.headers[name]}"
                for name in fields["headers"].split()
            )
            self.server.api_public_key.verify(
                base64.b64decode(fields["signature"]), signed.encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (KeyError, ValueError, TypeError, InvalidSignature):
            raise ApiError(401, "NotAuthenticated", "The required information to complete authentication was not provided or was incorrect.") from None

    def _send(self, status: int, body: object, request_id: str | None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)  # adds the Date header
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if request_id:
            self.send_header("opc-request-id", request_id)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the store's call log is the record."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, operations: _Operations, api_public_key: RSAPublicKey):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.operations = operations
        self.api_public_key = api_public_key


class RestEndpoint:
    """The simulated REST API of one cloud store, running while the `with` block lasts."""

    def __init__(self, store: CloudStore, api_public_key: RSAPublicKey):
        self._server = _Server(_Operations(store), api_public_key)
        # A short poll keeps stop() quick.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="sim-oci-rest", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RestEndpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> RestEndpoint:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

