"""CreateComputeCapacityReport against the simulated REST endpoint, with the real oci SDK: the
report answers from the scenario's next launch outcome and leaves it for the launch."""

import oci
import pytest

from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

from .conftest import A1, TENANCY
from .test_rest_compute import calls, details, refused

AD1, AD2 = PLACEHOLDERS["availability_domains"][:2]
models = oci.core.models


def report_details(*asked, ad=AD1, compartment=TENANCY):
    """asked: (shape, ocpus, GB, fault domain or None) each."""
    return models.CreateComputeCapacityReportDetails(
        compartment_id=compartment,
        availability_domain=ad,
        shape_availabilities=[
            models.CreateCapacityReportShapeAvailabilityDetails(
                instance_shape=shape,
                fault_domain=fault_domain,
                instance_shape_config=models.CapacityReportInstanceShapeConfig(ocpus=ocpus, memory_in_gbs=gbs),
            )
            for shape, ocpus, gbs, fault_domain in asked
        ],
    )


def statuses(compute, *asked, **where):
    report = compute.create_compute_capacity_report(report_details(*asked, **where)).data
    return [found.availability_status for found in report.shape_availabilities]


@pytest.mark.parametrize(
    "scenario, status",
    [
        ("capacity,ok", "OUT_OF_HOST_CAPACITY"),
        ("ok", "AVAILABLE"),
        ("unavailable", "HARDWARE_NOT_SUPPORTED"),
        ("throttle", "AVAILABLE"),  # the launch fails for another reason than host capacity
    ],
)
def test_the_report_answers_from_the_next_launch_outcome(store, compute, scenario, status):
    CloudStore.ensure(store.directory, scenario)
    assert statuses(compute, (A1, 2, 12, None), (A1, 1, 6, None)) == [status, status]


def test_the_report_leaves_the_launch_outcome_for_the_launch(store, compute):
    CloudStore.ensure(store.directory, "capacity,ok")
    assert statuses(compute, (A1, 2, 12, None)) == ["OUT_OF_HOST_CAPACITY"]
    assert statuses(compute, (A1, 2, 12, None)) == ["OUT_OF_HOST_CAPACITY"]
    assert refused(lambda: compute.launch_instance(details())).status == 500  # out of host capacity
    assert statuses(compute, (A1, 2, 12, None)) == ["AVAILABLE"]
    assert [call["op"] for call in store.calls()].count("LaunchInstance") == 1


def test_the_report_echoes_each_shape_config_and_fault_domain(compute):
    report = compute.create_compute_capacity_report(
        report_details((A1, 2, 12, "FAULT-DOMAIN-2"), ("VM.Standard.Z9.Flex", 1, 6, None), ad=AD2)
    ).data
    assert report.availability_domain == AD2 and report.compartment_id == TENANCY
    first, unknown = report.shape_availabilities
    assert (first.fault_domain, first.instance_shape_config.ocpus, first.instance_shape_config.memory_in_gbs) == (
        "FAULT-DOMAIN-2",
        2,
        12,
    )
    assert (first.availability_status, first.available_count) == ("AVAILABLE", 1)
    # A shape no image of the region runs on.
    assert (unknown.availability_status, unknown.available_count) == ("HARDWARE_NOT_SUPPORTED", 0)


def test_the_call_log_names_the_operation_the_ad_and_the_answers(store, compute):
    statuses(compute, (A1, 2, 12, None), ad=AD2)
    [call] = calls(store, "CreateComputeCapacityReport")
    assert (call["status"], call["availability_domain"], call["statuses"]) == (200, AD2, ["AVAILABLE"])


@pytest.mark.parametrize(
    "where, code",
    [
        ({"ad": "SiMu:SIM-REGION-1-AD-9"}, "InvalidParameter"),
        ({"compartment": "ocid1.compartment.oc1..aaaaaaaaunknown"}, "NotAuthorizedOrNotFound"),
    ],
)
def test_an_unknown_ad_or_compartment_is_refused(compute, where, code):
    error = refused(lambda: statuses(compute, (A1, 2, 12, None), **where))
    assert error.code == code


def test_an_unknown_fault_domain_is_refused(compute):
    assert refused(lambda: statuses(compute, (A1, 2, 12, "FAULT-DOMAIN-7"))).code == "InvalidParameter"
