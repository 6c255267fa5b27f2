"""`coinpilot-tf simulate serve`: the simulated OCI for any OCI client, as a user would start it."""

import signal
import socket

import oci
import pytest

from ..session import new_session
from ..workdirs import copy_session
from .test_rest_compute import details


@pytest.fixture
def session(tmp_path):
    return new_session(tmp_path)


def _start(session, *args):
    process, shown = session.start("simulate", "serve", *args, until="Ctrl-C stops it.")
    printed = {}
    for line in shown:
        name, _, value = line.rstrip("\n").partition(": ")
        printed[name if value else line.strip()] = value.strip()
    return process, printed


def _stop(process):
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    return process.returncode, err


def test_any_oci_client_rehearses_against_the_printed_endpoint_and_config(session, tmp_path):
    folder = tmp_path / "cloud"
    process, printed = _start(session, "--dir", str(folder), "--scenario", "capacity,ok", "--allowance", "4:24")
    try:
        assert printed["endpoint"].startswith("http://127.0.0.1:")
        assert printed["A1 allowance"] == "standard-a1-core-regional-count 4, standard-a1-memory-regional-count 24"
        config_path, profile = printed["oci config"].split(" (profile ")
        assert profile == "DEFAULT)"
        config = oci.config.from_file(config_path, "DEFAULT")
        compute = oci.core.ComputeClient(
            config, service_endpoint=printed["endpoint"], retry_strategy=oci.retry.NoneRetryStrategy()
        )
        launch = details()
        launch.compartment_id = printed["compartment"]
        launch.source_details.image_id = printed["image"]
        launch.create_vnic_details.subnet_id = printed["subnet"]
        launch.availability_domain = printed["ADs"].split(", ")[0]
        with pytest.raises(oci.exceptions.ServiceError) as capacity:
            compute.launch_instance(launch)
        assert (capacity.value.status, capacity.value.message) == (500, "Out of host capacity.")
        instance = compute.launch_instance(launch).data
        assert [i.id for i in compute.list_instances(printed["compartment"]).data] == [instance.id]
        assert printed["calls log"] == str(folder / "calls.jsonl")
        assert "LaunchInstance" in (folder / "calls.jsonl").read_text()
        assert printed["try"].startswith(f"oci --config-file {config_path} --endpoint {printed['endpoint']} ")
    finally:
        code, err = _stop(process)
    assert code == 0 and "Traceback" not in err
    assert err.strip() == "stopped"


def test_serve_defaults_to_the_simulated_workdirs_cloud(won_template, tmp_path):
    session = copy_session(won_template, tmp_path)
    [won] = session.live_instances()
    process, printed = _start(session)
    try:
        config = oci.config.from_file(printed["oci config"].split(" (profile ")[0], "DEFAULT")
        compute = oci.core.ComputeClient(
            config, service_endpoint=printed["endpoint"], retry_strategy=oci.retry.NoneRetryStrategy()
        )
        assert compute.get_instance(won["id"]).data.lifecycle_state == "RUNNING"
    finally:
        assert _stop(process)[0] == 0


def test_a_port_in_use_or_not_a_port_is_a_usage_error(session, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for bad, complaint in ((str(port), f"cannot listen on 127.0.0.1:{port}"), ("http", "is not a port")):
            result = session.run("simulate", "serve", "--dir", str(tmp_path / "cloud"), "--port", bad)
            assert result.returncode == 2
            [line] = result.stderr.splitlines()
            assert line.startswith("coinpilot-tf: --port: ") and complaint in line
