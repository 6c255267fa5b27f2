"""The store: the user's own ids joining the cloud, the scenario cursor, the call log, concurrent writers."""

import json
import multiprocessing
import re

import pytest

from orchestrator.errors import UsageError
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

from .test_compute import LAUNCH


def test_user_ocids_join_the_cloud(tmp_path):
    compartment = "ocid1.compartment.oc1..aaaaaaaauserownedcompartment"
    subnet = "ocid1.subnet.oc1.eu-frankfurt-1.aaaaaaaausersubnet"
    store = CloudStore.ensure(tmp_path, compartment_ocid=compartment, subnet_ocid=subnet)
    assert store.get_subnet(subnet)["compartment_id"] == compartment
    assert store.get_subnet(PLACEHOLDERS["subnet_ocid"]) is not None
    CloudStore.ensure(tmp_path, compartment_ocid=compartment, subnet_ocid=subnet)
    cloud = json.loads((tmp_path / "cloud.json").read_text())
    assert cloud["compartments"].count(compartment) == 1
    assert [s["id"] for s in cloud["subnets"]].count(subnet) == 1


def test_scenario_is_consumed_and_its_last_outcome_repeats(tmp_path):
    store = CloudStore.ensure(tmp_path, "capacity*2,ok")
    assert [store.next_outcome("launch") for _ in range(4)] == ["capacity", "capacity", "ok", "ok"]


def test_new_scenario_restarts_outcomes_and_keeps_instances(tmp_path):
    store = CloudStore.ensure(tmp_path, "ok")
    store.launch_instance(LAUNCH)
    CloudStore.ensure(tmp_path, "throttle,ok")
    assert store.next_outcome("launch") == "throttle"
    assert len(store.instances()) == 1


def test_default_scenario_launches(tmp_path):
    assert CloudStore.ensure(tmp_path).next_outcome("launch") == "ok"


def test_bad_scenario_leaves_no_cloud_behind(tmp_path):
    with pytest.raises(UsageError):
        CloudStore.ensure(tmp_path / "simulator", "capacity*zero")
    assert not (tmp_path / "simulator").exists()


def test_call_log(tmp_path):
    store = CloudStore.ensure(tmp_path)
    request_id = store.log_call("GetInstance", instance_id="ocid1.instance.x")
    [call] = store.calls()
    assert call["op"] == "GetInstance"
    assert call["instance_id"] == "ocid1.instance.x"
    assert call["opc_request_id"] == request_id
    assert re.fullmatch(r"[0-9a-f]{32}/[0-9A-F]{32}/[0-9A-F]{32}", request_id)
    assert isinstance(call["ts"], float)
    assert [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()] == [call]


def _launch_many(directory, count):
    store = CloudStore(directory)
    for _ in range(count):
        store.log_call("LaunchInstance", outcome=store.launch_instance(LAUNCH).outcome)


def test_concurrent_processes_lose_no_update(tmp_path):
    # Terminated instances do not count against the limits, so every launch creates one.
    CloudStore.ensure(tmp_path, "timeout_terminated")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_launch_many, args=(tmp_path, 10)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [worker.exitcode for worker in workers] == [0] * 4
    cloud = json.loads((tmp_path / "cloud.json").read_text())
    assert cloud["consumed"]["launch"] == 40
    assert len({i["id"] for i in cloud["instances"]}) == 40
    assert len(CloudStore(tmp_path).calls()) == 40


def test_each_operation_consumes_its_own_outcomes(tmp_path):
    store = CloudStore.ensure(tmp_path, "launch=capacity,ok;update=throttle,ok;start=transient,ok")
    assert [store.next_outcome(op) for op in ("update", "launch", "start", "update", "launch", "start")] == [
        "throttle",
        "capacity",
        "transient",
        "ok",
        "ok",
        "ok",
    ]
    assert CloudStore.ensure(tmp_path, "capacity,ok").next_outcome("update") == "ok"
