"""oci_api: real oci SDK clients, in simulate mode against the simulated REST endpoint."""

import configparser
import json
import stat
import subprocess
import sys

import pytest

from orchestrator import oci_api
from orchestrator.cloud import OciCloud
from orchestrator.errors import UsageError
from orchestrator.simulator.cloud import SimulatedCloud
from orchestrator.simulator.store import PLACEHOLDERS
from orchestrator.workdir import Workdir

COMPARTMENT = PLACEHOLDERS["compartment_ocid"]


def launch(store, **changes):
    details = {
        "availability_domain": PLACEHOLDERS["availability_domains"][0],
        "compartment_id": COMPARTMENT,
        "display_name": "coinpilot-ins",
        "shape": "VM.Standard.A1.Flex",
        "shape_config": {"ocpus": 2, "memory_in_gbs": 12},
        "source_details": {"source_type": "image", "source_id": PLACEHOLDERS["image_ocid"]},
        "create_vnic_details": {"subnet_id": PLACEHOLDERS["subnet_ocid"], "assign_public_ip": True},
        "freeform_tags": {"coinpilot-tf": "coinpilot-ins"},
        **changes,
    }
    return store.launch_instance(details).instance


def test_simulate_mode_writes_a_private_throwaway_key_and_config(store):
    cloud = SimulatedCloud(store.directory, Workdir(store.directory))
    path = cloud.config_path("WORK")
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    profile = parser["WORK"]
    assert profile["tenancy"] == PLACEHOLDERS["tenancy_ocid"]
    assert profile["region"] == PLACEHOLDERS["region"]
    assert profile["fingerprint"] == oci_api.api_key_fingerprint(profile["key_file"])
    for private in (path, profile["key_file"]):
        assert stat.S_IMODE((store.directory / private).stat().st_mode) == 0o600
    key_before = (store.directory / profile["key_file"]).read_bytes()
    cloud.config_path("DEFAULT")
    parser.read(path)
    assert parser.defaults()["key_file"] == profile["key_file"]
    assert parser.has_section("WORK")
    assert (store.directory / profile["key_file"]).read_bytes() == key_before


def test_instances_are_listed(store, api):
    won = launch(store)
    launch(store, display_name="someone-else", freeform_tags={}, shape_config={"ocpus": 0, "memory_in_gbs": 0})
    instances = api.list_instances(COMPARTMENT)
    assert sorted(i.display_name for i in instances) == ["coinpilot-ins", "someone-else"]
    got = next(i for i in instances if i.id == won["id"])
    assert (got.lifecycle_state, got.shape, got.ocpus, got.memory_gbs) == ("RUNNING", "VM.Standard.A1.Flex", 2, 12)
    assert got.freeform_tags == {"coinpilot-tf": "coinpilot-ins"}
    assert got.availability_domain == PLACEHOLDERS["availability_domains"][0]
    assert [c["op"] for c in store.calls()] == ["ListInstances"]


def test_a_failed_call_raises_api_error_with_the_request_id(store, api):
    with pytest.raises(oci_api.ApiError) as caught:
        api.list_instances("ocid1.compartment.oc1..aaaaaaaaunknown")
    error = caught.value
    assert (error.operation, error.status, error.code) == ("ListInstances", 404, "NotAuthorizedOrNotFound")
    assert error.request_id == store.calls()[-1]["opc_request_id"]
    assert error.request_id in str(error)


def test_region_compartment_subnet_and_images(api):
    assert api.region == "sim-region-1"
    assert api.tenancy == PLACEHOLDERS["tenancy_ocid"]
    assert api.availability_domains() == PLACEHOLDERS["availability_domains"]
    assert api.get_compartment(COMPARTMENT).lifecycle_state == "ACTIVE"
    assert api.get_compartment("ocid1.compartment.oc1..aaaaaaaaunknown") is None
    subnet = api.get_subnet(PLACEHOLDERS["subnet_ocid"])
    assert (subnet.availability_domain, subnet.prohibit_public_ip_on_vnic) == (None, False)
    assert api.get_subnet("ocid1.subnet.oc1.sim-region-1.aaaaaaaaunknown") is None
    images = api.list_images(COMPARTMENT, "Canonical Ubuntu", "VM.Standard.A1.Flex")
    assert images[0].id == PLACEHOLDERS["image_ocid"]
    assert [i.time_created for i in images] == sorted((i.time_created for i in images), reverse=True)
    assert "VM.Standard.A1.Flex" in api.image_shapes(PLACEHOLDERS["image_ocid"])
    assert api.get_image(PLACEHOLDERS["image_ocid"]).operating_system == "Canonical Ubuntu"


def test_a1_limits_show_what_is_used_and_left(store, api):
    launch(store, shape_config={"ocpus": 1, "memory_in_gbs": 6})
    usages = api.a1_limits(PLACEHOLDERS["availability_domains"][:2])
    usage = {u.resource: u for u in usages if u.availability_domain is None}
    assert (usage["core"].value, usage["core"].used, usage["core"].available) == (2, 1, 1)
    assert (usage["memory"].value, usage["memory"].used, usage["memory"].available) == (12, 6, 6)
    # The per-AD twins, for the ADs asked about: the launch went to the first.
    per_ad = {(u.name, u.availability_domain): u.used for u in usages if u.availability_domain}
    first, second = PLACEHOLDERS["availability_domains"][:2]
    assert per_ad == {
        ("standard-a1-core-count", first): 1,
        ("standard-a1-core-count", second): 0,
        ("standard-a1-memory-count", first): 6,
        ("standard-a1-memory-count", second): 0,
    }


def test_clock_skew_against_the_date_header(api):
    assert abs(api.clock_skew_seconds()) < 5
    assert api.clock_skew_seconds(now=lambda: 0.0) > 1_000_000_000


def test_the_endpoint_stops_with_the_connection(store):
    with SimulatedCloud(store.directory, Workdir(store.directory)).api("DEFAULT") as api:
        api.availability_domains()
    with pytest.raises(oci_api.ApiError) as caught:
        api.availability_domains()
    assert caught.value.status is None and caught.value.code == "NetworkError"


def test_real_mode_reads_the_users_profile(isolated_home, tmp_path):
    users_config = OciCloud().config_path("DEFAULT")
    with pytest.raises(UsageError, match=r"OCI_PROFILE: .*\.oci/config does not exist"):
        oci_api.load_config(users_config, "DEFAULT")
    key = tmp_path / "simulator"
    config_path = SimulatedCloud(key, Workdir(tmp_path)).config_path("DEFAULT")
    (isolated_home / ".oci").mkdir()
    (isolated_home / ".oci" / "config").write_text(config_path.read_text())
    assert oci_api.load_config(users_config, "DEFAULT")["region"] == "sim-region-1"
    with pytest.raises(UsageError, match=r"no profile \[WORK\]"):
        oci_api.load_config(users_config, "WORK")
    (isolated_home / ".oci" / "config").write_text("[DEFAULT]\nregion = sim-region-1\n")
    with pytest.raises(UsageError, match=r"incomplete or malformed"):
        oci_api.load_config(users_config, "DEFAULT")


def test_the_cli_does_not_import_oci_for_help():
    code = "import sys\nfrom orchestrator.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\nprint(json.dumps('oci' in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", "import json\n" + code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out.splitlines()[-1]) is False
