"""Ready on first boot, end to end (real Terraform, the simulated OCI): cloud-init user data, a
network of its own when there is none, and a reserved public IP that survives a relaunch."""

from __future__ import annotations

import base64
import json

from .session import new_session

NETWORK_CALLS = ("Vcn", "InternetGateway", "RouteTable", "SecurityList", "Subnet")
CLOUD_INIT = """#cloud-config
package_update: true
packages: [docker.io, docker-compose-v2, git]
runcmd:
  - [sh, -c, "git clone https://example.invalid/app.git /opt/app && cd /opt/app && docker compose up -d"]
"""


def test_user_data_a_network_of_its_own_and_a_reserved_ip_from_the_win_to_the_destroy(tmp_path):
    cloud_init = tmp_path / "cloud-init.yaml"
    cloud_init.write_text(CLOUD_INIT)
    session = new_session(
        tmp_path, NETWORK="create", PUBLIC_IP="reserved", USER_DATA_FILE=str(cloud_init), SUBNET_OCID=""
    )

    won = session.run("retry", "--simulate", "capacity,ok")

    assert won.returncode == 0, won.stdout + won.stderr
    [instance] = session.live_instances()
    assert base64.b64decode(instance["metadata"]["user_data"]) == cloud_init.read_bytes()
    assert CLOUD_INIT.splitlines()[-1] not in won.stdout + won.stderr
    # The network came with the first of the two attempts and was reused by the second.
    assert len(session.calls("LaunchInstance")) == 2
    assert [len(session.calls(f"Create{kind}")) for kind in NETWORK_CALLS] == [1] * 5
    state = json.loads((session.workdir / "terraform.tfstate").read_text())  # what Terraform wrote
    listed = [f"{resource['type']}.{resource['name']}" for resource in state["resources"]]
    assert {"oci_core_vcn.this", "oci_core_subnet.this", "oci_core_public_ip.this"} <= set(listed)
    address = instance["public_ip"]
    assert address.startswith("198.51.100.") and f"public IP:    {address}" in won.stdout
    status = session.run("status").stdout
    assert "network:       made by NETWORK=create" in status and f"reserved IP:   {address}" in status

    # Oracle takes it back: the next instance gets the same address.
    assert session.run("simulate", "terminate").returncode == 0
    relaunched = session.run("retry")

    assert relaunched.returncode == 0, relaunched.stdout + relaunched.stderr
    [again] = session.live_instances()
    assert again["id"] != instance["id"] and again["public_ip"] == address
    assert [len(session.calls(f"Create{kind}")) for kind in (*NETWORK_CALLS, "PublicIp")] == [1] * 6

    destroyed = session.run("destroy", "--yes")

    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert f"released:     reserved public IP {address}" in destroyed.stdout
    assert session.live_instances() == []
    deletes = [call["op"] for call in session.calls() if call["op"].startswith(("Delete", "Terminate"))]
    assert deletes[:2] == ["DeletePublicIp", "TerminateInstance"]
    assert sorted(deletes[2:]) == sorted(f"Delete{kind}" for kind in NETWORK_CALLS)


def test_user_data_oci_would_refuse_stops_retry_before_any_call(tmp_path):
    too_big = tmp_path / "cloud-init.yaml"
    too_big.write_bytes(b"#" * 40_000)
    session = new_session(tmp_path, USER_DATA_FILE=str(too_big))

    result = session.run("retry", "--simulate", "ok")

    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "USER_DATA_FILE" in line and "at most 32,000" in line
    assert session.calls() == [] and not (session.workdir / "main.tf").exists()
