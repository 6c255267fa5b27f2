"""A rendered module wired to a fresh simulated cloud, and real Terraform to run in it; the
simulated REST endpoint and real oci SDK clients for it (the `store` fixture is tests/conftest.py's)."""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import jinja2
import oci
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from orchestrator.render import TEMPLATE_NAMES
from orchestrator.simulator.launcher import ProviderProcess, install_provider
from orchestrator.simulator.rest import RestEndpoint, key_fingerprint
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
def workdir(tmp_path: Path):
    """Terraform reattaches to one provider the test started, as the tool's commands do."""
    started_by_terraform = _workdir(tmp_path)
    provider = ProviderProcess.start(started_by_terraform.store.directory, started_by_terraform.path, os.environ)
    try:
        yield Workdir(
            started_by_terraform.path,
            started_by_terraform.store,
            {**started_by_terraform.env, "TF_REATTACH_PROVIDERS": provider.reattach_config},
        )
    finally:
        provider.close()


@pytest.fixture
def workdir_started_by_terraform(tmp_path: Path) -> Workdir:
    """Terraform starts the provider itself at each command (dev_overrides), as a hand-run one does."""
    return _workdir(tmp_path)


def _workdir(tmp_path: Path) -> Workdir:
    if TERRAFORM is None:
        pytest.skip("terraform is not on PATH")
    store = CloudStore.ensure(tmp_path / "simulator")
    cli_config = tmp_path / "terraform.rc"
    cli_config.write_text(
        "provider_installation {\n  dev_overrides {\n"
        f'    "oracle/oci" = "{install_provider(store.directory)}"\n'
        "  }\n  direct {}\n}\n"
    )
    module = tmp_path / "module"
    module.mkdir()
    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    for name in TEMPLATE_NAMES:  # the module with its state in the folder: no backend block
        (module / name.removesuffix(".j2")).write_text(
            templates.get_template(name).render(
                shape="VM.Standard.A1.Flex",
                ownership_tag_key="coinpilot-tf",
                provider_version_constraint=">= 6.0.0",
                tool_version="0.0.0-test",
                manage_size=False,  # the module every command but `grow` uses
                user_data=False,  # the runbook's module: an existing subnet, an ephemeral IP
                create_network=False,
                reserved_ip=False,
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


# ----- the REST endpoint and real SDK clients -----

COMPARTMENT = PLACEHOLDERS["compartment_ocid"]
TENANCY = PLACEHOLDERS["tenancy_ocid"]
A1 = "VM.Standard.A1.Flex"


def _key_file(path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return key


@pytest.fixture(scope="session")  # read-only, so shared by every test of a worker
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    return {name: (folder / f"{name}.pem", _key_file(folder / f"{name}.pem")) for name in ("uploaded", "other")}


@pytest.fixture
def endpoint(store, keys):
    with RestEndpoint(store, keys["uploaded"][1].public_key()) as running:
        yield running


def sdk_config(key_path, **changes):
    """An SDK config for the simulated user, signing with the key at `key_path`, and the keyId naming it."""
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    return {
        "user": PLACEHOLDERS["user_ocid"],
        "tenancy": TENANCY,
        "fingerprint": key_fingerprint(key.public_key()),
        "key_file": str(key_path),
        "region": "sim-region-1",
        **changes,
    }


def client(client_class, endpoint, key_path, retry_strategy=None, **changes):
    """A real SDK client for the endpoint; `changes` alter its config (a wrong fingerprint...)."""
    return client_class(
        sdk_config(key_path, **changes),
        service_endpoint=endpoint.url,
        retry_strategy=retry_strategy or oci.retry.NoneRetryStrategy(),
    )


@pytest.fixture
def compute(endpoint, keys):
    """The real SDK's ComputeClient, signing with the uploaded key, no retries."""
    return client(oci.core.ComputeClient, endpoint, keys["uploaded"][0])
