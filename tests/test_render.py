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
