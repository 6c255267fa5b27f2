"""A launch script's compute calls against the simulated REST endpoint, made with the real oci SDK
(and requests, for what no SDK sends): paths, bodies, status codes, headers, scenario outcomes,
pagination, the retry token, authentication and OCI's JSON errors."""

import json
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import oci
import pytest
import requests

from orchestrator.simulator import provider_errors
from orchestrator.simulator.scenario import ANSWERS
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

from .conftest import A1, COMPARTMENT, client

AD1, AD2 = PLACEHOLDERS["availability_domains"][:2]
MICRO = "VM.Standard.E2.1.Micro"  # outside the A1 allowance: as many as a test needs
FAILURES = [outcome for outcome in ANSWERS if outcome != "ok"]


@pytest.fixture
def network(endpoint, keys):
    return client(oci.core.VirtualNetworkClient, endpoint, keys["uploaded"][0])


def details(shape=A1, ad=AD1, name="coinpilot-a1", ocpus=1, memory=6):
    return oci.core.models.LaunchInstanceDetails(
        availability_domain=ad,
        compartment_id=COMPARTMENT,
        display_name=name,
        shape=shape,
        shape_config=oci.core.models.LaunchInstanceShapeConfigDetails(ocpus=ocpus, memory_in_gbs=memory),
        source_details=oci.core.models.InstanceSourceViaImageDetails(image_id=PLACEHOLDERS["image_ocid"]),
        create_vnic_details=oci.core.models.CreateVnicDetails(
            subnet_id=PLACEHOLDERS["subnet_ocid"], assign_public_ip=True
        ),
        metadata={"ssh_authorized_keys": "ssh-ed25519 AAAA test"},
        freeform_tags={"coinpilot-tf": name},
    )


def scenario(store, text):
    CloudStore.ensure(store.directory, text)


def calls(store, op):
    return [c for c in store.calls() if c["op"] == op]


def refused(call):
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        call()
    return caught.value


def as_service_error(error):
    return provider_errors.ServiceError(error.status, error.code, error.message)


# ----- LaunchInstance -----


def test_launch_creates_the_instance_and_keeps_the_clients_request_id(store, compute):
    response = compute.launch_instance(details())
    instance = response.data
    assert (response.status, instance.lifecycle_state, instance.shape_config.ocpus) == (200, "RUNNING", 1)
    assert instance.source_details.image_id == PLACEHOLDERS["image_ocid"]
    client_id = response.request.header_params["opc-request-id"]
    assert response.request_id.startswith(client_id + "/")
    [call] = calls(store, "LaunchInstance")
    assert (call["status"], call["outcome"], call["instance_id"], call["opc_request_id"]) == (
        200,
        "ok",
        instance.id,
        response.request_id,
    )
    assert [i["id"] for i in store.instances()] == [instance.id]


@pytest.mark.parametrize("outcome", FAILURES)
def test_a_refused_launch_answers_the_providers_error(store, compute, outcome):
    scenario(store, outcome)
    error = refused(lambda: compute.launch_instance(details()))
    assert as_service_error(error) == provider_errors.rejection(outcome, shape=A1, image_id=PLACEHOLDERS["image_ocid"])
    assert error.request_id == calls(store, "LaunchInstance")[-1]["opc_request_id"]
    assert (calls(store, "LaunchInstance")[-1]["outcome"], store.instances()) == (outcome, [])


@pytest.mark.parametrize("outcome, state", [("timeout_running", "RUNNING"), ("timeout_terminated", "TERMINATED")])
def test_launches_terraform_times_out_on_are_accepted(store, compute, outcome, state):
    scenario(store, outcome)
    assert compute.launch_instance(details()).data.lifecycle_state == state


def test_the_same_retry_token_returns_the_same_instance(store, compute):
    scenario(store, "capacity,ok")
    assert refused(lambda: compute.launch_instance(details(), opc_retry_token="token-1")).status == 500
    first = compute.launch_instance(details(), opc_retry_token="token-1").data
    again = compute.launch_instance(details(), opc_retry_token="token-1").data
    assert again.id == first.id and len(store.instances()) == 1
    assert [c["retry_token_replayed"] for c in calls(store, "LaunchInstance")] == [False, False, True]


