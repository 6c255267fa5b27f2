"""The oci SDK, for what Terraform cannot answer cheaply: ADs, images, limits, instances, clock.

The clients are built from an OCI config profile; the cloud (cloud.py) says which config, and may
point the clients at another endpoint through the SDK's `service_endpoint` override, so the same
code, signing included, runs against any of them. `oci` is slow to import: it is imported inside
the functions that need it.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from .errors import ToolError, UsageError
from .instance import Instance

COMPUTE_SERVICE = "compute"
# NETWORK=create needs one VCN of the region's limit.
VCN_SERVICE, VCN_LIMIT = "vcn", "vcn-count"
# Where the compute agent (Oracle Cloud Agent) publishes an instance's CpuUtilization.
CPU_METRIC_NAMESPACE = "oci_computeagent"
# The A1 allowance, as regional or per-AD limits depending on the tenancy.
A1_LIMIT_NAME = re.compile(r"^standard-a1-(core|memory)(-regional)?-count$")
# Connect and read timeouts (seconds) for every call.
TIMEOUT = (10, 60)


class ApiError(ToolError):
    """An OCI API call failed: HTTP status (None for a network error), OCI code, message."""

    def __init__(self, operation: str, status: int | None, code: str, message: str, request_id: str | None = None):
        where = f" (opc-request-id {request_id})" if request_id else ""
        super().__init__(f"{operation}: {status or 'no response'} {code}: {message}{where}")
        self.operation, self.status, self.code, self.message, self.request_id = (
            operation,
            status,
            code,
            message,
            request_id,
        )

    def __reduce__(self):  # raised in a child process (in_child.py), raised again here
        return type(self), (self.operation, self.status, self.code, self.message, self.request_id)


@dataclass(frozen=True)
class Image:
    id: str
    display_name: str
    operating_system: str
    operating_system_version: str
    time_created: datetime | None
    compartment_id: str | None  # None for Oracle's platform images


@dataclass(frozen=True)
class Subnet:
    id: str
    display_name: str
    lifecycle_state: str
    availability_domain: str | None  # None for a regional subnet
    prohibit_public_ip_on_vnic: bool
    compartment_id: str
    vcn_id: str


@dataclass(frozen=True)
class Compartment:
    id: str
    name: str
    lifecycle_state: str


@dataclass(frozen=True)
class LimitUsage:
    """One A1 service limit: its value, what is used, what is left (after quotas)."""

    name: str
    availability_domain: str | None  # None for a regional limit
    value: float
    used: float
    available: float

    @property
    def resource(self) -> str:
        """'core' or 'memory'."""
        return A1_LIMIT_NAME.match(self.name).group(1)


class Availability(StrEnum):
    """A capacity report's availabilityStatus values (CapacityReportShapeAvailability)."""

    AVAILABLE = "AVAILABLE"
    OUT_OF_HOST_CAPACITY = "OUT_OF_HOST_CAPACITY"
    HARDWARE_NOT_SUPPORTED = "HARDWARE_NOT_SUPPORTED"


@dataclass(frozen=True)
class ShapeAvailability:
    """One line of a compute capacity report: a size of the shape in an AD (or one of its fault
    domains), and OCI's availabilityStatus for it (AVAILABLE, OUT_OF_HOST_CAPACITY, HARDWARE_NOT_SUPPORTED)."""

    availability_domain: str
    fault_domain: str | None
    ocpus: float
    memory_gbs: float
    status: str  # an Availability value


# ----- credentials -----


