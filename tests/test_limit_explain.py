"""LimitExceeded explained: every A1 instance of the tenancy, and whose it is."""

from orchestrator.instance import Instance
from orchestrator.limit_explain import A1Instance, explain, tenancy_a1_instances
from orchestrator.oci_api import Compartment
from orchestrator.simulator import actions
from orchestrator.simulator.cloud import SimulatedCloud
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore
from orchestrator.size import Size
from orchestrator.workdir import Workdir

ELSEWHERE = Compartment("ocid1.compartment.oc1..aaaaaaaaelsewhere", "sandbox", "ACTIVE")


def a1(name, state="RUNNING", tags=None):
    instance = Instance(
        f"ocid1.instance.oc1..{name}",
        name,
        state,
        shape="VM.Standard.A1.Flex",
        ocpus=2,
        memory_gbs=12,
        freeform_tags=tags or {},
    )
    return A1Instance(instance, ELSEWHERE)


def test_nothing_in_the_tenancy_means_oci_still_counts_a_terminated_one():
    explanation = explain([], "coinpilot-ins")
    assert explanation.stop_reason is None
    assert explanation.lines == (
        "no A1 instance in any compartment of the tenancy; OCI can go on counting a terminated instance "
        "for a while (about an hour): nothing here to terminate",
    )
    gone = explain([a1("old", "TERMINATED")], "coinpilot-ins")
    assert gone.stop_reason is None and gone.lines[-1].startswith("none of them is live; OCI can go on counting")


def test_someone_elses_live_instance_is_named_with_its_compartment_and_stops_the_run():
    explanation = explain(
        [a1("forgotten"), a1("coinpilot-ins", tags={"coinpilot-tf": "coinpilot-ins"}), a1("old", "TERMINATED")],
        "coinpilot-ins",
    )
    assert [other.instance.display_name for other in explanation.others] == ["forgotten"]
    assert explanation.lines == (
        "A1 instance: forgotten ocid1.instance.oc1..forgotten in compartment sandbox "
        "(ocid1.compartment.oc1..aaaaaaaaelsewhere), 2 OCPUs / 12 GB, RUNNING",
        "A1 instance: coinpilot-ins ocid1.instance.oc1..coinpilot-ins in compartment sandbox "
        "(ocid1.compartment.oc1..aaaaaaaaelsewhere), 2 OCPUs / 12 GB, RUNNING (ours)",
        "A1 instance: old ocid1.instance.oc1..old in compartment sandbox "
        "(ocid1.compartment.oc1..aaaaaaaaelsewhere), 2 OCPUs / 12 GB, TERMINATED",
    )
    assert explanation.stop_reason.startswith(
        "OCI says LimitExceeded: the A1 allowance is used by 1 instance(s) that are not ours: forgotten "
    )
    assert "in compartment sandbox (ocid1.compartment.oc1..aaaaaaaaelsewhere)" in explanation.stop_reason
    assert "increase" not in explanation.stop_reason


def test_every_compartment_of_the_simulated_tenancy_is_looked_at(tmp_path):
    store = CloudStore.ensure(tmp_path / "simulator")
    elsewhere = actions.occupy(store, Size(1, 6), None)
    in_root = actions.occupy(store, Size(1, 6), PLACEHOLDERS["tenancy_ocid"])
    cloud = SimulatedCloud(store.directory, Workdir(tmp_path / "workdir"))

    found = {a1.instance.id: a1.compartment for a1 in tenancy_a1_instances(cloud, "DEFAULT")}

    assert found[elsewhere["id"]] == Compartment(actions.OTHER_COMPARTMENT, "sim-compartment-2", "ACTIVE")
    assert found[in_root["id"]].name == "sim-tenancy"
    assert [c["op"] for c in store.calls()][:3] == ["GetCompartment", "ListCompartments", "ListInstances"]