def test_a_lost_answer_retried_by_the_sdk_launches_once(store, endpoint, keys):
    scenario(store, "lost,capacity")
    # The SDK's default strategy retries a dropped connection with the same (generated) retry token.
    retrying = client(
        oci.core.ComputeClient, endpoint, keys["uploaded"][0], retry_strategy=oci.retry.DEFAULT_RETRY_STRATEGY
    )
    instance = retrying.launch_instance(details()).data
    assert [i["id"] for i in store.instances()] == [instance.id]
    assert [(c["outcome"], c["retry_token_replayed"]) for c in calls(store, "LaunchInstance")] == [
        ("lost", False),
        ("ok", True),
    ]
    without_retries = client(oci.core.ComputeClient, endpoint, keys["uploaded"][0])
    scenario(store, "lost")
    with pytest.raises(oci.exceptions.RequestException):
        without_retries.launch_instance(details(shape=MICRO))
    assert len(store.instances()) == 2


def test_a_launch_without_its_required_fields_is_a_400(store, compute):
    error = refused(lambda: compute.launch_instance(oci.core.models.LaunchInstanceDetails(compartment_id=COMPARTMENT)))
    assert (error.status, error.code) == (400, "MissingParameter")
    assert store.calls()[-1]["status"] == 400 and store.instances() == []


# ----- ListInstances, GetInstance -----


def test_list_instances_filters_and_pages(store, compute):
    for ad, name in ((AD1, "one"), (AD2, "two"), (AD1, "three")):
        compute.launch_instance(details(shape=MICRO, ad=ad, name=name))
    assert {i.display_name for i in compute.list_instances(COMPARTMENT, availability_domain=AD1).data} == {
        "one",
        "three",
    }
    assert [i.display_name for i in compute.list_instances(COMPARTMENT, display_name="two").data] == ["two"]
    first = compute.list_instances(COMPARTMENT, limit=2)
    assert len(first.data) == 2 and first.has_next_page
    second = compute.list_instances(COMPARTMENT, limit=2, page=first.next_page)
    assert len(second.data) == 1 and not second.has_next_page
    assert {i.display_name for i in first.data + second.data} == {"one", "two", "three"}
    everything = oci.pagination.list_call_get_all_results(compute.list_instances, COMPARTMENT, limit=1).data
    assert len(everything) == 3
    store.terminate_instance(first.data[0].id)
    assert len(compute.list_instances(COMPARTMENT, lifecycle_state="RUNNING").data) == 2


@pytest.mark.parametrize("page, limit", [("not-a-token", None), (None, "0"), (None, "1001"), (None, "two")])
def test_a_bad_page_or_limit_is_a_400(store, compute, page, limit):
    compute.launch_instance(details())
    error = refused(
        lambda: compute.list_instances(
            COMPARTMENT, **({"page": page} if page else {}), **({"limit": limit} if limit else {})
        )
    )
    assert (error.status, error.code) == (400, "InvalidParameter")


def test_a_page_token_of_another_list_is_refused(store, compute, network):
    for name in ("a", "b"):
        compute.launch_instance(details(shape=MICRO, name=name))
    token = compute.list_instances(COMPARTMENT, limit=1).next_page
    assert refused(lambda: compute.list_vnic_attachments(COMPARTMENT, page=token)).status == 400


# ----- UpdateInstance -----


def _resize(compute, instance_id, ocpus, memory):
    shape_config = oci.core.models.UpdateInstanceShapeConfigDetails(ocpus=ocpus, memory_in_gbs=memory)
    return compute.update_instance(instance_id, oci.core.models.UpdateInstanceDetails(shape_config=shape_config))


def test_update_resizes_after_a_reboot_under_the_update_outcomes(store, compute):
    scenario(store, "launch=ok;update=capacity,ok")
    instance = compute.launch_instance(details()).data
    error = refused(lambda: _resize(compute, instance.id, 2, 12))
    assert (error.status, error.code, error.message) == (500, "InternalError", "Out of host capacity.")
    response = _resize(compute, instance.id, 2, 12)
    assert (response.data.lifecycle_state, response.data.shape_config.ocpus) == ("STOPPING", 1)
    assert response.headers["opc-work-request-id"].startswith("ocid1.coreservicesworkrequest.")
    polled = [compute.get_instance(instance.id).data for _ in range(2)]
    assert [(i.lifecycle_state, i.shape_config.ocpus, i.shape_config.memory_in_gbs) for i in polled] == [
        ("STARTING", 1, 6),
        ("RUNNING", 2, 12),
    ]
    renamed = compute.update_instance(instance.id, oci.core.models.UpdateInstanceDetails(display_name="renamed")).data
    assert (renamed.display_name, renamed.lifecycle_state) == ("renamed", "RUNNING")
    assert [(c["status"], c["outcome"]) for c in calls(store, "UpdateInstance")] == [
        (500, "capacity"),
        (200, "ok"),
        (200, "ok"),
    ]


