import os
import subprocess
import sys

from orchestrator.simulator.launcher import install_provider


def test_installs_an_executable_bound_to_the_store(tmp_path):
    bin_dir = install_provider(tmp_path / "simulator")
    script = bin_dir / "terraform-provider-oci"
    assert bin_dir == (tmp_path / "simulator" / "bin").resolve()
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert text.startswith(f"#!{sys.executable}\n")
    assert repr(str((tmp_path / "simulator").resolve())) in text


def test_reinstall_rewrites_only_a_changed_script(tmp_path):
    script = install_provider(tmp_path) / "terraform-provider-oci"
    first = script.stat()
    install_provider(tmp_path)
    assert script.stat().st_ino == first.st_ino
    script.write_text("stale")
    install_provider(tmp_path)
    assert script.read_text().startswith("#!")


def test_provider_prints_only_the_handshake(tmp_path):
    # Terraform reads the first stdout line as the go-plugin handshake; anything else there
    # would break the protocol.
    script = install_provider(tmp_path) / "terraform-provider-oci"
    env = {**os.environ, "HOME": str(tmp_path / "no-such-home")}
    with subprocess.Popen([script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True) as process:
        handshake = process.stdout.readline()
        process.kill()
        rest = process.stdout.read()
    assert handshake.startswith("1|6|unix|")
    assert handshake.rstrip("\n").split("|")[4] == "grpc"
    assert rest.strip() == ""
    assert (tmp_path / ".cache" / "tf-python-provider" / "ssl_cert.json").exists()
