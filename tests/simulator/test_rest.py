"""The simulated REST endpoint, driven by the real oci SDK over HTTP (nothing mocked)."""

import json
import re
import socket
import struct
import threading

import oci
import pytest

from orchestrator.simulator.rest import RestEndpoint
from orchestrator.simulator.store import PLACEHOLDERS

from .conftest import A1, COMPARTMENT, TENANCY, client


@pytest.fixture
def identity(endpoint, keys):
    return client(oci.identity.IdentityClient, endpoint, keys["uploaded"][0])


@pytest.fixture
def limits(endpoint, keys):
    return client(oci.limits.LimitsClient, endpoint, keys["uploaded"][0])


def launch(store, **changes):
    return store.launch_instance(launch_details(**changes)).instance


def launch_details(**changes):
    return {
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
        cloud["images"].append(
            {
                "id": "ocid1.image.oc1.sim-region-1.aaaaaaaacustom",
                "compartment_id": other,
                "display_name": "my-image",
                "operating_system": "Canonical Ubuntu",
                "operating_system_version": "22.04",
                "time_created": "2026-11-20T00:00:00.000Z",
                "compatible_shapes": [A1],
            }
        )

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


def test_the_user_tenancy_and_compartments_as_identity_answers(identity):
    user = identity.get_user(PLACEHOLDERS["user_ocid"]).data
    assert (user.compartment_id, user.lifecycle_state, user.capabilities.can_use_api_keys) == (TENANCY, "ACTIVE", True)
    tenancy = identity.get_tenancy(TENANCY).data
    assert (tenancy.id, tenancy.home_region_key) == (TENANCY, "SIM-REGION-1")
    assert [c.id for c in identity.list_compartments(TENANCY).data] == [COMPARTMENT]
    assert identity.list_compartments(COMPARTMENT).data == []
    assert identity.list_compartments(TENANCY, name="nope").data == []
    for call, code in (
        (lambda: identity.get_user("ocid1.user.oc1..aaaaaaaaother"), "NotAuthorizedOrNotFound"),
        (lambda: identity.get_tenancy("ocid1.tenancy.oc1..aaaaaaaaother"), "NotAuthorizedOrNotFound"),
        (lambda: identity.list_compartments(COMPARTMENT, compartment_id_in_subtree=True), "InvalidParameter"),
    ):
        with pytest.raises(oci.exceptions.ServiceError) as caught:
            call()
        assert caught.value.code == code


def test_vcns_subnets_and_shapes_are_listed_per_compartment(endpoint, keys, compute):
    network = client(oci.core.VirtualNetworkClient, endpoint, keys["uploaded"][0])
    [vcn] = network.list_vcns(COMPARTMENT).data
    got = network.get_vcn(vcn.id)
    assert (got.data.cidr_block, got.data.lifecycle_state, bool(got.headers["etag"])) == (
        "10.0.0.0/16",
        "AVAILABLE",
        True,
    )
    assert [s.id for s in network.list_subnets(COMPARTMENT).data] == [PLACEHOLDERS["subnet_ocid"]]
    assert network.list_subnets(COMPARTMENT, vcn_id="ocid1.vcn.oc1.sim-region-1.other").data == []
    assert network.list_subnets(TENANCY).data == network.list_vcns(TENANCY).data == []
    shapes = compute.list_shapes(COMPARTMENT, limit=2)
    assert [s.shape for s in shapes.data] == [A1, "BM.Standard.A1.160"] and shapes.has_next_page
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        compute.list_shapes(COMPARTMENT, image_id="ocid1.image.oc1.sim-region-1.unknown")
    assert caught.value.status == 404


def test_limits_report_the_a1_allowance_and_what_live_instances_use(store, limits):
    values = limits.list_limit_values(TENANCY, "compute").data
    ads = PLACEHOLDERS["availability_domains"]
    assert {(v.name, v.scope_type, v.availability_domain, v.value) for v in values} == {
        ("standard-a1-core-regional-count", "REGION", None, 2),
        ("standard-a1-memory-regional-count", "REGION", None, 12),
        *{("standard-a1-core-count", "AD", ad, 2) for ad in ads},
        *{("standard-a1-memory-count", "AD", ad, 12) for ad in ads},
    }
    launch(store)
    cores = limits.get_resource_availability("compute", "standard-a1-core-regional-count", TENANCY).data
    memory = limits.get_resource_availability("compute", "standard-a1-memory-regional-count", TENANCY).data
    assert (cores.used, cores.available) == (1, 1)
    assert (memory.used, memory.available) == (6, 6)
    in_ad = limits.get_resource_availability("compute", "standard-a1-core-count", TENANCY, availability_domain=ads[0])
    assert (in_ad.data.used, in_ad.data.available) == (1, 1)
    assert [c["op"] for c in store.calls()] == ["ListLimitValues"] + ["GetResourceAvailability"] * 3


def test_every_limit_a_limit_exceeded_names_is_one_the_limits_api_knows(store, limits):
    """A client that looks up the limits OCI's LimitExceeded lists finds each of them (issue 25, item 8)."""
    type(store).ensure(store.directory, "limit")
    refused = store.launch_instance(launch_details())
    named = re.search(r"exceeded: (.*?)\.", refused.error.message).group(1).split(", ")
    known = {v.name for v in limits.list_limit_values(TENANCY, "compute").data}
    assert set(named) == known
    assert "increase" in refused.error.message  # OCI's own words; the tool leaves them out


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


def _hang_up(endpoint, request: bytes) -> None:
    """Send `request` and hang up at once with a reset, as a client killed mid-call does."""
    host, port = endpoint.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.sendall(request)


def _requests_in_progress() -> list[threading.Thread]:
    # socketserver runs each request in a thread named after its process_request_thread.
    return [thread for thread in threading.enumerate() if "process_request_thread" in thread.name]


def test_clients_that_hang_up_leave_no_traceback_and_the_server_still_answers(store, endpoint, compute, capfd):
    for n in range(50):
        _hang_up(
            endpoint,
            # Half hang up before their answer is sent, half before the body they announced.
            b"GET /20160918/instances HTTP/1.1\r\nHost: sim\r\n\r\n"
            if n % 2
            else b"POST /20160918/instances HTTP/1.1\r\nHost: sim\r\nContent-Length: 100\r\n\r\n{",
        )
    # Accepted in order: once this answers, every hung-up request has its thread.
    assert compute.list_instances(COMPARTMENT).status == 200
    compute.base_client.session.close()  # its kept-alive connection's thread would wait for a next request
    for thread in _requests_in_progress():
        thread.join(timeout=60)
    assert "Traceback" not in capfd.readouterr().err


# ----- Monitoring -----


def _summarize(monitoring, query, compartment=COMPARTMENT, namespace="oci_computeagent", **times):
    details = oci.monitoring.models.SummarizeMetricsDataDetails(namespace=namespace, query=query, **times)
    return monitoring.summarize_metrics_data(compartment, details).data


@pytest.fixture
def monitoring(endpoint, keys):
    return client(oci.monitoring.MonitoringClient, endpoint, keys["uploaded"][0])


def test_cpu_percentile_comes_from_the_series_set_on_the_instance(store, monitoring):
    from datetime import UTC, datetime, timedelta

    instance = launch(store)
    query = "CpuUtilization[1d].percentile(0.95)"
    # No agent data yet: Monitoring answers an empty list, as for an instance without the agent.
    assert _summarize(monitoring, query) == []
    store.set_cpu_utilisation(instance["id"], 5.0)
    end = datetime.now(UTC)
    [series] = _summarize(monitoring, query, start_time=end - timedelta(days=7), end_time=end)
    assert (series.name, series.namespace, series.dimensions) == (
        "CpuUtilization",
        "oci_computeagent",
        {"resourceId": instance["id"]},
    )
    assert [point.value for point in series.aggregated_datapoints] == [5.0] * 7
    filtered = f'CpuUtilization[1h]{{resourceId = "{instance["id"]}"}}.mean()'
    assert [s.dimensions["resourceId"] for s in _summarize(monitoring, filtered)] == [instance["id"]]
    assert (
        _summarize(monitoring, 'CpuUtilization[1h]{resourceId = "ocid1.instance.oc1.sim-region-1.other"}.max()') == []
    )
    assert _summarize(monitoring, "MemoryUtilization[1h].mean()") == []
    assert _summarize(monitoring, query, namespace="oci_vcn") == []
    calls = [c for c in store.calls() if c["op"] == "SummarizeMetricsData"]
    assert [(c["status"], c["series"]) for c in calls] == [(200, 0), (200, 1), (200, 1), (200, 0), (200, 0), (200, 0)]


def test_a_query_that_is_not_mql_is_invalid(monitoring):
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        _summarize(monitoring, "cpu please")
    assert (caught.value.status, caught.value.code) == (400, "InvalidParameter")


def test_a_stopped_or_terminated_instance_shows_so(store, compute):
    instance = launch(store)
    store.set_lifecycle_state(instance["id"], "STOPPED")
    assert compute.get_instance(instance["id"]).data.lifecycle_state == "STOPPED"
    store.terminate_instance(instance["id"])
    assert [i.lifecycle_state for i in compute.list_instances(COMPARTMENT).data] == ["TERMINATED"]
