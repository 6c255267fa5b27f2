"""A launch script's flows, written with the real oci SDK as such scripts are, against one served
endpoint whose launches take a second of PROVISIONING (and terminations of TERMINATING): find the
tenancy from the user, the AD, subnet, image and shape; launch through capacity and 429; wait for
RUNNING; read the public IP; stop, start, resize; terminate and wait for the work request."""

import oci
import pytest

from orchestrator.simulator.rest import RestEndpoint
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

from .conftest import A1, COMPARTMENT, TENANCY, sdk_config
from .test_rest_compute import details

# The SDK's waiters poll every second at most (their shortest interval).
WAIT = {"max_interval_seconds": 1, "max_wait_seconds": 120}


@pytest.fixture(scope="module")
def served(tmp_path_factory, keys):
    store = CloudStore.ensure(tmp_path_factory.mktemp("fidelity") / "cloud")
    with RestEndpoint(store, keys["uploaded"][1].public_key(), lifecycle_seconds=1) as endpoint:
        yield store, endpoint


@pytest.fixture(scope="module")
def clients(served, keys):
    """The clients a script makes from its OCI config, each pointed at the endpoint."""
    _, endpoint = served
    config = sdk_config(keys["uploaded"][0])

    def make(client_class):
        return client_class(config, service_endpoint=endpoint.url, retry_strategy=oci.retry.NoneRetryStrategy())

    compute = make(oci.core.ComputeClient)
    return {
        "config": config,
        "identity": make(oci.identity.IdentityClient),
        "network": make(oci.core.VirtualNetworkClient),
        "compute": compute,
        "composite": oci.core.ComputeClientCompositeOperations(compute),
    }


def _running_a1(clients, name):
    """Launch (the SDK's waiter on the work request) and the instance once RUNNING."""
    composite = clients["composite"]
    waited = composite.launch_instance_and_wait_for_work_request(details(name=name), waiter_kwargs=WAIT)
    assert waited.data.status == "SUCCEEDED"
    [resource] = waited.data.resources
    assert (resource.entity_type, resource.action_type) == ("instance", "CREATED")
    return clients["compute"].get_instance(resource.identifier).data


def _terminated(clients, instance_id):
    waited = clients["composite"].terminate_instance_and_wait_for_work_request(instance_id, waiter_kwargs=WAIT)
    assert (waited.data.operation_type, waited.data.status) == ("TerminateInstance", "SUCCEEDED")
    return clients["compute"].get_instance(instance_id).data


def test_a_script_finds_the_tenancy_ad_subnet_image_and_shape(clients):
    identity, network, compute = clients["identity"], clients["network"], clients["compute"]
    tenancy_id = identity.get_user(clients["config"]["user"]).data.compartment_id
    assert tenancy_id == TENANCY
    assert identity.get_tenancy(tenancy_id).data.name == "sim-tenancy"
    [compartment] = identity.list_compartments(tenancy_id, compartment_id_in_subtree=True).data
    assert (compartment.id, compartment.lifecycle_state) == (COMPARTMENT, "ACTIVE")
    ads = [ad.name for ad in identity.list_availability_domains(tenancy_id).data]
    assert ads == PLACEHOLDERS["availability_domains"]
    [vcn] = network.list_vcns(compartment.id).data
    [subnet] = network.list_subnets(compartment.id, vcn_id=vcn.id).data
    assert (subnet.id, subnet.lifecycle_state, subnet.prohibit_public_ip_on_vnic) == (
        PLACEHOLDERS["subnet_ocid"],
        "AVAILABLE",
        False,
    )
    newest = compute.list_images(
        compartment.id,
        operating_system="Canonical Ubuntu",
        shape=A1,
        sort_by="TIMECREATED",
        sort_order="DESC",
        limit=1,
    ).data[0]
    assert newest.id == PLACEHOLDERS["image_ocid"]
    shapes = {s.shape: s for s in compute.list_shapes(compartment.id, availability_domain=ads[0]).data}
    assert {A1, "VM.Standard.E2.1.Micro"} <= set(shapes)
    assert (shapes[A1].is_flexible, shapes[A1].ocpu_options.max, shapes[A1].billing_type) == (
        True,
        80,
        "LIMITED_FREE",
    )
    for_image = compute.list_shapes(compartment.id, image_id=newest.id).data
    assert A1 in {s.shape for s in for_image} and "VM.Standard.E2.1.Micro" not in {s.shape for s in for_image}


def test_launch_through_capacity_and_429_then_wait_for_running_and_read_the_public_ip(served, clients):
    store, _ = served
    compute = clients["compute"]
    CloudStore.ensure(store.directory, "capacity,throttle,ok")
    refused = []
    for _ in range(2):
        with pytest.raises(oci.exceptions.ServiceError) as caught:
            compute.launch_instance(details(name="patient"))
        refused.append((caught.value.status, caught.value.code))
    assert refused == [(500, "InternalError"), (429, "TooManyRequests")]
    launched = compute.launch_instance(details(name="patient"))
    assert launched.data.lifecycle_state == "PROVISIONING"
    assert launched.headers["location"].endswith(f"/20160918/instances/{launched.data.id}")
    running = oci.wait_until(compute, compute.get_instance(launched.data.id), "lifecycle_state", "RUNNING", **WAIT)
    assert running.data.lifecycle_state == "RUNNING"
    [attachment] = compute.list_vnic_attachments(COMPARTMENT, instance_id=launched.data.id).data
    vnic = clients["network"].get_vnic(attachment.vnic_id)
    assert vnic.data.public_ip.startswith("203.0.113.") and vnic.headers["etag"]
    assert _terminated(clients, launched.data.id).lifecycle_state == "TERMINATED"


def test_the_work_request_waiters_launch_stop_start_resize_and_terminate(clients):
    compute, composite = clients["compute"], clients["composite"]
    instance = _running_a1(clients, "waited")
    assert (instance.lifecycle_state, instance.shape_config.ocpus) == ("RUNNING", 1)
    for action, state in (("STOP", "STOPPED"), ("START", "RUNNING")):
        compute.instance_action(instance.id, action)
        oci.wait_until(compute, compute.get_instance(instance.id), "lifecycle_state", state, **WAIT)
    resize = oci.core.models.UpdateInstanceDetails(
        shape_config=oci.core.models.UpdateInstanceShapeConfigDetails(ocpus=2, memory_in_gbs=12)
    )
    resized = composite.update_instance_and_wait_for_work_request(instance.id, resize, waiter_kwargs=WAIT)
    assert resized.data.status == "SUCCEEDED"
    after = compute.get_instance(instance.id).data
    assert (after.lifecycle_state, after.shape_config.ocpus, after.shape_config.memory_in_gbs) == ("RUNNING", 2, 12)
    terminating = compute.terminate_instance(instance.id)
    assert terminating.headers["content-length"] == "0"
    assert compute.get_instance(instance.id).data.lifecycle_state in ("TERMINATING", "TERMINATED")
    work_request = oci.work_requests.WorkRequestClient(clients["config"], **compute._kwargs)
    done = oci.wait_until(
        work_request,
        work_request.get_work_request(terminating.headers["opc-work-request-id"]),
        "status",
        "SUCCEEDED",
        **WAIT,
    )
    assert done.data.percent_complete == 100
    listed = work_request.list_work_requests(COMPARTMENT, resource_id=instance.id).data
    assert [w.operation_type for w in listed] == ["TerminateInstance", "UpdateInstance", "LaunchInstance"]
    assert {w.status for w in listed} == {"SUCCEEDED"}
