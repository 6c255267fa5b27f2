"""Real Terraform against the simulated provider, with the module the tool renders."""

import json

import pytest

from orchestrator.simulator import provider_errors
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

from .conftest import TFVARS

FAILING = ["capacity", "throttle", "transient", "limit", "auth", "invalid", "unavailable"]

EXPECTED_FIRST_LINE = {
    "capacity": "500-InternalError, Out of host capacity.",
    "throttle": "429-TooManyRequests, Too many requests for the tenant",
    "transient": "500-InternalError, An internal error occurred.",
    "limit": "400-LimitExceeded, The following service limits were exceeded: standard-a1-memory-count,"
    " standard-a1-memory-regional-count, standard-a1-core-count, standard-a1-core-regional-count."
    " Request a service limit increase from the service limits page in the console. ",
    "auth": "401-NotAuthenticated, The required information to complete authentication was not provided"
    " or was incorrect.",
    "invalid": f"400-InvalidParameter, Shape VM.Standard.A1.Flex is not valid for image {PLACEHOLDERS['image_ocid']}.",
    "unavailable": "404-NotAuthorizedOrNotFound, shape VM.Standard.A1.Flex not found",
}


def _new_calls(store, seen):
    return store.calls()[seen:]


def test_each_failure_is_one_launch_with_the_real_error_text(workdir):
    CloudStore.ensure(workdir.store.directory, ",".join(["capacity", *FAILING]))
    # A saved plan goes stale when the first failed apply writes the outputs into a new state;
    # from then on a failing apply leaves the state as it was and the plan can be reused.
    assert workdir.apply_json("-auto-approve")[0] == 1
    assert workdir.terraform("plan", "-input=false", "-out=tfplan").returncode == 0
    seen = len(workdir.store.calls())
    for outcome in FAILING:
        code, errors = workdir.apply_json("tfplan")
        [call] = _new_calls(workdir.store, seen)
        seen += 1
        assert code == 1
        assert (call["op"], call["outcome"]) == ("LaunchInstance", outcome)
        expected = provider_errors.service_error_text(
            provider_errors.rejection(outcome, shape="VM.Standard.A1.Flex", image_id=PLACEHOLDERS["image_ocid"]),
            provider_errors.launch_instance(),
            region="sim-region-1",
            opc_request_id=call["opc_request_id"],
        )
        assert errors == [expected]
        assert expected.split("\n")[0] == EXPECTED_FIRST_LINE[outcome]
    assert workdir.store.instances() == []


def test_a_terraform_that_starts_the_provider_itself_applies_the_module(workdir_started_by_terraform):
    """A hand-run Terraform (no reattach) finds the provider through dev_overrides, and it launches."""
    code, errors = workdir_started_by_terraform.apply_json("-auto-approve")
    assert (code, errors) == (0, [])
    assert [call["op"] for call in workdir_started_by_terraform.store.calls()].count("LaunchInstance") == 1


def test_ok_creates_the_instance_and_destroy_terminates_it(workdir):
    code, errors = workdir.apply_json("-auto-approve")
    assert (code, errors) == (0, [])
    [instance] = workdir.store.instances()
    assert instance["lifecycle_state"] == "RUNNING"
    assert instance["display_name"] == TFVARS["instance_name"]
    assert instance["freeform_tags"] == {"coinpilot-tf": TFVARS["instance_name"]}
    assert instance["metadata"] == {"ssh_authorized_keys": TFVARS["ssh_public_key"]}
    calls = [c["op"] for c in workdir.store.calls()]
    assert sorted(calls[:2]) == ["GetSubnet", "ListInstances"]  # the module's data sources
    assert calls[2:] == ["LaunchInstance", "GetInstance"]

    outputs = {name: o["value"] for name, o in json.loads(workdir.terraform("output", "-json").stdout).items()}
    assert outputs == {
        "instance_id": instance["id"],
        "public_ip": instance["public_ip"],
        "private_ip": instance["private_ip"],
        "availability_domain": TFVARS["availability_domain"],
        "state": "RUNNING",
        "ocpus": 2,
        "memory_gbs": 12,
        "vcn_id": workdir.store.get_subnet(TFVARS["subnet_ocid"])["vcn_id"],
    }

    assert workdir.terraform("plan", "-detailed-exitcode").returncode == 0

    destroyed = workdir.terraform("destroy", "-auto-approve")
    assert destroyed.returncode == 0, destroyed.stderr
    assert workdir.store.instances()[0]["lifecycle_state"] == "TERMINATED"
    assert workdir.store.calls()[-1]["op"] == "TerminateInstance"
    assert workdir.instance_in_state() is None


