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
from orchestrator.simulator.provider_network import DATA_SOURCES, RESOURCES
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


def _object_differences(where: str, served_type, reference: dict) -> list[str]:
    """A computed-only block of the reference, which Terraform core sees as a list(object) attribute
    (SDKv2): the served object's fields must be some of the block's, with the same types."""
    if not (isinstance(served_type, list) and served_type[0] == "list" and served_type[1][0] == "object"):
        return [f"{where}: {served_type} here, a list of objects there"]
    if not reference["computed"] or reference["optional"] or reference["required"]:
        return [f"{where}: a list of objects here, a block the user may write there"]
    fields = {**reference["attributes"], **{name: None for name in reference.get("blocks", {})}}
    found = []
    for name, field_type in served_type[1][1].items():
        if name not in fields or fields[name] is None:
            found.append(f"{where}.{name}: not in the real provider (or not a plain attribute there)")
        elif field_type != _type(fields[name]):
            found.append(f"{where}.{name}: {field_type} here, {_type(fields[name])} there")
    return found


def _differences(where: str, served: dict, reference: dict, *, implicit: dict) -> list[str]:
    """What `served` (a Terraform schema block) declares that `reference` (attributes/blocks) lacks or has otherwise."""
    found = []
    for name, attribute in served.get("attributes", {}).items():
        expected = reference["attributes"].get(name) or implicit.get(name)
        if expected is None and name in reference.get("blocks", {}):
            found += _object_differences(f"{where}.{name}", attribute["type"], reference["blocks"][name])
            continue
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


def test_the_instances_data_source_is_a_subset(served):
    """The module's ListInstances (how retry finds an instance of ours missing from its state)."""
    block = served["data_source_schemas"]["oci_core_instances"]["block"]
    assert _differences("oci_core_instances", block, REFERENCE["data_sources"]["oci_core_instances"], implicit={}) == []
    listed = block["attributes"]["instances"]["type"][1][1]
    assert {"id", "display_name", "freeform_tags", "state", "time_created"} <= set(listed)


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


def test_the_network_resources_and_their_data_sources_are_subsets(served):
    """NETWORK=create and PUBLIC_IP=reserved: what the module declares validates against the real provider."""
    names = [f"oci_{resource.get_name()}" for resource in RESOURCES]
    assert names == [
        "oci_core_vcn",
        "oci_core_internet_gateway",
        "oci_core_route_table",
        "oci_core_security_list",
        "oci_core_subnet",
        "oci_core_public_ip",
    ]
    found = []
    for name in names:
        block = served["resource_schemas"][name]["block"]
        found += _differences(name, block, REFERENCE["resources"][name], implicit=_RESOURCE_ID)
    for data_source in DATA_SOURCES:
        name = f"oci_{data_source.get_name()}"
        block = served["data_source_schemas"][name]["block"]
        found += _differences(name, block, REFERENCE["data_sources"][name], implicit={})
    assert found == []
    # What the module relies on: the reserved address moves in place, the lifetime never changes.
    public_ip = served["resource_schemas"]["oci_core_public_ip"]["block"]["attributes"]
    assert public_ip["private_ip_id"] == {"type": "string", "description_kind": "markdown", "optional": True}


def test_only_what_forces_a_new_network_resource_in_the_real_provider_plans_a_replacement():
    for resource in RESOURCES:
        reference = REFERENCE["resources"][f"oci_{resource.get_name()}"]
        for attribute in resource.get_schema().attributes:
            expected = reference["attributes"].get(attribute.name, {"force_new": False})
            assert bool(attribute.requires_replace) == expected["force_new"], f"{resource.get_name()}.{attribute.name}"
