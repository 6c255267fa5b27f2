"""The simulated provider's schema, as Terraform sees it, is a subset of the real provider's.

tests/data/oci_provider_schema.json is the real provider's schema (v8.28.0), extracted from its
Go source (its `notes` say how). Every attribute and block the simulator declares must exist
there with the same type, nesting and required/optional/computed flags, so a module that
validates against the simulator validates against the real provider.
"""

import json
import subprocess
from pathlib import Path

import pytest

from orchestrator.simulator.launcher import install_provider
from orchestrator.simulator.provider import _INSTANCE_SCHEMA
from orchestrator.simulator.store import CloudStore

from .conftest import TERRAFORM

REFERENCE = json.loads((Path(__file__).resolve().parents[1] / "data" / "oci_provider_schema.json").read_text())


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> dict:
    """`terraform providers schema -json` for the simulated oracle/oci."""
    if TERRAFORM is None:
        pytest.skip("terraform is not on PATH")
    folder = tmp_path_factory.mktemp("schema")
    bin_dir = install_provider(CloudStore.ensure(folder / "simulator").directory)
    (folder / "terraform.rc").write_text(
        f'provider_installation {{\n  dev_overrides {{\n    "oracle/oci" = "{bin_dir}"\n  }}\n  direct {{}}\n}}\n'
    )
    (folder / "versions.tf").write_text(
        'terraform {\n  required_providers {\n    oci = { source = "oracle/oci" }\n  }\n}\n'
    )
    result = subprocess.run(
        [TERRAFORM, "providers", "schema", "-json"],
        check=False,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={"TF_CLI_CONFIG_FILE": str(folder / "terraform.rc"), "CHECKPOINT_DISABLE": "1", "HOME": str(folder)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["provider_schemas"]["registry.terraform.io/oracle/oci"]


def _type(reference: dict):
    """The reference's type in Terraform's JSON notation."""
    if "elem" in reference:
        return [reference["type"], reference["elem"]]
    return reference["type"]


def _differences(where: str, served: dict, reference: dict, *, implicit: dict) -> list[str]:
    """What `served` (a Terraform schema block) declares that `reference` (attributes/blocks) lacks or has otherwise."""
    found = []
    for name, attribute in served.get("attributes", {}).items():
        expected = reference["attributes"].get(name) or implicit.get(name)
        if expected is None:
            found.append(f"{where}.{name}: not in the real provider")
            continue
        flags = {flag: bool(attribute.get(flag)) for flag in ("required", "optional", "computed")}
        wanted = {flag: expected[flag] for flag in ("required", "optional", "computed")}
        if attribute["type"] != _type(expected) or flags != wanted:
            found.append(f"{where}.{name}: {attribute['type']} {flags} here, {_type(expected)} {wanted} there")
    for name, block in served.get("block_types", {}).items():
        if name == "timeouts":
            if not reference.get("timeouts"):
                found.append(f"{where}.timeouts: the real provider declares no timeouts")
            continue
        expected = reference.get("blocks", {}).get(name)
        if expected is None:
            found.append(f"{where}.{name}: no such block in the real provider")
            continue
        if (block["nesting_mode"], block.get("max_items")) != (expected["nesting"], expected["max_items"]):
            found.append(
                f"{where}.{name}: nesting {block['nesting_mode']}/{block.get('max_items')} here,"
                f" {expected['nesting']}/{expected['max_items']} there"
            )
        found += _differences(f"{where}.{name}", block["block"], expected, implicit={})
    return found


# SDKv2 adds `id` (optional + computed) to every resource; the reference lists only the Go schema.
_RESOURCE_ID = {"id": {"type": "string", "required": False, "optional": True, "computed": True}}


def test_the_instance_resource_is_a_subset_of_the_real_one(served):
    reference = REFERENCE["resources"]["oci_core_instance"]
    block = served["resource_schemas"]["oci_core_instance"]["block"]
    assert _differences("oci_core_instance", block, reference, implicit=_RESOURCE_ID) == []
    # What the issues rely on: grow changes shape_config in place, start sets `state`.
    assert block["attributes"]["state"] == {
        "type": "string",
        "description_kind": "markdown",
        "optional": True,
        "computed": True,
    }
    assert set(block["block_types"]["shape_config"]["block"]["attributes"]) == {"ocpus", "memory_in_gbs"}


def test_the_subnet_data_source_and_the_provider_block_are_subsets(served):
    subnet = served["data_source_schemas"]["oci_core_subnet"]["block"]
    assert _differences("oci_core_subnet", subnet, REFERENCE["data_sources"]["oci_core_subnet"], implicit={}) == []
    provider = {
        "attributes": {name: {**a, "computed": False} for name, a in REFERENCE["provider"]["attributes"].items()}
    }
    assert _differences("provider", served["provider"]["block"], provider, implicit={}) == []


def test_only_what_forces_a_new_instance_in_the_real_provider_plans_a_replacement():
    reference = REFERENCE["resources"]["oci_core_instance"]
    for attribute in _INSTANCE_SCHEMA.attributes:
        expected = reference["attributes"].get(attribute.name, {"force_new": False})
        assert bool(attribute.requires_replace) == expected["force_new"], attribute.name
    for block in _INSTANCE_SCHEMA.block_types:
        for attribute in block.block.attributes:
            if block.type_name != "timeouts":
                expected = reference["blocks"][block.type_name]["attributes"][attribute.name]
                assert bool(attribute.requires_replace) == expected["force_new"], f"{block.type_name}.{attribute.name}"
