"""The real oci-cli against the served endpoint, as a user rehearsing a runbook runs it: a launch that
waits for RUNNING through a second of PROVISIONING, and a termination that waits for its work
request. oci-cli is not a dependency: it comes from a cached virtualenv of its own (`python -m scripts.oci_cli`
puts it there; .ci/run does), and without it these tests are skipped, saying so."""

import json
import os
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from orchestrator.simulator.cloud import api_key_path, client_config
from orchestrator.simulator.rest import RestEndpoint
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore
from scripts.bench.runbook import runbook_environment
from scripts.oci_cli import FIDELITY, cached_oci_cli

from .conftest import A1, COMPARTMENT

OCI_CLI = cached_oci_cli(FIDELITY)


@pytest.fixture(scope="module")
def oci_cli(tmp_path_factory):
    """Runs oci-cli against a served endpoint (1 s of PROVISIONING and TERMINATING); (exit code, JSON output)."""
    if not OCI_CLI.exists():
        pytest.skip(f"oci-cli is not installed in {OCI_CLI.parent.parent}; `python -m scripts.oci_cli` installs it")
    folder = tmp_path_factory.mktemp("fidelity-cli")
    store = CloudStore.ensure(folder / "cloud")
    config = client_config(store.directory, "DEFAULT")
    public_key = serialization.load_pem_private_key(api_key_path(store.directory).read_bytes(), None).public_key()
    environment = runbook_environment(os.environ, folder)
    with RestEndpoint(store, public_key, lifecycle_seconds=1) as endpoint:

        def run(*args: str) -> tuple[int, dict, str]:
            result = subprocess.run(
                [str(OCI_CLI), "--config-file", str(config), "--endpoint", endpoint.url, *args],
                env=environment,
                capture_output=True,
                text=True,
                timeout=300,
            )
            return result.returncode, json.loads(result.stdout) if result.stdout.strip() else {}, result.stderr

        yield store, run


def test_launch_waits_through_provisioning_and_terminate_waits_for_its_work_request(oci_cli):
    store, run = oci_cli
    # fmt: off
    code, launched, err = run(
        "compute", "instance", "launch", "--compartment-id", COMPARTMENT,
        "--availability-domain", PLACEHOLDERS["availability_domains"][0], "--shape", A1,
        "--shape-config", '{"ocpus": 1, "memoryInGBs": 6}', "--image-id", PLACEHOLDERS["image_ocid"],
        "--subnet-id", PLACEHOLDERS["subnet_ocid"], "--display-name", "cli-a1",
        "--wait-for-state", "RUNNING", "--wait-interval-seconds", "1",
    )
    # fmt: on
    assert code == 0, err
    instance_id = launched["data"]["id"]
    assert launched["data"]["lifecycle-state"] == "RUNNING"
    [launch] = [c for c in store.calls() if c["op"] == "LaunchInstance"]
    assert launch["lifecycle_state"] == "PROVISIONING"
    polled = [c["lifecycle_state"] for c in store.calls() if c["op"] == "GetInstance"]
    assert polled[-1] == "RUNNING"

    code, terminated, err = run(
        "compute", "instance", "terminate", "--instance-id", instance_id, "--force",
        "--wait-for-state", "SUCCEEDED", "--wait-interval-seconds", "1",
    )  # fmt: skip
    assert code == 0, err
    assert (terminated["data"]["operation-type"], terminated["data"]["status"]) == ("TerminateInstance", "SUCCEEDED")
    assert store.instances()[0]["lifecycle_state"] == "TERMINATED"
