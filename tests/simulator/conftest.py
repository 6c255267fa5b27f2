"""A rendered module wired to a fresh simulated cloud, and real Terraform to run in it."""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest

from orchestrator.simulator.launcher import install_provider
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

TEMPLATES = Path(__file__).resolve().parents[2] / "terraform"

# What the module's variables get; the import test launches an instance with the same values.
TFVARS = {
    "oci_profile": "DEFAULT",
    "disable_auto_retries": True,
    "compartment_ocid": PLACEHOLDERS["compartment_ocid"],
    "subnet_ocid": PLACEHOLDERS["subnet_ocid"],
    "availability_domain": PLACEHOLDERS["availability_domains"][0],
    "image_ocid": PLACEHOLDERS["image_ocid"],
    "instance_name": "coinpilot-a1",
    "ocpus": 2,
    "memory_gbs": 12,
    "ssh_public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDummyKeyForTests test@sim",
}


@dataclass
class Workdir:
    path: Path
    store: CloudStore
    env: dict

    def terraform(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [TERRAFORM, *args], cwd=self.path, env=self.env, capture_output=True, text=True, timeout=120
        )

    def apply_json(self, *args: str) -> tuple[int, list[str]]:
        """Exit code and the error diagnostics' summaries of `terraform apply -json`."""
        result = self.terraform("apply", "-json", "-input=false", *args)
        return result.returncode, [
            message["diagnostic"]["summary"]
            for message in map(json.loads, result.stdout.splitlines())
            if message.get("type") == "diagnostic" and message["diagnostic"]["severity"] == "error"
        ]

    def instance_in_state(self) -> dict | None:
        """The oci_core_instance as `terraform show -json` has it (with `tainted`), or None."""
        shown = json.loads(self.terraform("show", "-json").stdout)
        resources = shown.get("values", {}).get("root_module", {}).get("resources", [])
        return next((r for r in resources if r["type"] == "oci_core_instance"), None)


TERRAFORM = shutil.which("terraform")


@pytest.fixture
def workdir(tmp_path: Path) -> Workdir:
    if TERRAFORM is None:
        pytest.skip("terraform is not on PATH")
    store = CloudStore.ensure(tmp_path / "simulator")
    cli_config = tmp_path / "terraform.rc"
    cli_config.write_text(
        'provider_installation {\n  dev_overrides {\n'
        f'    "oracle/oci" = "{install_provider(store.directory)}"\n'
        "  }\n  direct {}\n}\n"
    )
    module = tmp_path / "module"
    module.mkdir()
    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    for template in TEMPLATES.glob("*.tf.j2"):
        (module / template.name.removesuffix(".j2")).write_text(
            templates.get_template(template.name).render(
                shape="VM.Standard.A1.Flex",
                ownership_tag_key="coinpilot-tf",
                provider_version_constraint=">= 6.0.0",
                tool_version="0.0.0-test",
                manage_size=False,  # the module every command but `grow` uses
            )
        )
    (module / "terraform.tfvars.json").write_text(json.dumps(TFVARS))
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "HOME": str(home),
    }
    return Workdir(module, store, env)
