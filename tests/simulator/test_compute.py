"""The instance operations, through the store (compute.py): launch outcomes, A1 limits, resize,
actions and the states they step through, retry tokens, CPU series."""

import re

import pytest

from orchestrator.simulator import provider_errors
from orchestrator.simulator.compute import Answer
from orchestrator.simulator.seed import PLACEHOLDERS
from orchestrator.simulator.store import CloudStore

LAUNCH = {
    "availability_domain": PLACEHOLDERS["availability_domains"][0],
    "compartment_id": PLACEHOLDERS["compartment_ocid"],
    "display_name": "coinpilot-a1",
    "shape": "VM.Standard.A1.Flex",
    "shape_config": {"ocpus": 2, "memory_in_gbs": 12},
    "source_details": {"source_type": "image", "source_id": PLACEHOLDERS["image_ocid"]},
    "create_vnic_details": {"subnet_id": PLACEHOLDERS["subnet_ocid"], "assign_public_ip": True},
    "metadata": {"ssh_authorized_keys": "ssh-ed25519 AAAA test"},
    "freeform_tags": {"coinpilot-tf": "coinpilot-a1"},
}


def test_instance_lifecycle(tmp_path):
    store = CloudStore.ensure(tmp_path, "ok")
    launch = store.launch_instance(LAUNCH)
    assert launch.outcome == "ok"
    instance = launch.instance
    assert re.fullmatch(r"ocid1\.instance\.oc1\.sim-region-1\.[a-z0-9]{60}", instance["id"])
    assert instance["lifecycle_state"] == "RUNNING"
    assert instance["shape_config"] == {"ocpus": 2, "memory_in_gbs": 12}
    assert instance["public_ip"] and instance["private_ip"]
    assert store.get_instance(instance["id"]) == instance
    assert store.list_instances(PLACEHOLDERS["compartment_ocid"]) == [instance]
    assert store.list_instances("ocid1.compartment.oc1..other") == []
    assert store.update_instance(instance["id"], {"display_name": "renamed"}).instance["display_name"] == "renamed"
    assert store.terminate_instance(instance["id"])["lifecycle_state"] == "TERMINATED"
    assert store.instances()[0]["lifecycle_state"] == "TERMINATED"
    assert store.get_instance("ocid1.instance.oc1.sim-region-1.gone") is None
    assert store.terminate_instance("ocid1.instance.oc1.sim-region-1.gone") is None


@pytest.mark.parametrize(
    "outcome, lifecycle_state",
    [("ok", "RUNNING"), ("timeout_running", "RUNNING"), ("timeout_terminated", "TERMINATED"), ("lost", "RUNNING")],
)
def test_accepted_outcomes_create_the_instance(tmp_path, outcome, lifecycle_state):
    launch = CloudStore.ensure(tmp_path, outcome).launch_instance(LAUNCH)
    assert launch.outcome == outcome
    assert launch.instance["lifecycle_state"] == lifecycle_state


def test_rejected_outcome_creates_nothing(tmp_path):
    store = CloudStore.ensure(tmp_path, "capacity")
    assert store.launch_instance(LAUNCH).instance is None
    assert store.instances() == []


def test_a1_limits_turn_a_second_launch_into_limit_exceeded(tmp_path):
    store = CloudStore.ensure(tmp_path, "ok")
    assert store.launch_instance(LAUNCH).outcome == "ok"
    limit = provider_errors.rejection("limit", shape="VM.Standard.A1.Flex", image_id=PLACEHOLDERS["image_ocid"])
    assert store.launch_instance(LAUNCH) == Answer("limit", None, limit)
    assert len(store.instances()) == 1
    store.terminate_instance(store.instances()[0]["id"])
    assert store.launch_instance(LAUNCH).outcome == "ok"


# ----- operations after the launch -----


SMALL = {**LAUNCH, "shape_config": {"ocpus": 1, "memory_in_gbs": 6}}


def _states_polled(store, instance_id, polls):
    return [
        (i["lifecycle_state"], i["shape_config"]["ocpus"])
        for i in (store.get_instance(instance_id) for _ in range(polls))
    ]


def test_a_resize_reboots_and_then_reports_the_new_size(tmp_path):
    store = CloudStore.ensure(tmp_path, "launch=ok;update=capacity*2,ok")
    instance = store.launch_instance(SMALL).instance
    for _ in range(2):
        answer = store.update_instance(instance["id"], {"shape_config": {"ocpus": 2, "memory_in_gbs": 12}})
        assert answer.outcome == "capacity"
        assert (answer.error.status, answer.error.code, answer.error.message) == (
            500,
            "InternalError",
            "Out of host capacity.",
        )
        assert store.instances()[0]["shape_config"] == {"ocpus": 1, "memory_in_gbs": 6}
        assert store.instances()[0]["lifecycle_state"] == "RUNNING"
    answer = store.update_instance(instance["id"], {"shape_config": {"ocpus": 2, "memory_in_gbs": 12}})
    assert (answer.outcome, answer.error, answer.instance["lifecycle_state"]) == ("ok", None, "STOPPING")
    assert _states_polled(store, instance["id"], 3) == [("STARTING", 1), ("RUNNING", 2), ("RUNNING", 2)]
    assert store.instances()[0]["shape_config"] == {"ocpus": 2, "memory_in_gbs": 12}


def test_an_update_without_a_new_size_takes_no_outcome(tmp_path):
    store = CloudStore.ensure(tmp_path, "update=capacity")
    instance = store.launch_instance(LAUNCH).instance
    answer = store.update_instance(instance["id"], {"display_name": "renamed", "shape_config": {"ocpus": 2}})
    assert (answer.outcome, answer.error, answer.instance["lifecycle_state"]) == ("ok", None, "RUNNING")
    assert store.next_outcome("update") == "capacity"


