"""The one instance model, read from Terraform's state as status, reconcile and grow see it."""

from datetime import UTC, datetime

from orchestrator.instance import Instance
from orchestrator.size import Size

STATE_ATTRIBUTES = {
    "id": "ocid1.instance.oc1..x",
    "display_name": "coinpilot-ins",
    "state": "RUNNING",
    "availability_domain": "SiMu:SIM-REGION-1-AD-1",
    "shape": "VM.Standard.A1.Flex",
    "shape_config": [{"ocpus": 1.0, "memory_in_gbs": 6.0}],
    "freeform_tags": {"coinpilot-tf": "coinpilot-ins"},
    "time_created": "2026-06-01 09:00:00.123 +0000 UTC",
    "public_ip": "203.0.113.10",
    "private_ip": "",
}


def test_an_instance_from_terraforms_state():
    instance = Instance.from_state(STATE_ATTRIBUTES, tainted=True)
    assert (instance.id, instance.display_name, instance.lifecycle_state) == (
        "ocid1.instance.oc1..x",
        "coinpilot-ins",
        "RUNNING",
    )
    assert instance.size == Size(1, 6) and str(instance.size) == "1 OCPU / 6 GB"
    assert instance.time_created == datetime(2026, 6, 1, 9, 0, 0, 123000, tzinfo=UTC)
    assert (instance.public_ip, instance.private_ip, instance.tainted) == ("203.0.113.10", None, True)
    assert instance.freeform_tags == {"coinpilot-tf": "coinpilot-ins"}


def test_an_instance_of_unknown_size_and_age():
    instance = Instance.from_state({"id": "ocid1.instance.oc1..y"})
    assert instance.size is None and instance.time_created is None and not instance.tainted