def api_key_fingerprint(key_path: Path, pass_phrase: str | None = None) -> str:
    """What OCI calls the key's fingerprint: MD5 of the public key (DER), colon separated."""
    from cryptography.hazmat.primitives import serialization

    # Only the public half is used: skipping the RSA consistency check (~35 ms a load) changes nothing here.
    key = serialization.load_pem_private_key(
        Path(key_path).read_bytes(), pass_phrase.encode() if pass_phrase else None, unsafe_skip_rsa_key_validation=True
    )
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def load_config(path: Path, profile: str) -> dict[str, Any]:
    """The SDK config dict for `profile` in the OCI config at `path`; UsageError (naming the file)
    if it is missing or broken."""
    import oci

    from .oci_config import read_config

    if not path.exists():
        raise UsageError(
            "OCI_PROFILE",
            f"{path} does not exist; create it with `oci setup config` or in the Console (My profile > API keys > Add API key)",
        )
    read_config(path)  # a malformed file: its line, before the SDK's traceback
    try:
        config = oci.config.from_file(str(path), profile)
        oci.config.validate_config(config)
    except oci.exceptions.ProfileNotFound:
        raise UsageError(
            "OCI_PROFILE", f"no profile [{profile}] in {path}; set OCI_PROFILE to one of its profiles"
        ) from None
    except (oci.exceptions.InvalidConfig, oci.exceptions.InvalidKeyFilePath, ValueError) as error:
        raise UsageError("OCI_PROFILE", f"profile [{profile}] in {path} is incomplete or malformed: {error}") from None
    return config


# ----- the API -----


