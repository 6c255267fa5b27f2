"""The plan interlock's verdict on a saved plan (`terraform show -json PLANFILE`): creating and
updating pass; deleting or replacing the instance, or anything the state keeps for it, does not,
nor an in-place change that replaces the boot volume."""

from orchestrator.engine.plan_safety import actions_of, first_deleted, replaces_boot_volume


def _plan(**changes: list[str]) -> dict:
    addresses = {
        "instance": "oci_core_instance.this",
        "vcn": "oci_core_vcn.this",
        "subnet": "oci_core_subnet.this",
        "public_ip": "oci_core_public_ip.this",
    }
    return {
        "resource_changes": [
            {"address": addresses[name], "mode": "managed", "change": {"actions": actions}}
            for name, actions in changes.items()
        ]
        + [{"address": "data.oci_core_private_ips.this", "mode": "data", "change": {"actions": ["read"]}}]
    }


def test_the_first_attempt_creates_the_network_with_the_instance():
    actions = actions_of(_plan(vcn=["create"], subnet=["create"], public_ip=["create"], instance=["create"]))
    assert "data.oci_core_private_ips.this" not in actions
    assert first_deleted(actions) is None


def test_a_relaunch_moves_the_reserved_ip_in_place():
    assert first_deleted(actions_of(_plan(vcn=["no-op"], public_ip=["update"], instance=["create"]))) is None


def test_replacing_the_instance_or_what_it_needs_is_refused_the_instance_named_first():
    assert first_deleted(actions_of(_plan(vcn=["delete", "create"]))) == "oci_core_vcn.this"
    assert first_deleted(actions_of(_plan(public_ip=["delete"], instance=["no-op"]))) == "oci_core_public_ip.this"
    both = _plan(subnet=["create", "delete"], instance=["delete", "create"])
    assert first_deleted(actions_of(both)) == "oci_core_instance.this"


SOURCE = {"source_type": "image", "source_id": "ocid1.image.one", "boot_volume_size_in_gbs": "50"}


def change(actions, after_source, unknown=None):
    return {
        "actions": actions,
        "before": {"source_details": [SOURCE], "state": "STOPPED"},
        "after": {"source_details": [after_source], "state": "RUNNING"},
        "after_unknown": {"source_details": [unknown or {}]},
    }


def test_an_in_place_source_details_change_replaces_the_boot_volume():
    assert replaces_boot_volume(change(["update"], {**SOURCE, "source_id": "ocid1.image.two"}))
    assert replaces_boot_volume(change(["update"], {"source_type": "image"}, {"source_id": True}))


def test_a_start_or_resize_leaves_the_boot_volume_alone():
    assert not replaces_boot_volume(change(["update"], SOURCE))
    assert not replaces_boot_volume(change(["no-op"], {**SOURCE, "source_id": "ocid1.image.two"}))
    assert not replaces_boot_volume({"actions": ["create"], "before": None, "after": {}})