@pytest.mark.parametrize("outcome", FAILURES)
def test_a_refused_resize_answers_the_providers_error(store, compute, outcome):
    instance = compute.launch_instance(details()).data
    scenario(store, f"update={outcome}")
    error = refused(lambda: _resize(compute, instance.id, 2, 12))
    assert as_service_error(error) == provider_errors.rejection(outcome, shape=A1, image_id=PLACEHOLDERS["image_ocid"])
    assert store.instances()[0]["shape_config"] == {"ocpus": 1, "memory_in_gbs": 6}


def test_update_of_an_unknown_instance_is_a_404(compute):
    assert refused(lambda: _resize(compute, "ocid1.instance.oc1.sim-region-1.anunknown", 2, 12)).status == 404


# ----- InstanceAction, TerminateInstance -----


def test_start_brings_a_stopped_instance_back_under_the_start_outcomes(store, compute):
    scenario(store, "start=capacity,ok")
    instance = compute.launch_instance(details()).data
    store.set_lifecycle_state(instance.id, "STOPPED")
    error = refused(lambda: compute.instance_action(instance.id, "START"))
    assert (error.status, error.message) == (500, "Out of host capacity.")
    assert compute.instance_action(instance.id, "START").data.lifecycle_state == "STARTING"
    assert compute.get_instance(instance.id).data.lifecycle_state == "RUNNING"
    assert [(c["action"], c["outcome"], c["status"]) for c in calls(store, "InstanceAction")] == [
        ("START", "capacity", 500),
        ("START", "ok", 200),
    ]


@pytest.mark.parametrize("outcome", FAILURES)
def test_a_refused_start_answers_the_providers_error(store, compute, outcome):
    instance = compute.launch_instance(details()).data
    store.set_lifecycle_state(instance.id, "STOPPED")
    scenario(store, f"start={outcome}")
    error = refused(lambda: compute.instance_action(instance.id, "START"))
    assert as_service_error(error) == provider_errors.rejection(outcome, shape=A1, image_id=PLACEHOLDERS["image_ocid"])
    assert store.instances()[0]["lifecycle_state"] == "STOPPED"


@pytest.mark.parametrize(
    "action, states",
    [
        ("STOP", ["STOPPING", "STOPPED"]),
        ("SOFTSTOP", ["STOPPING", "STOPPED"]),
        ("RESET", ["STOPPING", "STARTING", "RUNNING"]),
    ],
)
def test_stop_softstop_and_reset(compute, action, states):
    instance = compute.launch_instance(details()).data
    answered = compute.instance_action(instance.id, action).data.lifecycle_state
    assert [answered] + [compute.get_instance(instance.id).data.lifecycle_state for _ in states[1:]] == states


def test_an_unknown_action_or_one_in_the_wrong_state_is_refused(compute):
    instance = compute.launch_instance(details()).data
    assert (refused(lambda: compute.instance_action(instance.id, "DANCE")).status, 400) == (400, 400)
    compute.instance_action(instance.id, "STOP")
    error = refused(lambda: compute.instance_action(instance.id, "RESET"))
    assert (error.status, error.code) == (409, "IncorrectState")


def test_terminate_answers_204_and_the_instance_shows_terminated(store, compute, network):
    instance = compute.launch_instance(details()).data
    response = compute.terminate_instance(instance.id)
    assert (response.status, response.data) == (204, None)
    assert compute.get_instance(instance.id).data.lifecycle_state == "TERMINATED"
    [attachment] = compute.list_vnic_attachments(COMPARTMENT, instance_id=instance.id).data
    assert attachment.lifecycle_state == "DETACHED"
    assert refused(lambda: network.get_vnic(attachment.vnic_id)).status == 404
    assert refused(lambda: compute.terminate_instance("ocid1.instance.oc1.sim-region-1.anunknown")).status == 404
    assert [c["status"] for c in calls(store, "TerminateInstance")] == [204, 404]


# ----- ListVnicAttachments, GetVnic: how a launch script reads the public IP -----