class OciApi:
    """The read calls the tool makes. A 404 on a get_* returns None; other failures raise ApiError."""

    def __init__(self, config: dict[str, Any], endpoint: str | None = None):
        self.config = config
        self.endpoint = endpoint
        self._clients: dict[type, Any] = {}

    @property
    def tenancy(self) -> str:
        return self.config["tenancy"]

    @property
    def region(self) -> str:
        return self.config["region"]

    def _client(self, client_class: type) -> Any:
        if client_class not in self._clients:
            import oci

            # One retry layer: the tool's. No SDK retries, no circuit breaker.
            options: dict[str, Any] = {
                "retry_strategy": oci.retry.NoneRetryStrategy(),
                "circuit_breaker_strategy": oci.circuit_breaker.NoCircuitBreakerStrategy(),
                "timeout": TIMEOUT,
            }
            if self.endpoint:
                options["service_endpoint"] = self.endpoint
            self._clients[client_class] = client_class(self.config, **options)
        return self._clients[client_class]

    def _compute(self) -> Any:
        import oci.core

        return self._client(oci.core.ComputeClient)

    def _identity(self) -> Any:
        import oci.identity

        return self._client(oci.identity.IdentityClient)

    def _limits(self) -> Any:
        import oci.limits

        return self._client(oci.limits.LimitsClient)

    @contextlib.contextmanager
    def _translated(self, operation: str) -> Iterator[None]:
        """The SDK's failures as ApiError."""
        import oci
        import requests

        try:
            yield
        except oci.exceptions.ServiceError as error:
            raise ApiError(operation, error.status, error.code, error.message, error.request_id) from None
        except (oci.exceptions.RequestException, requests.exceptions.RequestException) as error:
            raise ApiError(operation, None, "NetworkError", f"{error.__class__.__name__}: {error}") from None

    def _call(self, operation: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """One SDK call; its response."""
        with self._translated(operation):
            return function(*args, **kwargs)

    def _list(self, operation: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> list[Any]:
        """Every page of a list call. (oci.pagination would add its own retries.)"""
        items: list[Any] = []
        page = None
        while True:
            with self._translated(operation):
                response = function(*args, **kwargs, **({"page": page} if page else {}))
            items.extend(response.data)
            page = response.next_page
            if not page:
                return items

    def _get(self, operation: str, function: Callable[..., Any], *args: Any) -> Any:
        try:
            return self._call(operation, function, *args).data
        except ApiError as error:
            if error.status == 404:
                return None
            raise

    # ----- identity -----

    def availability_domains(self) -> list[str]:
        """The region's AD names, in order."""
        identity = self._identity()
        return [
            ad.name for ad in self._list("ListAvailabilityDomains", identity.list_availability_domains, self.tenancy)
        ]

    def get_compartment(self, compartment_id: str) -> Compartment | None:
        """A compartment, or the tenancy (its root compartment)."""
        found = self._get("GetCompartment", self._identity().get_compartment, compartment_id)
        return found and Compartment(found.id, found.name, found.lifecycle_state)

    def tenancy_compartments(self) -> list[Compartment]:
        """The tenancy (its root compartment) and every active compartment under it, at any depth."""
        root = self.get_compartment(self.tenancy) or Compartment(self.tenancy, "root compartment", "ACTIVE")
        found = self._list(
            "ListCompartments",
            self._identity().list_compartments,
            self.tenancy,
            compartment_id_in_subtree=True,
            access_level="ACCESSIBLE",
            lifecycle_state="ACTIVE",
        )
        return [root, *(Compartment(c.id, c.name, c.lifecycle_state) for c in found)]

    # ----- network -----

    def get_subnet(self, subnet_id: str) -> Subnet | None:
        import oci.core

        found = self._get("GetSubnet", self._client(oci.core.VirtualNetworkClient).get_subnet, subnet_id)
        return found and Subnet(
            found.id,
            found.display_name,
            found.lifecycle_state,
            found.availability_domain,
            bool(found.prohibit_public_ip_on_vnic),
            found.compartment_id,
            found.vcn_id,
        )

    # ----- instances -----

    def list_instances(self, compartment_id: str) -> list[Instance]:
        """Every instance in the compartment, terminated ones included (OCI lists them for a while)."""
        compute = self._compute()
        return [_instance(i) for i in self._list("ListInstances", compute.list_instances, compartment_id)]

    # ----- images -----

    def list_images(self, compartment_id: str, operating_system: str, shape: str) -> list[Image]:
        """Available images of that OS that OCI says fit the shape, newest first."""
        compute = self._compute()
        found = self._list(
            "ListImages",
            compute.list_images,
            compartment_id,
            operating_system=operating_system,
            shape=shape,
            lifecycle_state="AVAILABLE",
            sort_by="TIMECREATED",
            sort_order="DESC",
        )
        return [_image(i) for i in found]

    def get_image(self, image_id: str) -> Image | None:
        found = self._get("GetImage", self._compute().get_image, image_id)
        return found and _image(found)

    def image_shapes(self, image_id: str) -> list[str]:
        """The shapes the image is compatible with (ListImageShapeCompatibilityEntries)."""
        compute = self._compute()
        entries = self._list(
            "ListImageShapeCompatibilityEntries", compute.list_image_shape_compatibility_entries, image_id
        )
        return [entry.shape for entry in entries]

    # ----- limits -----

    def a1_limits(self, availability_domains: list[str] | tuple[str, ...]) -> list[LimitUsage]:
        """The tenancy's A1 core and memory limits with their usage: regional ones, and per-AD
        ones for the given ADs."""
        limits = self._limits()
        values = self._list("ListLimitValues", limits.list_limit_values, self.tenancy, COMPUTE_SERVICE)
        usages = []
        for value in values:
            if not A1_LIMIT_NAME.match(value.name):
                continue
            ad = value.availability_domain if value.scope_type == "AD" else None
            if value.scope_type == "AD" and ad not in availability_domains:
                continue
            options = {"availability_domain": ad} if ad else {}
            availability = self._call(
                "GetResourceAvailability",
                limits.get_resource_availability,
                COMPUTE_SERVICE,
                value.name,
                self.tenancy,
                **options,
            ).data
            used = availability.used or 0
            available = availability.available if availability.available is not None else max(value.value - used, 0)
            usages.append(LimitUsage(value.name, ad, value.value, used, available))
        return usages

    # ----- capacity -----

    def capacity_report(
        self, availability_domain: str, shape: str, asked: list[tuple[float, float, str | None]]
    ) -> list[ShapeAvailability]:
        """CreateComputeCapacityReport (in the root compartment, as OCI requires) for each
        (OCPUs, GB, fault domain or None) of the shape in one AD."""
        details = _capacity_report_details(self.tenancy, availability_domain, shape, asked)
        report = self._call("CreateComputeCapacityReport", self._compute().create_compute_capacity_report, details)
        return [_shape_availability(availability_domain, found) for found in report.data.shape_availabilities]

    def vcn_quota(self) -> tuple[int, int] | None:
        """(VCNs used, the region's vcn-count limit) for NETWORK=create; None if the tenancy shows none."""
        limits = self._limits()
        values = self._list("ListLimitValues", limits.list_limit_values, self.tenancy, VCN_SERVICE, name=VCN_LIMIT)
        regional = next((value for value in values if value.scope_type == "REGION"), None)
        if regional is None:
            return None
        availability = self._call(
            "GetResourceAvailability", limits.get_resource_availability, VCN_SERVICE, VCN_LIMIT, self.tenancy
        ).data
        return availability.used or 0, regional.value

    # ----- monitoring -----

    def cpu_utilization(self, instance_id: str, compartment_id: str, days: int = 7) -> list[float]:
        """The instance's CpuUtilization (%, as the compute agent reports it) over the last `days`,
        one mean per 5 minutes, oldest first; empty when the agent has reported nothing."""
        from datetime import UTC, timedelta

        import oci.monitoring

        monitoring = self._client(oci.monitoring.MonitoringClient)
        end = datetime.now(UTC).replace(microsecond=0)
        details = oci.monitoring.models.SummarizeMetricsDataDetails(
            namespace=CPU_METRIC_NAMESPACE,
            query=f'CpuUtilization[5m]{{resourceId = "{instance_id}"}}.mean()',
            start_time=end - timedelta(days=days),
            end_time=end,
            resolution="5m",
        )
        response = self._call("SummarizeMetricsData", monitoring.summarize_metrics_data, compartment_id, details)
        points = [point for series in response.data for point in series.aggregated_datapoints or ()]
        return [point.value for point in sorted(points, key=lambda point: point.timestamp) if point.value is not None]

    # ----- clock -----

    def clock_skew_seconds(self, now: Callable[[], float] = time.time) -> float:
        """How far the API's clock (its Date header) is ahead of ours, in seconds (1 s resolution)."""
        identity = self._identity()
        before = now()
        response = self._call("ListAvailabilityDomains", identity.list_availability_domains, self.tenancy)
        after = now()
        return parsedate_to_datetime(response.headers["date"]).timestamp() - (before + after) / 2


def _instance(found: Any) -> Instance:
    config = found.shape_config
    return Instance(
        id=found.id,
        display_name=found.display_name,
        lifecycle_state=found.lifecycle_state,
        availability_domain=found.availability_domain,
        compartment_id=found.compartment_id,
        shape=found.shape,
        ocpus=config.ocpus if config else None,
        memory_gbs=config.memory_in_gbs if config else None,
        freeform_tags=dict(found.freeform_tags or {}),
        time_created=found.time_created,
    )


def _capacity_report_details(
    tenancy: str, availability_domain: str, shape: str, asked: list[tuple[float, float, str | None]]
) -> Any:
    from oci.core import models

    size = models.CapacityReportInstanceShapeConfig
    return models.CreateComputeCapacityReportDetails(
        compartment_id=tenancy,
        availability_domain=availability_domain,
        shape_availabilities=[
            models.CreateCapacityReportShapeAvailabilityDetails(
                instance_shape=shape, fault_domain=where, instance_shape_config=size(ocpus=ocpus, memory_in_gbs=gbs)
            )
            for ocpus, gbs, where in asked
        ],
    )


def _shape_availability(availability_domain: str, found: Any) -> ShapeAvailability:
    config = found.instance_shape_config
    return ShapeAvailability(
        availability_domain, found.fault_domain, config.ocpus, config.memory_in_gbs, found.availability_status
    )


def _image(found: Any) -> Image:
    return Image(
        id=found.id,
        display_name=found.display_name,
        operating_system=found.operating_system,
        operating_system_version=found.operating_system_version,
        time_created=found.time_created,
        compartment_id=found.compartment_id,
    )
