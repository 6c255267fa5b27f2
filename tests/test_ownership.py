"""Which instances are ours, and which one is kept: the same answer for reconcile, doctor and the
simulated Oracle (`simulate stop|terminate|cpu`)."""

import json
from datetime import UTC, datetime

import pytest

from orchestrator.instance import Instance
from orchestrator.ownership import GONE_STATES, OWNERSHIP_TAG_KEY, is_ours, ours_oldest_first
from orchestrator.simulator import actions
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

NAME = "coinpilot-ins"


def at(day: int) -> datetime:
    return datetime(2026, 6, day, 9, tzinfo=UTC)


def test_ours_by_display_name_or_by_tag_and_only_while_live():
    assert is_ours(Instance("a", display_name=NAME, lifecycle_state="RUNNING"), NAME)
    assert is_ours(Instance("b", display_name="web", freeform_tags={OWNERSHIP_TAG_KEY: NAME}), NAME)
    assert not is_ours(Instance("c", display_name="web", freeform_tags={OWNERSHIP_TAG_KEY: "other"}), NAME)
    for gone in GONE_STATES:
        assert not is_ours(Instance("d", display_name=NAME, lifecycle_state=gone), NAME)
    assert is_ours(Instance("e", display_name=NAME, lifecycle_state="STOPPED"), NAME)


def test_the_oldest_is_kept_and_one_of_unknown_age_comes_last():
    newest = Instance("new", display_name=NAME, time_created=at(3))
    unknown = Instance("unknown", display_name=NAME)
    oldest = Instance("old", display_name=NAME, time_created=at(1))
    stranger = Instance("stranger", display_name="web", time_created=at(1))
    assert [i.id for i in ours_oldest_first([newest, unknown, stranger, oldest], NAME)] == ["old", "new", "unknown"]


@pytest.fixture
def store(tmp_path):
    return CloudStore.ensure(tmp_path / "simulator", "ok,ok")


def launch(store, created: datetime) -> str:
    instance = store.launch_instance(
        {
            "availability_domain": PLACEHOLDERS["availability_domains"][0],
            "compartment_id": PLACEHOLDERS["compartment_ocid"],
            "display_name": NAME,
            "shape": "VM.Standard.A1.Flex",
            "shape_config": {"ocpus": 1, "memory_in_gbs": 6},
            "source_details": {"source_type": "image", "source_id": PLACEHOLDERS["image_ocid"]},
            "create_vnic_details": {"subnet_id": PLACEHOLDERS["subnet_ocid"], "assign_public_ip": True},
            "freeform_tags": {OWNERSHIP_TAG_KEY: NAME},
        }
    ).instance
    path = store.directory / "cloud.json"
    cloud = json.loads(path.read_text())
    for record in cloud["instances"]:
        if record["id"] == instance["id"]:
            record["time_created"] = created.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    path.write_text(json.dumps(cloud))
    return instance["id"]


def states(store) -> dict[str, str]:
    return {record["id"]: record["lifecycle_state"] for record in store.instances()}


def test_the_simulated_oracle_acts_on_the_instance_the_tool_keeps(store):
    """Before: the simulator picked the newest; reconcile adopts (and so keeps) the oldest."""
    newer, older = launch(store, at(3)), launch(store, at(1))

    actions.stop(store, NAME)

    assert states(store)[older] == "STOPPED"
    assert states(store)[newer] != "STOPPED"


def test_the_simulated_oracle_leaves_a_terminating_instance_alone(store):
    """Before: only TERMINATED was gone to the simulator, so it 'stopped' a TERMINATING instance,
    which OCI refuses; reconcile never calls one ours."""
    live, terminating = launch(store, at(1)), launch(store, at(3))
    store.set_lifecycle_state(terminating, "TERMINATING")

    actions.stop(store, NAME)

    assert states(store) == {live: "STOPPED", terminating: "TERMINATING"}
