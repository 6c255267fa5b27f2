"""The cloud a new store starts with (seed.py)."""

import json
import re

from orchestrator.simulator.seed import PLACEHOLDERS
from orchestrator.simulator.store import CloudStore


def test_placeholders_look_like_real_ocids():
    assert re.fullmatch(r"ocid1\.tenancy\.oc1\.\.[a-z0-9]{60}", PLACEHOLDERS["tenancy_ocid"])
    assert re.fullmatch(r"ocid1\.compartment\.oc1\.\.[a-z0-9]{60}", PLACEHOLDERS["compartment_ocid"])
    assert re.fullmatch(r"ocid1\.subnet\.oc1\.sim-region-1\.[a-z0-9]{60}", PLACEHOLDERS["subnet_ocid"])
    assert re.fullmatch(r"ocid1\.image\.oc1\.sim-region-1\.[a-z0-9]{60}", PLACEHOLDERS["image_ocid"])
    assert PLACEHOLDERS["availability_domains"] == [f"SiMu:SIM-REGION-1-AD-{n}" for n in (1, 2, 3)]
    assert PLACEHOLDERS["region"] == "sim-region-1"


def test_seeded_cloud_holds_the_placeholders(tmp_path):
    CloudStore.ensure(tmp_path)
    cloud = json.loads((tmp_path / "cloud.json").read_text())
    assert cloud["instances"] == []
    assert cloud["compartments"] == [PLACEHOLDERS["compartment_ocid"]]
    assert cloud["availability_domains"] == PLACEHOLDERS["availability_domains"]
    [subnet] = cloud["subnets"]
    assert subnet["id"] == PLACEHOLDERS["subnet_ocid"]
    assert subnet["vcn_id"] in [vcn["id"] for vcn in cloud["vcns"]]
    default_image = next(i for i in cloud["images"] if i["id"] == PLACEHOLDERS["image_ocid"])
    assert default_image["operating_system"] == "Canonical Ubuntu"
    assert default_image["operating_system_version"] == "22.04 Minimal aarch64"
    assert "VM.Standard.A1.Flex" in default_image["compatible_shapes"]
    assert any("VM.Standard.A1.Flex" not in i["compatible_shapes"] for i in cloud["images"])
    assert cloud["limits"] == {"standard-a1-core-regional-count": 2, "standard-a1-memory-regional-count": 12}
