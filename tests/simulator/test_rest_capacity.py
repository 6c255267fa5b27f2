"""CreateComputeCapacityReport against the simulated REST endpoint, with the real oci SDK: the
report answers from the scenario's next launch outcome and leaves it for the launch."""

import oci
import pytest

from orchestrator.oci_api import ApiError
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

from .conftest import A1, TENANCY
from .test_rest_compute import calls, details, refused

AD1, AD2 = PLACEHOLDERS["availability_domains"][:2]
models = oci.core.models


def statuses(api, *asked, ad=AD1, shape=A1):
    """asked: (ocpus, GB, fault domain or None) each; through OciApi, as the tool asks."""
    return [found.status for found in api.capacity_report(ad, shape, list(asked))]


@pytest.mark.parametrize(
    "scenario, status",
    [
        ("capacity,ok", "OUT_OF_HOST_CAPACITY"),
        ("ok", "AVAILABLE"),
        ("unavailable", "HARDWARE_NOT_SUPPORTED"),
        ("throttle", "AVAILABLE"),  # the launch fails for another reason than host capacity
    ],
)
def test_the_report_answers_from_the_next_launch_outcome(store, api, scenario, status):
    CloudStore.ensure(store.directory, scenario)
    assert statuses(api, (2, 12, None), (1, 6, None)) == [status, status]


def test_the_report_leaves_the_launch_outcome_for_the_launch(store, api, compute):
    CloudStore.ensure(store.directory, "capacity,ok")
    assert statuses(api, (2, 12, None)) == ["OUT_OF_HOST_CAPACITY"]
    assert statuses(api, (2, 12, None)) == ["OUT_OF_HOST_CAPACITY"]
    assert refused(lambda: compute.launch_instance(details())).status == 500  # out of host capacity
    assert statuses(api, (2, 12, None)) == ["AVAILABLE"]
    assert [call["op"] for call in store.calls()].count("LaunchInstance") == 1


def test_the_report_echoes_each_shape_config_and_fault_domain(compute):
    asked = models.CreateCapacityReportShapeAvailabilityDetails(
        instance_shape=A1,
        fault_domain="FAULT-DOMAIN-2",
        instance_shape_config=models.CapacityReportInstanceShapeConfig(ocpus=2, memory_in_gbs=12),
    )
    report = compute.create_compute_capacity_report(
        models.CreateComputeCapacityReportDetails(
            compartment_id=TENANCY, availability_domain=AD2, shape_availabilities=[asked]
        )
    ).data
    assert report.availability_domain == AD2 and report.compartment_id == TENANCY
    [found] = report.shape_availabilities
    config = found.instance_shape_config
    assert (found.fault_domain, config.ocpus, config.memory_in_gbs) == ("FAULT-DOMAIN-2", 2, 12)
    assert (found.availability_status, found.available_count) == ("AVAILABLE", 1)


def test_a_shape_no_image_of_the_region_runs_on_is_not_supported(api):
    assert statuses(api, (1, 6, None), shape="VM.Standard.Z9.Flex") == ["HARDWARE_NOT_SUPPORTED"]


def test_the_call_log_names_the_operation_the_ad_and_the_answers(store, api):
    statuses(api, (2, 12, None), ad=AD2)
    [call] = calls(store, "CreateComputeCapacityReport")
    assert (call["status"], call["availability_domain"], call["statuses"]) == (200, AD2, ["AVAILABLE"])


def test_an_unknown_ad_or_fault_domain_is_refused(api):
    with pytest.raises(ApiError) as unknown_ad:
        statuses(api, (2, 12, None), ad="SiMu:SIM-REGION-1-AD-9")
    with pytest.raises(ApiError) as unknown_fault_domain:
        statuses(api, (2, 12, "FAULT-DOMAIN-7"))
    assert (unknown_ad.value.status, unknown_ad.value.code) == (400, "InvalidParameter")
    assert (unknown_fault_domain.value.status, unknown_fault_domain.value.code) == (400, "InvalidParameter")


def test_an_unknown_compartment_is_not_found(compute):
    details = models.CreateComputeCapacityReportDetails(
        compartment_id="ocid1.compartment.oc1..aaaaaaaaunknown", availability_domain=AD1, shape_availabilities=[]
    )
    assert refused(lambda: compute.create_compute_capacity_report(details)).code == "NotAuthorizedOrNotFound"
