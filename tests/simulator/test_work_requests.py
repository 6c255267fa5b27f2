"""Lifecycle with time and the work requests that follow it, on the cloud's data with the clock
given: PROVISIONING then RUNNING, TERMINATING then TERMINATED, and ACCEPTED, IN_PROGRESS, then
SUCCEEDED or FAILED."""

import time

from orchestrator.simulator import compute, work_requests
from orchestrator.simulator.seed import seed

from .test_compute import LAUNCH

LATER = time.time() + 3600  # long after any operation of these tests is due


def _launched(cloud, seconds=10, outcome="ok"):
    cloud["scenario"]["launch"] = [outcome]
    instance = compute.launch(cloud, LAUNCH, None, provisioning_seconds=seconds).instance
    return instance, work_requests.open_request(cloud, "LaunchInstance", instance, seconds)


def _states(cloud, instance_id, work_request_id, now):
    compute.settle(cloud, now)
    work_requests.settle(cloud, now)
    return compute.find(cloud, instance_id)["lifecycle_state"], work_requests.get(cloud, work_request_id, now)["status"]


def test_a_launch_is_provisioning_then_running_and_its_work_request_follows():
    cloud = seed()
    instance, opened = _launched(cloud)
    assert (instance["lifecycle_state"], opened["status"], opened["percent_complete"]) == (
        "PROVISIONING",
        "ACCEPTED",
        0,
    )
    accepted = opened["time_accepted"]
    [record] = cloud["work_requests"]
    # Half the time accepted, then in progress until the instance is due.
    in_progress = record["started_at"]
    assert in_progress < instance["settles"]["at"]
    assert _states(cloud, instance["id"], opened["id"], in_progress) == ("PROVISIONING", "IN_PROGRESS")
    assert _states(cloud, instance["id"], opened["id"], LATER) == ("RUNNING", "SUCCEEDED")
    done = work_requests.get(cloud, opened["id"], LATER)
    assert done["time_accepted"] == accepted <= done["time_started"] <= done["time_finished"]
    assert done["resources"][0]["action_type"] == "CREATED" and done["percent_complete"] == 100
    # Terminating it later leaves the launch's outcome as it was.
    terminating = compute.terminate(cloud, instance["id"], 10, None).instance
    assert _states(cloud, instance["id"], opened["id"], terminating["settles"]["at"] - 1) == (
        "TERMINATING",
        "SUCCEEDED",
    )


def test_a_termination_is_terminating_then_terminated():
    cloud = seed()
    instance, _ = _launched(cloud, seconds=0)
    assert instance["lifecycle_state"] == "RUNNING"
    answer = compute.terminate(cloud, instance["id"], 10, None)
    assert answer.instance["lifecycle_state"] == "TERMINATING"
    termination = work_requests.open_request(cloud, "TerminateInstance", answer.instance, 10)
    assert _states(cloud, instance["id"], termination["id"], LATER) == ("TERMINATED", "SUCCEEDED")
    assert work_requests.get(cloud, termination["id"], LATER)["resources"][0]["action_type"] == "DELETED"


def test_a_launch_whose_instance_is_terminated_fails():
    cloud = seed()
    instance, opened = _launched(cloud, outcome="timeout_terminated")
    assert _states(cloud, instance["id"], opened["id"], LATER) == ("TERMINATED", "FAILED")


def test_without_seconds_everything_is_done_at_once():
    cloud = seed()
    instance, opened = _launched(cloud, seconds=0)
    assert (instance["lifecycle_state"], opened["status"]) == ("RUNNING", "SUCCEEDED")


def test_polling_a_resizes_work_request_alone_moves_the_reboot_on():
    cloud = seed()
    instance, _ = _launched(cloud, seconds=0)
    resized = compute.update(cloud, instance["id"], {"shape_config": {"ocpus": 1, "memory_in_gbs": 6}}).instance
    assert resized["lifecycle_state"] == "STOPPING"
    update = work_requests.open_request(cloud, "UpdateInstance", resized, 0)
    polled = [work_requests.get(cloud, update["id"], LATER)["status"] for _ in range(3)]
    assert polled == ["IN_PROGRESS", "SUCCEEDED", "SUCCEEDED"]
    assert compute.find(cloud, instance["id"])["lifecycle_state"] == "RUNNING"


def test_the_work_requests_of_a_compartment_newest_first():
    cloud = seed()
    instance, launch = _launched(cloud, seconds=0)
    answer = compute.terminate(cloud, instance["id"], 0, None)
    termination = work_requests.open_request(cloud, "TerminateInstance", answer.instance, 0)
    listed = work_requests.listed(cloud, LAUNCH["compartment_id"], LATER)
    assert [w["id"] for w in listed] == [termination["id"], launch["id"]]
    assert work_requests.listed(cloud, "ocid1.compartment.oc1..other", LATER) == []
    assert work_requests.get(cloud, "ocid1.coreservicesworkrequest.oc1.sim-region-1.unknown", LATER) is None


def test_an_if_match_that_is_not_the_etag_changes_nothing():
    cloud = seed()
    instance, _ = _launched(cloud, seconds=0)
    stale = compute.etag(instance)
    assert compute.update(cloud, instance["id"], {"display_name": "renamed"}, if_match=stale).error is None
    for refused in (
        compute.update(cloud, instance["id"], {"display_name": "again"}, if_match=stale),
        compute.act(cloud, instance["id"], "STOP", if_match=stale),
        compute.terminate(cloud, instance["id"], 0, stale),
    ):
        assert (refused.error.status, refused.error.code) == (412, "NoEtagMatch")
    current = compute.find(cloud, instance["id"])
    assert (current["display_name"], current["lifecycle_state"]) == ("renamed", "RUNNING")
    assert compute.act(cloud, instance["id"], "STOP", if_match=compute.etag(current)).error is None


def test_a_retried_launch_or_a_second_termination_answers_the_first_work_request():
    cloud = seed()
    instance, launch = _launched(cloud)
    assert work_requests.open_request(cloud, "LaunchInstance", instance, 10)["id"] == launch["id"]
    terminations = [
        work_requests.open_request(
            cloud, "TerminateInstance", compute.terminate(cloud, instance["id"], 10, None).instance, 10
        )
        for _ in range(2)
    ]
    assert terminations[0]["id"] == terminations[1]["id"]
    assert len(cloud["work_requests"]) == 2
