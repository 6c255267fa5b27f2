"""The capacity report through the oci SDK against the simulated OCI, and its lines."""

from orchestrator import capacity_report
from orchestrator.oci_api import ShapeAvailability
from orchestrator.simulator.cloud import SimulatedCloud
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore
from orchestrator.size import Size
from orchestrator.workdir import Workdir

ADS = PLACEHOLDERS["availability_domains"]
LADDER = [Size(2, 12), Size(1, 6)]


def simulated(store) -> SimulatedCloud:
    return SimulatedCloud(store.directory, Workdir(store.directory))


def test_no_ads_given_means_every_ad_of_the_region_one_report_each(store):
    CloudStore.ensure(store.directory, "capacity,ok")
    found = capacity_report.report(simulated(store), "DEFAULT", (), LADDER)
    assert [(f.availability_domain, Size.of(f.ocpus, f.memory_gbs), f.status) for f in found] == [
        (ad, size, "OUT_OF_HOST_CAPACITY") for ad in ADS for size in LADDER
    ]
    ops = [call["op"] for call in store.calls()]
    assert ops == ["ListAvailabilityDomains"] + ["CreateComputeCapacityReport"] * len(ADS)


def test_fault_domains_follow_each_ads_own_line(store):
    found = capacity_report.report(simulated(store), "DEFAULT", ADS[1:2], [Size(2, 12)], fault_domains=True)
    assert [f.fault_domain for f in found] == [None, *capacity_report.FAULT_DOMAINS]
    assert {f.status for f in found} == {"AVAILABLE"}
    assert [call["op"] for call in store.calls()] == ["CreateComputeCapacityReport"]  # one call per AD


def test_by_ad_answers_the_status_of_one_size_in_each_ad_asked(store):
    assert capacity_report.by_ad(simulated(store), "DEFAULT", ADS[:2], Size(1, 6)) == {
        ADS[0]: "AVAILABLE",
        ADS[1]: "AVAILABLE",
    }


def test_a_line_is_the_ad_the_size_and_the_status_with_a_fault_domain_column_when_asked():
    whole = ShapeAvailability("kIdk:US-ASHBURN-AD-1", None, 2.0, 12.0, "OUT_OF_HOST_CAPACITY")
    one = ShapeAvailability("kIdk:US-ASHBURN-AD-1", "FAULT-DOMAIN-3", 1.0, 6.0, "AVAILABLE")
    assert capacity_report.line(whole) == "kIdk:US-ASHBURN-AD-1  2:12    OUT_OF_HOST_CAPACITY"
    assert capacity_report.line(whole, fault_domains=True) == (
        "kIdk:US-ASHBURN-AD-1  any             2:12    OUT_OF_HOST_CAPACITY"
    )
    assert capacity_report.line(one, fault_domains=True) == "kIdk:US-ASHBURN-AD-1  FAULT-DOMAIN-3  1:6     AVAILABLE"
