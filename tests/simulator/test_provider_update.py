"""Real Terraform changes a won instance in place: a new shape_config, and `state = "RUNNING"`
for an instance Oracle stopped, each under its own scenario outcomes."""

import json

from orchestrator.simulator import provider_errors
from orchestrator.simulator.store import CloudStore

# The rendered module ignores changes to shape_config; a module that grows lets it change and
# asks for a running instance. An override file merges into the rendered resource.
GROWING = """resource "oci_core_instance" "this" {
  state = "RUNNING"

  lifecycle {
    ignore_changes = [availability_domain, source_details, metadata, create_vnic_details]
  }
}
"""


def _growing(workdir, ocpus, memory):
    (workdir.path / "grow_override.tf").write_text(GROWING)
    tfvars = workdir.path / "terraform.tfvars.json"
    tfvars.write_text(json.dumps({**json.loads(tfvars.read_text()), "ocpus": ocpus, "memory_gbs": memory}))


def _ops(workdir, op):
    return [c for c in workdir.store.calls() if c["op"] == op]


def _size(instance):
    return instance["shape_config"]["ocpus"], instance["shape_config"]["memory_in_gbs"]


def test_a_new_shape_config_is_an_in_place_update_that_follows_the_update_outcomes(workdir):
    CloudStore.ensure(workdir.store.directory, "launch=ok;update=capacity*2,ok")
    _growing(workdir, 1, 6)
    assert workdir.apply_json("-auto-approve") == (0, [])
    [won] = workdir.store.instances()
    _growing(workdir, 2, 12)
    for _attempt in range(2):
        code, errors = workdir.apply_json("-auto-approve")
        update = _ops(workdir, "UpdateInstance")[-1]
        assert (code, update["outcome"]) == (1, "capacity")
        assert errors == [
            provider_errors.service_error_text(
                provider_errors.rejection(
                    "capacity", shape="VM.Standard.A1.Flex", image_id=won["source_details"]["source_id"]
                ),
                provider_errors.update_instance(won["id"]),
                region="sim-region-1",
                opc_request_id=update["opc_request_id"],
            )
        ]
        assert errors[0].startswith("500-InternalError, Out of host capacity.\n")
        assert "Operation Name: UpdateInstance \n" in errors[0]
        # The provider's partial mode: a refused update leaves the prior size in the state.
        assert workdir.instance_in_state()["values"]["shape_config"][0]["ocpus"] == 1
    assert workdir.apply_json("-auto-approve") == (0, [])
    [grown] = workdir.store.instances()
    assert (grown["id"], grown["lifecycle_state"], _size(grown)) == (won["id"], "RUNNING", (2, 12))
    assert workdir.instance_in_state()["values"]["shape_config"] == [{"ocpus": 2, "memory_in_gbs": 12}]
    assert [c["outcome"] for c in _ops(workdir, "UpdateInstance")] == ["capacity", "capacity", "ok"]
    assert len(_ops(workdir, "LaunchInstance")) == 1
    # It rebooted: the provider polled it back from STOPPING to RUNNING.
    polled = [c["lifecycle_state"] for c in _ops(workdir, "GetInstance")]
    assert polled[-2:] == ["STARTING", "RUNNING"]
    assert workdir.terraform("plan", "-detailed-exitcode").returncode == 0


def test_a_stopped_instance_is_started_by_its_state_argument(workdir):
    CloudStore.ensure(workdir.store.directory, "start=capacity*2,ok")
    _growing(workdir, 2, 12)
    assert workdir.apply_json("-auto-approve") == (0, [])
    [won] = workdir.store.instances()
    workdir.store.set_lifecycle_state(won["id"], "STOPPED")
    plan = workdir.terraform("plan", "-detailed-exitcode", "-no-color")
    assert plan.returncode == 2 and "~ state" in plan.stdout and "1 to change" in plan.stdout
    for _attempt in range(2):
        code, errors = workdir.apply_json("-auto-approve")
        action = _ops(workdir, "InstanceAction")[-1]
        assert (code, action["action"], action["outcome"]) == (1, "START", "capacity")
        assert errors[0].startswith("500-InternalError, Out of host capacity.\n")
        assert "Operation Name: InstanceAction \n" in errors[0]
        assert (
            f"Request Target: POST https://iaas.sim-region-1.oraclecloud.com/20160918/instances/{won['id']}?action=START \n"
            in errors[0]
        )
        assert workdir.store.instances()[0]["lifecycle_state"] == "STOPPED"
    assert workdir.apply_json("-auto-approve") == (0, [])
    [started] = workdir.store.instances()
    assert (started["id"], started["lifecycle_state"]) == (won["id"], "RUNNING")
    assert workdir.instance_in_state()["values"]["state"] == "RUNNING"
    assert [c["outcome"] for c in _ops(workdir, "InstanceAction")] == ["capacity", "capacity", "ok"]
    assert _ops(workdir, "UpdateInstance") == [] and len(_ops(workdir, "LaunchInstance")) == 1
    assert workdir.terraform("plan", "-detailed-exitcode").returncode == 0


def test_state_stopped_stops_the_instance_after_the_update(workdir):
    _growing(workdir, 2, 12)
    assert workdir.apply_json("-auto-approve") == (0, [])
    (workdir.path / "grow_override.tf").write_text(GROWING.replace('"RUNNING"', '"STOPPED"'))
    assert workdir.apply_json("-auto-approve") == (0, [])
    assert workdir.store.instances()[0]["lifecycle_state"] == "STOPPED"
    assert [c["action"] for c in _ops(workdir, "InstanceAction")] == ["STOP"]


def test_state_accepts_only_running_or_stopped(workdir):
    (workdir.path / "grow_override.tf").write_text(GROWING.replace('"RUNNING"', '"PAUSED"'))
    result = workdir.terraform("validate", "-no-color")
    assert result.returncode == 1
    assert 'expected state to be one of ["STOPPED" "RUNNING"], got PAUSED' in result.stderr


def test_an_instance_terminated_behind_terraforms_back_leaves_the_state(workdir):
    assert workdir.apply_json("-auto-approve") == (0, [])
    [won] = workdir.store.instances()
    workdir.store.terminate_instance(won["id"])
    plan = workdir.terraform("plan", "-detailed-exitcode", "-no-color")
    assert plan.returncode == 2 and "1 to add, 0 to change, 0 to destroy" in plan.stdout
    assert workdir.apply_json("-auto-approve") == (0, [])
    live = [i for i in workdir.store.instances() if i["lifecycle_state"] != "TERMINATED"]
    assert len(live) == 1 and live[0]["id"] != won["id"]
