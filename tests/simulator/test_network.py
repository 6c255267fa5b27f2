"""Subnets and each instance's primary VNIC, through the store (network.py)."""

from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

from .test_compute import LAUNCH

COMPARTMENT = PLACEHOLDERS["compartment_ocid"]


def test_vnic_attachment_and_vnic_give_the_public_ip(tmp_path):
    store = CloudStore.ensure(tmp_path)
    instance = store.launch_instance(LAUNCH).instance
    [attachment] = store.list_vnic_attachments(PLACEHOLDERS["compartment_ocid"])
    assert (attachment["instance_id"], attachment["lifecycle_state"]) == (instance["id"], "ATTACHED")
    vnic = store.get_vnic(attachment["vnic_id"])
    assert (vnic["public_ip"], vnic["private_ip"], vnic["is_primary"]) == (
        instance["public_ip"],
        instance["private_ip"],
        True,
    )
    store.terminate_instance(instance["id"])
    assert store.list_vnic_attachments(PLACEHOLDERS["compartment_ocid"])[0]["lifecycle_state"] == "DETACHED"
    assert store.get_vnic(attachment["vnic_id"]) is None


def _vcn_with_subnet(store: CloudStore) -> tuple[dict, dict]:
    vcn, _ = store.create_network_resource("vcn", {"compartment_id": COMPARTMENT, "cidr_blocks": ["10.0.0.0/16"]})
    subnet, _ = store.create_network_resource(
        "subnet", {"compartment_id": COMPARTMENT, "vcn_id": vcn["id"], "cidr_block": "10.0.0.0/24"}
    )
    return vcn, subnet


def test_a_created_subnet_reads_like_a_seeded_one_and_goes_only_after_what_uses_it(tmp_path):
    store = CloudStore.ensure(tmp_path)
    vcn, subnet = _vcn_with_subnet(store)
    assert vcn["cidr_block"] == "10.0.0.0/16" and vcn["state"] == "AVAILABLE"
    assert set(store.get_subnet(subnet["id"])) >= set(store.get_subnet(PLACEHOLDERS["subnet_ocid"]))
    instance = store.launch_instance({**LAUNCH, "create_vnic_details": {"subnet_id": subnet["id"]}}).instance
    # As in OCI: 409 while something is in it.
    assert store.delete_network_resource("vcn", vcn["id"]).status == 409
    assert store.delete_network_resource("subnet", subnet["id"]).status == 409
    store.terminate_instance(instance["id"])
    assert store.delete_network_resource("subnet", subnet["id"]) is None
    assert store.delete_network_resource("vcn", vcn["id"]) is None
    assert store.get_network_resource("vcn", vcn["id"]) is None


def test_a_reserved_ip_is_freed_by_a_termination_and_moves_to_the_next_instance(tmp_path):
    store = CloudStore.ensure(tmp_path)
    first = store.launch_instance({**LAUNCH, "create_vnic_details": {"assign_public_ip": False}}).instance
    [private_ip] = store.list_private_ips(first["vnic_id"])
    public_ip, error = store.create_network_resource(
        "public_ip", {"compartment_id": COMPARTMENT, "lifetime": "RESERVED", "private_ip_id": private_ip["id"]}
    )
    assert error is None and public_ip["state"] == "ASSIGNED"
    assert store.get_instance(first["id"])["public_ip"] == public_ip["ip_address"]

    store.set_lifecycle_state(first["id"], "TERMINATED")
    assert store.list_private_ips(first["vnic_id"]) == []
    freed = store.get_network_resource("public_ip", public_ip["id"])
    assert (freed["state"], freed["private_ip_id"]) == ("AVAILABLE", None)

    second = store.launch_instance({**LAUNCH, "create_vnic_details": {"assign_public_ip": False}}).instance
    [next_private_ip] = store.list_private_ips(second["vnic_id"])
    moved, _ = store.update_network_resource("public_ip", public_ip["id"], {"private_ip_id": next_private_ip["id"]})
    assert moved["ip_address"] == public_ip["ip_address"]
    assert store.get_instance(second["id"])["public_ip"] == public_ip["ip_address"]
    assert store.delete_network_resource("public_ip", public_ip["id"]) is None
    assert store.get_instance(second["id"])["public_ip"] is None
