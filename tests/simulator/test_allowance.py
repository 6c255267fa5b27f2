"""The simulated tenancy's A1 allowance: set, reported by the Limits API, enforced on launch; and
`simulate occupy`'s instance that is not ours."""

import pytest

from orchestrator.errors import UsageError
from orchestrator.simulator import actions
from orchestrator.simulator.cloud import parse_allowance
from orchestrator.simulator.store import CloudStore
from orchestrator.size import Size

from .test_rest import launch_details


def test_the_allowance_is_enforced_on_launch(tmp_path):
    store = CloudStore.ensure(tmp_path / "simulator", allowance=Size(4, 24))
    big = {"shape_config": {"ocpus": 4, "memory_in_gbs": 24}}
    assert store.launch_instance(launch_details(**big)).error is None
    assert store.launch_instance(launch_details(**big)).error.code == "LimitExceeded"
    # A later run without the setting keeps the cloud's allowance.
    CloudStore.ensure(store.directory)
    assert {u["name"]: u["limit"] for u in store.a1_usage()}["standard-a1-core-regional-count"] == 4


def test_an_occupying_instance_uses_the_allowance_and_is_refused_when_it_does_not_fit(tmp_path):
    store = CloudStore.ensure(tmp_path / "simulator")
    occupant = actions.occupy(store, Size(2, 12), None)
    assert (occupant["compartment_id"], occupant["lifecycle_state"]) == (actions.OTHER_COMPARTMENT, "RUNNING")
    assert actions.OTHER_COMPARTMENT in store.snapshot()["compartments"]
    assert store.launch_instance(launch_details()).error.code == "LimitExceeded"
    with pytest.raises(UsageError, match="does not fit what is left of the simulated allowance"):
        actions.occupy(store, Size(1, 6), None)
    with pytest.raises(UsageError, match="is not a compartment or tenancy OCID"):
        actions.occupy(store, Size(1, 6), "sandbox")


@pytest.mark.parametrize("text", ["x", "4", "0:12", "2:0", "4:24:1", "-1:6"])
def test_an_allowance_is_ocpus_colon_gb(text):
    with pytest.raises(UsageError, match="is not an allowance; give OCPUS:GB"):
        parse_allowance(text, "COINPILOT_TF_SIM_ALLOWANCE")
    assert parse_allowance(" 4:24 ", "X") == Size(4, 24)
