"""in_child.call: a one-off call in a child Python; its answer or its exception comes back."""

import os

import pytest

from orchestrator import in_child, launch_inputs, oci_api
from orchestrator.cloud import OciCloud
from orchestrator.config import load_settings, with_placeholders
from orchestrator.errors import ToolError, UsageError
from orchestrator.simulator.cloud import SimulatedCloud
from orchestrator.simulator.store import PLACEHOLDERS
from orchestrator.size import Size
from orchestrator.workdir import Workdir

from .session import REPOSITORY

COMPARTMENT = PLACEHOLDERS["compartment_ocid"]


def compartment_instances(cloud, profile: str, compartment_id: str):
    """ListInstances through the cloud's API: a module-level function the child imports from here."""
    with cloud.api(profile) as api:
        return api.list_instances(compartment_id)


@pytest.fixture(autouse=True)
def tests_importable(monkeypatch):
    """The child imports compartment_instances from this module (PYTHONPATH reaches it)."""
    monkeypatch.setenv("PYTHONPATH", REPOSITORY)


def test_the_call_runs_in_another_process_and_its_result_comes_back():
    assert in_child.call(os.getpid) != os.getpid()


def simulated(store) -> SimulatedCloud:
    return SimulatedCloud(store.directory, Workdir(store.directory))


def test_the_simulated_compartment_is_listed_through_the_sdk_in_the_child(store):
    assert in_child.call(compartment_instances, simulated(store), "DEFAULT", COMPARTMENT) == []
    assert [call["op"] for call in store.calls()] == ["ListInstances"]


def test_an_api_error_comes_back_with_its_fields(store):
    with pytest.raises(oci_api.ApiError) as caught:
        in_child.call(compartment_instances, simulated(store), "DEFAULT", "ocid1.compartment.oc1..aaaaaaaaunknown")
    error = caught.value
    assert (error.operation, error.status, error.code) == ("ListInstances", 404, "NotAuthorizedOrNotFound")
    assert error.request_id == store.calls()[-1]["opc_request_id"]


def test_a_usage_error_comes_back_naming_the_field(isolated_home):
    with pytest.raises(UsageError) as caught:  # real mode, and this HOME has no ~/.oci/config
        in_child.call(compartment_instances, OciCloud(), "DEFAULT", COMPARTMENT)
    assert caught.value.field == "OCI_PROFILE"
    assert str(isolated_home / ".oci" / "config") in caught.value.problem


def test_a_child_that_ends_without_answering_is_a_tool_error():
    with pytest.raises(ToolError, match=r"ended before it answered \(exit code 3\)"):
        in_child.call(os._exit, 3)


def test_image_discovery_and_the_ads_for_all_come_back_from_the_child(tmp_path):
    workdir = Workdir(tmp_path / "workdir")
    cloud = SimulatedCloud(tmp_path / "simulator", workdir, "ok")
    cloud.all_availability_domains = ()  # as with OCI: 'all' has to be asked
    settings = with_placeholders(load_settings({}, {}, None), cloud.placeholders)
    cloud.prepare(settings)
    settings = settings.replace(image_ocid=None, availability_domains=("all",))
    assert launch_inputs._calls_oci(cloud, workdir, settings, False)

    asked, ads, allowance = in_child.call(launch_inputs.ask_oci, cloud, workdir, settings, False, True)

    assert asked.image_ocid == PLACEHOLDERS["image_ocid"]
    assert ads == tuple(PLACEHOLDERS["availability_domains"])
    assert (allowance.size, allowance.used, allowance.read) == (Size(2, 12), Size(0, 0), True)
    # The discovered image is recorded in the workdir: the next run needs no call for it.
    assert not launch_inputs._calls_oci(cloud, workdir, settings.replace(availability_domains=ads[:1]), False)