def test_the_public_ip_through_the_vnic_attachment(store, compute, network):
    instance = compute.launch_instance(details()).data
    other = compute.launch_instance(details(shape=MICRO, name="other")).data
    [attachment] = compute.list_vnic_attachments(COMPARTMENT, instance_id=instance.id).data
    assert (attachment.instance_id, attachment.lifecycle_state, attachment.availability_domain) == (
        instance.id,
        "ATTACHED",
        AD1,
    )
    vnic = network.get_vnic(attachment.vnic_id).data
    [stored] = [i for i in store.instances() if i["id"] == instance.id]
    assert (vnic.public_ip, vnic.private_ip, vnic.is_primary) == (stored["public_ip"], stored["private_ip"], True)
    first = compute.list_vnic_attachments(COMPARTMENT, limit=1)
    second = compute.list_vnic_attachments(COMPARTMENT, limit=1, page=first.next_page)
    assert {a.instance_id for a in first.data + second.data} == {instance.id, other.id} and not second.has_next_page
    assert [c["op"] for c in store.calls()][-4:] == [
        "ListVnicAttachments",
        "GetVnic",
        "ListVnicAttachments",
        "ListVnicAttachments",
    ]


# ----- authentication -----


@pytest.mark.parametrize("change", ["fingerprint", "user", "tenancy"])
def test_a_key_id_that_does_not_name_the_uploaded_key_is_refused(store, endpoint, keys, change):
    wrong = {
        "fingerprint": "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff",
        "user": "ocid1.user.oc1..aaaaaaaaother",
        "tenancy": "ocid1.tenancy.oc1..aaaaaaaaother",
    }
    # The signature verifies (the right key signs); only the keyId lies.
    stranger = client(oci.core.ComputeClient, endpoint, keys["uploaded"][0], **{change: wrong[change]})
    error = refused(lambda: stranger.list_instances(COMPARTMENT))
    assert (error.status, error.code) == (401, "NotAuthenticated")
    assert (store.calls()[-1]["op"], store.calls()[-1]["status"]) == ("ListInstances", 401)


@pytest.mark.parametrize(
    "skew, status", [(timedelta(minutes=-6), 401), (timedelta(minutes=6), 401), (timedelta(minutes=4), 200)]
)
def test_a_date_more_than_five_minutes_off_is_refused(store, compute, skew, status):
    # The SDK's signer keeps a Date header that is already set, and signs it.
    compute.base_client.session.headers["date"] = format_datetime(datetime.now(UTC) + skew, usegmt=True)
    if status == 200:
        assert compute.list_instances(COMPARTMENT).status == 200
    else:
        assert (refused(lambda: compute.list_instances(COMPARTMENT)).code, store.calls()[-1]["status"]) == (
            "NotAuthenticated",
            401,
        )


def test_an_unsigned_request_is_refused(store, endpoint):
    answer = requests.get(f"{endpoint.url}/20160918/instances", params={"compartmentId": COMPARTMENT}, timeout=10)
    assert (answer.status_code, answer.json()["code"]) == (401, "NotAuthenticated")


# ----- OCI's JSON errors for what no route serves -----


@pytest.mark.parametrize(
    "method, path, status, code",
    [
        ("GET", "/20160918/nothingHere", 404, "NotAuthorizedOrNotFound"),
        ("DELETE", "/", 404, "NotAuthorizedOrNotFound"),
        ("PATCH", "/20160918/instances", 405, "MethodNotAllowed"),
        ("BREW", "/20160918/instances/ocid1.instance.oc1.sim-region-1.anx", 405, "MethodNotAllowed"),
    ],
)
def test_unknown_routes_and_methods_answer_ocis_json_errors(store, endpoint, method, path, status, code):
    answer = requests.request(method, endpoint.url + path, headers={"opc-request-id": "CLIENTID"}, timeout=10)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["code"] == code and answer.json()["message"]
    assert answer.headers["opc-request-id"].startswith("CLIENTID/")
    [call] = store.calls()
    assert (call["op"], call["method"], call["path"], call["status"]) == ("Unrouted", method, path, status)
    assert call["opc_request_id"] == answer.headers["opc-request-id"]


def test_a_body_that_is_not_json_is_a_400(compute, endpoint):
    # Sign a raw request the way the SDK does, with a body the SDK would never send.
    signer = compute.base_client.signer
    answer = requests.post(
        f"{endpoint.url}/20160918/instances",
        data=b"{not json",
        auth=signer,
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "CannotParseRequest")


def test_a_request_http_server_cannot_parse_still_gets_json(store, endpoint):
    host, port = endpoint.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"GET / HTTP/1.x\r\n\r\n")
        answer = connection.makefile("rb").read().decode()
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 400 ") and "opc-request-id: " in head
    assert json.loads(body)["code"] == "BadRequest"
    assert [(c["op"], c["status"]) for c in store.calls()] == [("Unrouted", 400)]


