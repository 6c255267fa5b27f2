import base64
import json
from pathlib import Path

from orchestrator.config import load_settings
from orchestrator.render import Target, render
from orchestrator.workdir import Workdir

from .test_config import RUNBOOK_ENV

GOLDEN = Path(__file__).parent / "golden"
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGoldenGoldenGoldenGoldenGoldenGoldenGold coinpilot-tf"


def rendered(tmp_path, **env):
    settings = load_settings({}, {**RUNBOOK_ENV, **env})
    workdir = Workdir(tmp_path / "wd")
    target = Target(settings.availability_domains[0], settings.size_list()[0])
    return workdir, render(settings, target, PUBLIC_KEY, workdir)


def test_rendered_files_match_the_golden_copies(tmp_path):
    workdir, changed = rendered(tmp_path, BOOT_VOLUME_SIZE_GBS="100")
    assert sorted(changed) == sorted(path.name for path in GOLDEN.iterdir())
    for golden in GOLDEN.iterdir():
        assert (workdir.path / golden.name).read_text() == golden.read_text(), golden.name


def test_same_settings_write_nothing_the_second_time(tmp_path):
    workdir, _ = rendered(tmp_path)
    before = {path.name: path.stat().st_mtime_ns for path in workdir.path.iterdir()}
    _, changed = rendered(tmp_path)
    assert changed == []
    assert {path.name: path.stat().st_mtime_ns for path in workdir.path.iterdir()} == before


def test_only_tfvars_change_with_the_values(tmp_path):
    rendered(tmp_path)
    workdir, changed = rendered(tmp_path, OCPUS="1", MEMORY_GBS="6")
    assert changed == ["terraform.tfvars.json"]
    assert json.loads(workdir.tfvars.read_text())["ocpus"] == 1


def test_private_files_and_folder(tmp_path):
    workdir, _ = rendered(tmp_path)
    assert workdir.path.stat().st_mode & 0o777 == 0o700
    assert workdir.tfvars.stat().st_mode & 0o777 == 0o600


def test_no_credentials_in_the_module(tmp_path):
    workdir, _ = rendered(tmp_path)
    text = "".join(path.read_text() for path in workdir.path.glob("*.tf"))
    for word in ("private_key", "fingerprint", "user_ocid", "tenancy_ocid"):
        assert word not in text
    assert "config_file_profile = var.oci_profile" in text
    assert "disable_auto_retries = var.disable_auto_retries" in text


def test_provider_retries_can_be_turned_back_on(tmp_path):
    workdir, _ = rendered(tmp_path, OCI_PROVIDER_AUTO_RETRIES="true")
    assert json.loads(workdir.tfvars.read_text())["disable_auto_retries"] is False


def test_user_data_goes_base64_through_the_private_tfvars_never_into_the_module(tmp_path):
    script = tmp_path / "cloud-init.yaml"
    script.write_text("#cloud-config\nruncmd:\n  - docker compose up -d\n")
    workdir, _ = rendered(tmp_path, USER_DATA_FILE=str(script))
    values = json.loads(workdir.tfvars.read_text())
    assert base64.b64decode(values["user_data"]) == script.read_bytes()
    module = "".join(path.read_text() for path in workdir.path.glob("*.tf"))
    assert "user_data           = var.user_data" in module
    assert "docker compose" not in module and values["user_data"] not in module
    # Read on the first boot only: an edited file must not plan a new instance.
    assert "      metadata,\n" in (workdir.path / "main.tf").read_text()


def test_network_create_declares_its_own_network_and_no_subnet_variable(tmp_path):
    env = {name: value for name, value in RUNBOOK_ENV.items() if name != "SUBNET_OCID"}
    settings = load_settings({}, {**env, "NETWORK": "create", "SSH_SOURCE_CIDR": "198.51.100.7/32"})
    workdir = Workdir(tmp_path / "wd")
    render(settings, Target(settings.availability_domains[0], settings.size_list()[0]), PUBLIC_KEY, workdir)
    main = (workdir.path / "main.tf").read_text()
    for resource in ("vcn", "internet_gateway", "route_table", "security_list", "subnet"):
        assert f'resource "oci_core_{resource}" "this"' in main
    assert "subnet_id        = oci_core_subnet.this.id" in main
    assert 'data "oci_core_subnet"' not in main and "subnet_ocid" not in (workdir.path / "variables.tf").read_text()
    # SSH from SSH_SOURCE_CIDR is the only way in.
    assert main.count("ingress_security_rules {") == 1 and "source      = var.ssh_source_cidr" in main
    values = json.loads(workdir.tfvars.read_text())
    assert values["ssh_source_cidr"] == "198.51.100.7/32" and "subnet_ocid" not in values


def test_a_reserved_public_ip_replaces_the_ephemeral_one(tmp_path):
    workdir, _ = rendered(tmp_path, PUBLIC_IP="reserved")
    main = (workdir.path / "main.tf").read_text()
    assert 'assign_public_ip = "false"' in main and 'lifetime       = "RESERVED"' in main
    assert "private_ip_id  = data.oci_core_private_ips.this.private_ips[0].id" in main
    assert "oci_core_public_ip.this.ip_address" in (workdir.path / "outputs.tf").read_text()
