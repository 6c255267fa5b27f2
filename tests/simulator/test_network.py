"""Subnets and each instance's primary VNIC, through the store (network.py)."""

from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

from .test_compute import LAUNCH


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
