"""Error texts exactly as the real OCI provider (v4.71 and later) prints them.

Formats follow internal/tfresource/errors.go and error_suggestions.go of
oracle/terraform-provider-oci: a service error is `<status>-<Code>, <message>` followed by
Suggestion / Documentation / API Reference / Request Target / Provider version / Service /
Operation Name / OPC request ID lines (most with a trailing space); errors that are not
service errors (network) pass through as the Go SDK wrote them.
"""

from dataclasses import dataclass
from datetime import date

# The simulator stands in for the provider version the schema was taken from. The release date
# is the simulator's own choice; the real provider derives "N Update(s) behind" from its date.
PROVIDER_VERSION = "8.28.0"
PROVIDER_RELEASE_DATE = date(2026, 10, 21)

_DOCS = "https://registry.terraform.io/providers/oracle/oci/latest/docs/"
_API_DOCS = "https://docs.oracle.com/iaas/api/#/en/iaas/20160918/"
_TROUBLESHOOTING = _DOCS + "guides/terraform_troubleshooting"


@dataclass(frozen=True)
class ServiceError:
    """What the OCI API answered: HTTP status, error code, message."""

    status: int
    code: str
    message: str


@dataclass(frozen=True)
class Operation:
    """The API call and the Terraform object it was made for, as the provider names them."""

    name: str
    service: str
    docs_path: str
    api_reference: str
    method: str
    path: str


def launch_instance() -> Operation:
    return Operation(
        "LaunchInstance",
        "Core Instance",
        "resources/core_instance",
        "Instance/LaunchInstance",
        "POST",
        "/20160918/instances",
    )


def update_instance(instance_id: str) -> Operation:
    return Operation(
        "UpdateInstance",
        "Core Instance",
        "resources/core_instance",
        "Instance/UpdateInstance",
        "PUT",
        f"/20160918/instances/{instance_id}",
    )


def instance_action(instance_id: str, action: str) -> Operation:
    # The Go SDK's request target is the whole URL, query included.
    return Operation(
        "InstanceAction",
        "Core Instance",
        "resources/core_instance",
        "Instance/InstanceAction",
        "POST",
        f"/20160918/instances/{instance_id}?action={action}",
    )


def get_subnet(subnet_id: str) -> Operation:
    return Operation(
        "GetSubnet",
        "Core Subnet",
        "data-sources/core_subnet",
        "Subnet/GetSubnet",
        "GET",
        f"/20160918/subnets/{subnet_id}",
    )


def endpoint(region: str) -> str:
    return f"https://iaas.{region}.oraclecloud.com"


def rejection(outcome: str, *, shape: str | None, image_id: str | None) -> ServiceError:
    """The API's answer to an operation (launch, resize, start) the scenario makes fail."""
    rejections = {
        "capacity": ServiceError(500, "InternalError", "Out of host capacity."),
        "throttle": ServiceError(429, "TooManyRequests", "Too many requests for the tenant"),
        "transient": ServiceError(500, "InternalError", "An internal error occurred."),
        "limit": ServiceError(
            400,
            "LimitExceeded",
            "The following service limits were exceeded: standard-a1-memory-count, standard-a1-memory-regional-count,"
            " standard-a1-core-count, standard-a1-core-regional-count. Request a service limit increase from the"
            " service limits page in the console. ",
        ),
        "auth": ServiceError(
            401,
            "NotAuthenticated",
            "The required information to complete authentication was not provided or was incorrect.",
        ),
        "invalid": ServiceError(400, "InvalidParameter", f"Shape {shape} is not valid for image {image_id}."),
        "unavailable": ServiceError(404, "NotAuthorizedOrNotFound", f"shape {shape} not found"),
    }
    return rejections[outcome]


NOT_FOUND = ServiceError(404, "NotAuthorizedOrNotFound", "Authorization failed or requested resource not found.")


def service_error_text(error: ServiceError, operation: Operation, *, region: str, opc_request_id: str) -> str:
    return (
        f"{error.status}-{error.code}, {error.message}\n"
        f"Suggestion: {_suggestion(error, operation.service)}\n"
        f"Documentation: {_DOCS}{operation.docs_path} \n"
        f"API Reference: {_API_DOCS}{operation.api_reference} \n"
        f"Request Target: {operation.method} {endpoint(region)}{operation.path} \n"
        f"{_version_error()} \n"
        f"Service: {operation.service} \n"
        f"Operation Name: {operation.name} \n"
        f"OPC request ID: {opc_request_id} \n"
    )


def launch_timeout_text(last_state: str = "PROVISIONING", timeout: str = "45m0s", target: str = "RUNNING") -> str:
    """A wait for a state gave up (create, update); SDKv2's TimeoutError wrapped by the provider's crud helper."""
    message = (
        f"timeout while waiting for state to become '{target}' (last state: '{last_state}', timeout: {timeout}),"
        " you may need to increase the Terraform Operation timeouts for your resource to continue polling for longer"
    )
    return (
        "Operation Timeout \n"
        f"{_version_error()} \n"
        "Service: Core Instance \n"
        f"Error Message: {message} \n"
        f"Suggestion: Try increasing the timeout by referring to this document: {_TROUBLESHOOTING}"
        "#common_issues__timeoutwhilewaiting\n"
    )


def launch_network_text(region: str) -> str:
    """No answer to the POST: the Go HTTP client's error, passed through unformatted."""
    return f'Post "{endpoint(region)}/20160918/instances": net/http: timeout awaiting response headers'


def _version_error() -> str:
    text = f"Provider version: {PROVIDER_VERSION}, released on {PROVIDER_RELEASE_DATE.isoformat()}. "
    days = (date.today() - PROVIDER_RELEASE_DATE).days
    if days > 8:
        text += f"This provider is {days // 7} Update(s) behind to current."
    return text


def _suggestion(error: ServiceError, service: str) -> str:
    if error.status == 400 and error.code == "InvalidParameter":
        return f"Please update the parameter(s) in the Terraform config as per error message {error.message}"
    if error.status == 400 and error.code == "LimitExceeded":
        return f"Request a service limit increase for this resource {service}"
    if error.status == 404:
        return (
            f"Either the resource has been deleted or service {service} need policy to access this resource."
            " Policy reference: https://docs.oracle.com/en-us/iaas/Content/Identity/Reference/policyreference.htm"
        )
    if error.status == 429:
        return (
            "Please re-apply your Terraform config and/or increase the retry timeout using this document: "
            f"{_TROUBLESHOOTING}#common_issues__automaticretries"
        )
    if error.status == 500:
        return f"The service for this resource encountered an error. Please contact support for help with service: {service}"
    return f"Please retry or contact support for help with service: {service}"
