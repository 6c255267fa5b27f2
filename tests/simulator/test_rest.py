"""The simulated REST endpoint, driven by the real oci SDK over HTTP (nothing mocked)."""

import json

import oci
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from orchestrator.simulator.rest import RestEndpoint
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

COMPARTMENT = PLACEHOLDERS["compartment_ocid"]
TENANCY = PLACEHOLDERS["tenancy_ocid"]
A1 = "VM.Standard.A1.Flex"


def _key_file(path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return key


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    return {name: (folder / f"{name}.pem", _key_file(folder / f"{name}.pem")) for name in ("uploaded", "other")}


@pytest.fixture
def store(tmp_path):
    return CloudStore.ensure(tmp_path / "simulator")


@pytest.fixture
def endpoint(store, keys):
    with RestEndpoint(store, keys["uploaded"][1].public_key()) as running:
        yield running


def client(client_class, endpoint, key_path):
    config = {
        "user": "ocid1.user.oc1..aaaaaaaatestuser",
        "tenancy": TENANCY,
        "fingerprint": "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff",
        "key_file": str(key_path),
        "region": "sim-region-1",
    }
    return client_class(config, service_endpoint=endpoint.url, retry_strategy=oci.retry.NoneRetryStrategy())


@pytest.fixture
def compute(endpoint, keys):
    return client(oci.core.ComputeClient, endpoint, keys["uploaded"][0])


@pytest.fixture
def identity(endpoint, keys):
    return client(oci.identity.IdentityClient, endpoint, keys["uploaded"][0])


@pytest.fixture
def limits(endpoint, keys):
    return client(oci.limits.LimitsClient, endpoint, keys["uploaded"][0])


def launch(store, **changes):
    details = {
        "availability_domain": PLACEHOLDERS["availability_domains"][0],
        "compartment_id": COMPARTMENT,
        "display_name": "coinpilot-a1",
        "shape": A1,
        "shape_config": {"ocpus": 1, "memory_in_gbs": 6},
        "source_details": {"source_type": "image", "source_id": PLACEHOLDERS["image_ocid"]},
        "create_vnic_details": {"subnet_id": PLACEHOLDERS["subnet_ocid"], "assign_public_ip": True},
        "freeform_tags": {"coinpilot-tf": "coinpilot-a1"},
        **changes,
    }
    return store.launch_instance(details).instance


def edit_cloud(store, change):
    path = store.directory / "cloud.json"
    cloud = json.loads(path.read_text())
    change(cloud)
    path.write_text(json.dumps(cloud))


def test_each_call_is_logged_with_its_operation_and_request_id(store, identity):
    response = identity.list_availability_domains(TENANCY)
    assert [ad.name for ad in response.data] == PLACEHOLDERS["availability_domains"]
    [call] = store.calls()
    assert call["op"] == "ListAvailabilityDomains"
    assert call["status"] == 200
    assert call["opc_request_id"] == response.headers["opc-request-id"] == response.request_id
    assert response.headers["date"].endswith("GMT")


def test_instances_are_listed_and_read_in_the_api_format(store, compute):
    instance = launch(store)
    [listed] = compute.list_instances(COMPARTMENT).data
    got = compute.get_instance(instance["id"]).data
    for view in (listed, got):
        assert view.id == instance["id"]
        assert view.display_name == "coinpilot-a1"
        assert view.lifecycle_state == "RUNNING"
        assert view.shape_config.ocpus == 1 and view.shape_config.memory_in_gbs == 6
        assert view.source_details.image_id == PLACEHOLDERS["image_ocid"]
        assert view.freeform_tags == {"coinpilot-tf": "coinpilot-a1"}
    store.terminate_instance(instance["id"])
    assert compute.list_instances(COMPARTMENT, lifecycle_state="RUNNING").data == []
    assert [i.lifecycle_state for i in compute.list_instances(COMPARTMENT).data] == ["TERMINATED"]
    assert [c["op"] for c in store.calls()] == ["ListInstances", "GetInstance", "ListInstances", "ListInstances"]


def test_unknown_resources_answer_404_not_authorized_or_not_found(store, compute, identity):
    for call in (
        lambda: compute.get_instance("ocid1.instance.oc1.sim-region-1.anunknown"),
        lambda: compute.list_instances("ocid1.compartment.oc1..aaaaaaaaunknown"),
        lambda: compute.get_image("ocid1.image.oc1.sim-region-1.aaaaaaaaunknown"),
        lambda: identity.get_compartment("ocid1.compartment.oc1..aaaaaaaaunknown"),
    ):
        with pytest.raises(oci.exceptions.ServiceError) as caught:
            call()
        assert (caught.value.status, caught.value.code) == (404, "NotAuthorizedOrNotFound")
        assert caught.value.request_id == store.calls()[-1]["opc_request_id"]
    assert [c["status"] for c in store.calls()] == [404] * 4


def test_images_filter_by_os_and_shape_newest_first(compute):
    images = compute.list_images(COMPARTMENT, operating_system="Canonical Ubuntu", shape=A1, sort_by="TIMECREATED").data
    names = [i.display_name for i in images]
    assert names == [
        "Canonical-Ubuntu-22.04-Minimal-aarch64-2026.10.31-0",
        "Canonical-Ubuntu-22.04-aarch64-2026.10.31-0",
        "Canonical-Ubuntu-22.04-Minimal-aarch64-2026.08.30-0",
    ]
    assert all(i.operating_system_version.startswith("22.04") for i in images)
    every = compute.list_images(COMPARTMENT).data
    assert len(every) == 4
    by_name = compute.list_images(COMPARTMENT, sort_by="DISPLAYNAME").data
    assert [i.display_name for i in by_name] == sorted(i.display_name for i in every)


def test_a_custom_image_is_visible_only_in_its_compartment(store, compute):
    other = "ocid1.compartment.oc1..aaaaaaaaothercompartment"

    def add(cloud):
        cloud["compartments"].append(other)
        cloud["images"].append({
            "id": "ocid1.image.oc1.sim-region-1.aaaaaaaacustom", "compartment_id": other,
            "display_name": "my-image", "operating_system": "Canonical Ubuntu", "operating_system_version": "22.04",
            "time_created": "2026-11-20T00:00:00.000Z", "compatible_shapes": [A1],
        })

    edit_cloud(store, add)
    assert "my-image" in [i.display_name for i in compute.list_images(other).data]
    assert "my-image" not in [i.display_name for i in compute.list_images(COMPARTMENT).data]
    assert compute.get_image("ocid1.image.oc1.sim-region-1.aaaaaaaacustom").data.compartment_id == other


def test_image_shape_compatibility_entries(compute):
    entries = compute.list_image_shape_compatibility_entries(PLACEHOLDERS["image_ocid"]).data
    assert {e.shape for e in entries} == {A1, "BM.Standard.A1.160"}
    assert next(e for e in entries if e.shape == A1).ocpu_constraints.max == 80


def test_subnet_and_compartments(identity, endpoint, keys):
    network = client(oci.core.VirtualNetworkClient, endpoint, keys["uploaded"][0])
    subnet = network.get_subnet(PLACEHOLDERS["subnet_ocid"]).data
    assert subnet.lifecycle_state == "AVAILABLE"
    assert subnet.availability_domain is None
    assert subnet.prohibit_public_ip_on_vnic is False
    assert identity.get_compartment(COMPARTMENT).data.lifecycle_state == "ACTIVE"
    assert identity.get_compartment(TENANCY).data.name == "sim-tenancy"


def test_limits_report_the_a1_allowance_and_what_live_instances_use(store, limits):
    values = limits.list_limit_values(TENANCY, "compute").data
    assert {(v.name, v.scope_type, v.value) for v in values} == {
        ("standard-a1-core-regional-count", "REGION", 2),
        ("standard-a1-memory-regional-count", "REGION", 12),
    }
    launch(store)
    cores = limits.get_resource_availability("compute", "standard-a1-core-regional-count", TENANCY).data
    memory = limits.get_resource_availability("compute", "standard-a1-memory-regional-count", TENANCY).data
    assert (cores.used, cores.available) == (1, 1)
    assert (memory.used, memory.available) == (6, 6)
    assert [c["op"] for c in store.calls()] == ["ListLimitValues", "GetResourceAvailability", "GetResourceAvailability"]


def test_a_request_signed_with_another_key_is_refused(store, endpoint, keys):
    stranger = client(oci.identity.IdentityClient, endpoint, keys["other"][0])
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        stranger.list_availability_domains(TENANCY)
    assert (caught.value.status, caught.value.code) == (401, "NotAuthenticated")
    assert store.calls()[-1]["status"] == 401


def test_stopping_frees_the_port(store, keys):
    endpoint = RestEndpoint(store, keys["uploaded"][1].public_key()).start()
    identity = client(oci.identity.IdentityClient, endpoint, keys["uploaded"][0])
    identity.list_availability_domains(TENANCY)
    endpoint.stop()
    with pytest.raises(oci.exceptions.RequestException):
        identity.list_availability_domains(TENANCY)
