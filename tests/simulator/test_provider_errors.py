"""The simulator's error texts against real provider output (samples from the shared OCI error corpus)."""

import re
from datetime import date

import pytest

from orchestrator.simulator import provider_errors
from orchestrator.simulator.provider_errors import ServiceError

# corpus `capacity-json`: diagnostic.summary of `terraform apply -json` with provider 7.7.0.
CAPACITY_JSON_SUMMARY = (
    "500-InternalError, Out of host capacity.\n"
    "Suggestion: The service for this resource encountered an error. Please contact support for help with service: Core Instance\n"
    "Documentation: https://registry.terraform.io/providers/oracle/oci/latest/docs/resources/core_instance \n"
    "API Reference: https://docs.oracle.com/iaas/api/#/en/iaas/20160918/Instance/LaunchInstance \n"
    "Request Target: POST https://iaas.ap-chuncheon-1.oraclecloud.com/20160918/instances \n"
    "Provider version: 7.7.0, released on 2025-06-24. \n"
    "Service: Core Instance \n"
    "Operation Name: LaunchInstance \n"
    "OPC request ID: 0F3B1C2D3E4F/228F9A8B7C6D/11AA22BB33CC \n"
)

# Suggestion lines of corpus samples `throttle-tenant` (6.34.0), `limit-v5`, `invalid-shapeconfig`,
# `auth-401` and `auth-404-midformat`, keyed by what the API answered and the service named.
CORPUS_SUGGESTIONS = [
    (
        ServiceError(429, "TooManyRequests", "Too many requests for the tenant"),
        "Core Instance",
        "Please re-apply your Terraform config and/or increase the retry timeout using this document: "
        "https://registry.terraform.io/providers/oracle/oci/latest/docs/guides/terraform_troubleshooting"
        "#common_issues__automaticretries",
    ),
    (
        ServiceError(400, "LimitExceeded", "The following service limits were exceeded: compartment-count."),
        "Identity Compartment",
        "Request a service limit increase for this resource Identity Compartment",
    ),
    (
        ServiceError(
            400,
            "InvalidParameter",
            "Invalid ShapeConfig: null (Cannot launch flexible instance without ShapeConfig)",
        ),
        "Core Instance",
        "Please update the parameter(s) in the Terraform config as per error message"
        " Invalid ShapeConfig: null (Cannot launch flexible instance without ShapeConfig)",
    ),
    (
        ServiceError(401, "NotAuthenticated", "The required information..."),
        "Core Instance",
        "Please retry or contact support for help with service: Core Instance",
    ),
    (
        provider_errors.NOT_FOUND,
        "Core Instance",
        "Either the resource has been deleted or service Core Instance need policy to access this resource."
        " Policy reference: https://docs.oracle.com/en-us/iaas/Content/Identity/Reference/policyreference.htm",
    ),
]


def _normalised(text: str) -> str:
    """Blank out what differs between two real errors of the same kind."""
    text = re.sub(r"(OPC request ID: )\S+", r"\1<id>", text)
    text = re.sub(r"https://iaas\.[a-z0-9-]+\.", "https://iaas.<region>.", text)
    return re.sub(r"Provider version: .*? \n", "Provider version: <version> \n", text)


def test_service_error_has_the_current_provider_format():
    text = provider_errors.service_error_text(
        provider_errors.rejection("capacity", shape="VM.Standard.A1.Flex", image_id="ocid1.image.x"),
        provider_errors.launch_instance(),
        region="sim-region-1",
        opc_request_id="abc/DEF/123",
    )
    assert _normalised(text) == _normalised(CAPACITY_JSON_SUMMARY)
    assert text.endswith("OPC request ID: abc/DEF/123 \n")


def test_provider_version_line_says_how_far_behind_it_is():
    text = provider_errors.launch_timeout_text()
    days = (date.today() - provider_errors.PROVIDER_RELEASE_DATE).days
    assert f"Provider version: 8.28.0, released on {provider_errors.PROVIDER_RELEASE_DATE}. " in text
    assert (f"This provider is {days // 7} Update(s) behind to current. \n" in text) == (days > 8)


@pytest.mark.parametrize("error, service, suggestion", CORPUS_SUGGESTIONS)
def test_suggestions_match_the_real_provider(error, service, suggestion):
    operation = provider_errors.Operation("Op", service, "resources/x", "X/Op", "GET", "/x")
    text = provider_errors.service_error_text(error, operation, region="sim-region-1", opc_request_id="id")
    assert text.splitlines()[1] == f"Suggestion: {suggestion}"


def test_launch_timeout_text():
    lines = provider_errors.launch_timeout_text().split("\n")
    assert lines[0] == "Operation Timeout "
    assert lines[1].startswith("Provider version: 8.28.0, released on ")
    assert lines[2] == "Service: Core Instance "
    assert lines[3] == (
        "Error Message: timeout while waiting for state to become 'RUNNING' (last state: 'PROVISIONING',"
        " timeout: 45m0s), you may need to increase the Terraform Operation timeouts for your resource to"
        " continue polling for longer "
    )
    assert lines[4] == (
        "Suggestion: Try increasing the timeout by referring to this document:"
        " https://registry.terraform.io/providers/oracle/oci/latest/docs/guides/terraform_troubleshooting"
        "#common_issues__timeoutwhilewaiting"
    )
    assert lines[5:] == [""]


def test_network_error_is_the_raw_go_error():
    assert provider_errors.launch_network_text("sim-region-1") == (
        'Post "https://iaas.sim-region-1.oraclecloud.com/20160918/instances":'
        " net/http: timeout awaiting response headers"
    )