def test_a_resize_beyond_the_a1_allowance_is_limit_exceeded(tmp_path):
    store = CloudStore.ensure(tmp_path)
    instance = store.launch_instance(SMALL).instance
    answer = store.update_instance(instance["id"], {"shape_config": {"ocpus": 3}})
    assert (answer.outcome, answer.error.code) == ("limit", "LimitExceeded")
    assert store.update_instance(instance["id"], {"shape_config": {"ocpus": 2}}).error is None


def test_a_stopped_instance_is_resized_at_once_and_stays_stopped(tmp_path):
    store = CloudStore.ensure(tmp_path)
    instance = store.launch_instance(SMALL).instance
    store.set_lifecycle_state(instance["id"], "STOPPED")
    answer = store.update_instance(instance["id"], {"shape_config": {"ocpus": 2, "memory_in_gbs": 12}})
    assert (answer.instance["lifecycle_state"], answer.instance["shape_config"]["ocpus"]) == ("STOPPED", 2)


def test_start_follows_the_start_outcomes(tmp_path):
    store = CloudStore.ensure(tmp_path, "start=capacity,ok")
    instance = store.launch_instance(LAUNCH).instance
    assert store.instance_action(instance["id"], "START").instance["lifecycle_state"] == "RUNNING"  # nothing to do
    store.set_lifecycle_state(instance["id"], "STOPPED")
    refused = store.instance_action(instance["id"], "START")
    assert (refused.outcome, refused.error.message, refused.instance["lifecycle_state"]) == (
        "capacity",
        "Out of host capacity.",
        "STOPPED",
    )
    started = store.instance_action(instance["id"], "START")
    assert (started.outcome, started.error, started.instance["lifecycle_state"]) == ("ok", None, "STARTING")
    assert _states_polled(store, instance["id"], 2) == [("RUNNING", 2), ("RUNNING", 2)]


@pytest.mark.parametrize(
    "action, first, then",
    [
        ("STOP", "STOPPING", ["STOPPED"]),
        ("SOFTSTOP", "STOPPING", ["STOPPED"]),
        ("RESET", "STOPPING", ["STARTING", "RUNNING"]),
        ("SOFTRESET", "STOPPING", ["STARTING", "RUNNING"]),
    ],
)
def test_other_actions_move_through_their_states(tmp_path, action, first, then):
    store = CloudStore.ensure(tmp_path, "start=capacity")
    instance = store.launch_instance(LAUNCH).instance
    assert store.instance_action(instance["id"], action).instance["lifecycle_state"] == first
    assert [i["lifecycle_state"] for i in store.list_instances(PLACEHOLDERS["compartment_ocid"])] == then[:1]
    assert [store.get_instance(instance["id"])["lifecycle_state"] for _ in then[1:]] == then[1:]
    assert store.next_outcome("start") == "capacity"  # only START takes outcomes


def test_actions_and_updates_on_an_instance_in_the_wrong_state(tmp_path):
    store = CloudStore.ensure(tmp_path)
    instance = store.launch_instance(SMALL).instance
    # RESET: STOPPING, then STARTING and RUNNING, one step per call on the instance.
    assert store.instance_action(instance["id"], "RESET").instance["lifecycle_state"] == "STOPPING"
    stop = store.instance_action(instance["id"], "STOP")
    assert (stop.instance["lifecycle_state"], stop.error.status, stop.error.code) == ("STARTING", 409, "IncorrectState")
    assert store.instance_action(instance["id"], "RESET").instance["lifecycle_state"] == "STOPPING"
    resize = store.update_instance(instance["id"], {"shape_config": {"ocpus": 2}})
    assert (resize.instance["lifecycle_state"], resize.error.code) == ("STARTING", "IncorrectState")
    start = store.instance_action(instance["id"], "START")  # RUNNING by now: nothing to do
    assert (start.instance["lifecycle_state"], start.error) == ("RUNNING", None)
    store.terminate_instance(instance["id"])
    assert store.instance_action(instance["id"], "START").error.code == "IncorrectState"
    assert store.instance_action("ocid1.instance.oc1.sim-region-1.gone", "START").error == provider_errors.NOT_FOUND
    assert store.update_instance("ocid1.instance.oc1.sim-region-1.gone", {}).error == provider_errors.NOT_FOUND


def test_the_same_retry_token_launches_once(tmp_path):
    store = CloudStore.ensure(tmp_path, "capacity,ok")
    assert store.launch_instance(SMALL, retry_token="t1").outcome == "capacity"
    first = store.launch_instance(SMALL, retry_token="t1")
    again = store.launch_instance(SMALL, retry_token="t1")
    assert (first.outcome, first.replayed, again.replayed) == ("ok", False, True)
    assert again.instance["id"] == first.instance["id"]
    assert store.launch_instance(SMALL, retry_token="t2").instance["id"] != first.instance["id"]
    assert len(store.instances()) == 2


def test_cpu_utilisation_is_reported_once_set(tmp_path):
    store = CloudStore.ensure(tmp_path)
    instance = store.launch_instance(LAUNCH).instance
    assert store.cpu_utilisation(PLACEHOLDERS["compartment_ocid"]) == {}
    store.set_cpu_utilisation(instance["id"], 5.0)
    assert store.cpu_utilisation(PLACEHOLDERS["compartment_ocid"]) == {instance["id"]: 5.0}
    assert store.cpu_utilisation("ocid1.compartment.oc1..other") == {}