# ----- If-Match, sort order, work requests, keep-alive -----


def test_update_with_a_stale_if_match_is_412_and_changes_nothing(store, compute):
    launched = compute.launch_instance(details())
    rename = oci.core.models.UpdateInstanceDetails(display_name="renamed")
    renamed = compute.update_instance(launched.data.id, rename, if_match=launched.headers["etag"])
    assert renamed.data.display_name == "renamed" and renamed.headers["etag"] != launched.headers["etag"]
    error = refused(
        lambda: compute.update_instance(
            launched.data.id,
            oci.core.models.UpdateInstanceDetails(display_name="stale"),
            if_match=launched.headers["etag"],
        )
    )
    assert (error.status, error.code) == (412, "NoEtagMatch")
    assert (
        refused(lambda: compute.terminate_instance(launched.data.id, if_match=launched.headers["etag"])).status == 412
    )
    current = compute.get_instance(launched.data.id)
    assert (current.data.display_name, current.data.lifecycle_state) == ("renamed", "RUNNING")
    assert current.headers["etag"] == renamed.headers["etag"]
    assert [c["status"] for c in calls(store, "UpdateInstance")] == [200, 412]


def test_list_instances_sorts_by_time_or_name_either_way(compute):
    for name in ("b", "a", "c"):
        compute.launch_instance(details(shape=MICRO, name=name))

    def names(**sort):
        return [i.display_name for i in compute.list_instances(COMPARTMENT, **sort).data]

    assert names() == ["c", "a", "b"]
    assert names(sort_order="ASC") == ["b", "a", "c"]
    assert names(sort_by="DISPLAYNAME") == ["a", "b", "c"]
    assert names(sort_by="DISPLAYNAME", sort_order="DESC") == ["c", "b", "a"]


def test_an_unknown_sort_is_a_400(compute, endpoint):
    answer = requests.get(
        f"{endpoint.url}/20160918/instances",
        params={"compartmentId": COMPARTMENT, "sortBy": "SIZE"},
        auth=compute.base_client.signer,
        timeout=10,
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "InvalidParameter")


def test_launch_update_and_terminate_each_open_a_work_request(store, compute, endpoint, keys):
    work_requests = client(oci.work_requests.WorkRequestClient, endpoint, keys["uploaded"][0])
    launched = compute.launch_instance(details())
    assert launched.headers["location"] == f"{endpoint.url}/20160918/instances/{launched.data.id}"
    resize = oci.core.models.UpdateInstanceDetails(
        shape_config=oci.core.models.UpdateInstanceShapeConfigDetails(ocpus=2, memory_in_gbs=12)
    )
    updated = compute.update_instance(launched.data.id, resize)
    terminated = compute.terminate_instance(launched.data.id)
    launch, update, termination = (
        work_requests.get_work_request(response.headers["opc-work-request-id"]).data
        for response in (launched, updated, terminated)
    )
    assert [(w.operation_type, w.status) for w in (launch, update, termination)] == [
        ("LaunchInstance", "SUCCEEDED"),
        ("UpdateInstance", "FAILED"),  # its instance was terminated while rebooting
        ("TerminateInstance", "SUCCEEDED"),
    ]
    [error] = work_requests.list_work_request_errors(update.id).data
    assert launched.data.id in error.message
    assert work_requests.list_work_request_errors(launch.id).data == []
    listed = work_requests.list_work_requests(COMPARTMENT, limit=2)
    assert [w.id for w in listed.data] == [termination.id, update.id] and listed.has_next_page
    missing = refused(lambda: work_requests.get_work_request("ocid1.coreservicesworkrequest.oc1.sim-region-1.x"))
    assert (missing.status, missing.code) == (404, "NotAuthorizedOrNotFound")
    assert [(c["status"], c.get("work_request_status")) for c in calls(store, "GetWorkRequest")] == [
        (200, "SUCCEEDED"),
        (200, "FAILED"),
        (200, "SUCCEEDED"),
        (404, None),
    ]


def test_one_connection_carries_many_requests_each_with_its_length(store, endpoint):
    import http.client

    host, port = endpoint.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    answers = []
    for path in ("/20160918/instances", "/20160918/nothingHere", "/20160918/instances"):
        connection.request("GET", path)
        answer = connection.getresponse()
        body = answer.read()
        answers.append((answer.version, answer.status, int(answer.headers["content-length"]) == len(body)))
        assert not answer.will_close
    connection.close()
    assert answers == [(11, 401, True), (11, 404, True), (11, 401, True)]
    assert len(store.calls()) == 3