def test_import_adopts_an_instance_and_plans_no_change(workdir):
    instance = workdir.store.launch_instance(
        {
            "availability_domain": TFVARS["availability_domain"],
            "compartment_id": TFVARS["compartment_ocid"],
            "display_name": TFVARS["instance_name"],
            "shape": "VM.Standard.A1.Flex",
            "shape_config": {"ocpus": 2, "memory_in_gbs": 12},
            "source_details": {"source_type": "image", "source_id": TFVARS["image_ocid"]},
            "create_vnic_details": {"subnet_id": TFVARS["subnet_ocid"], "assign_public_ip": True},
            "metadata": {"ssh_authorized_keys": TFVARS["ssh_public_key"]},
            "freeform_tags": {"coinpilot-tf": TFVARS["instance_name"]},
        }
    ).instance
    imported = workdir.terraform("import", "oci_core_instance.this", instance["id"])
    assert imported.returncode == 0, imported.stderr
    assert workdir.instance_in_state()["values"]["id"] == instance["id"]
    assert workdir.store.calls()[-1]["op"] == "GetInstance"
    assert workdir.terraform("plan", "-detailed-exitcode").returncode == 0


@pytest.mark.parametrize("outcome, cloud_state", [("timeout_running", "RUNNING"), ("timeout_terminated", "TERMINATED")])
def test_launch_timeout_leaves_a_tainted_instance(workdir, outcome, cloud_state):
    CloudStore.ensure(workdir.store.directory, outcome)
    code, errors = workdir.apply_json("-auto-approve")
    assert (code, errors) == (1, [provider_errors.launch_timeout_text()])
    [instance] = workdir.store.instances()
    assert instance["lifecycle_state"] == cloud_state
    in_state = workdir.instance_in_state()
    assert in_state["tainted"] is True
    assert in_state["values"]["id"] == instance["id"]
    if cloud_state == "TERMINATED":
        # The next refresh finds it terminated and drops it, as the real provider does.
        assert workdir.terraform("apply", "-refresh-only", "-auto-approve").returncode == 0
        assert workdir.instance_in_state() is None


def test_lost_launch_leaves_the_instance_only_in_the_cloud(workdir):
    CloudStore.ensure(workdir.store.directory, "lost")
    code, errors = workdir.apply_json("-auto-approve")
    assert (code, errors) == (1, [provider_errors.launch_network_text("sim-region-1")])
    assert [i["lifecycle_state"] for i in workdir.store.instances()] == ["RUNNING"]
    assert workdir.instance_in_state() is None


def test_subnet_must_exist_in_the_cloud(workdir):
    user_subnet = "ocid1.subnet.oc1.eu-frankfurt-1.aaaaaaaausersubnetnotseeded"
    missing = workdir.terraform("plan", "-json", f"-var=subnet_ocid={user_subnet}")
    [summary] = [
        m["diagnostic"]["summary"]
        for m in map(json.loads, missing.stdout.splitlines())
        if m.get("type") == "diagnostic" and m["diagnostic"]["severity"] == "error"
    ]
    assert summary.startswith("404-NotAuthorizedOrNotFound, Authorization failed or requested resource not found.\n")
    assert "Operation Name: GetSubnet \n" in summary
    assert f"Request Target: GET https://iaas.sim-region-1.oraclecloud.com/20160918/subnets/{user_subnet} \n" in summary

    CloudStore.ensure(workdir.store.directory, subnet_ocid=user_subnet)
    assert workdir.terraform("plan", f"-var=subnet_ocid={user_subnet}").returncode == 0
