"""Terraform's -json output read by the engine: parsed values, and a TerraformError (never a
ValueError) when an engine prints something else."""

import pytest

from orchestrator.engine.plan import Plan
from orchestrator.engine.runner import Run, TerraformError, read_json, read_json_lines
from orchestrator.failures import Category

PLANNED_CREATE = (
    '{"@level":"info","type":"version","terraform":"1.9.0"}\n'
    '{"type":"planned_change","change":{"resource":{"addr":"oci_core_instance.this"},"action":"create"}}\n'
    '{"type":"change_summary","changes":{"add":1,"change":0,"remove":0}}\n'
)


def ran(stdout: str) -> Run:
    return Run(("terraform", "plan", "-json"), 0, stdout, "")


def test_a_plan_says_what_it_does_to_each_resource():
    planned = Plan.read(ran(PLANNED_CREATE))
    assert planned.changes == {"oci_core_instance.this": "create"}
    assert planned.creates_instance


@pytest.mark.parametrize("action", ["update", "replace", "delete", "no-op"])
def test_a_plan_that_does_anything_else_to_the_instance_does_not_create_it(action):
    assert not Plan.read(ran(PLANNED_CREATE.replace('"create"', f'"{action}"'))).creates_instance


def test_a_plan_with_no_change_does_not_create_the_instance():
    assert Plan.read(ran('{"type":"change_summary"}\n')) == Plan({})
    assert not Plan({}).creates_instance


@pytest.mark.parametrize(
    "read, stdout",
    [
        (lambda run: read_json(run, "terraform plan"), "Error: this is not JSON"),
        (lambda run: read_json(run, "terraform plan"), '["a", "list"]'),
        (lambda run: read_json_lines(run, "terraform plan"), '{"type":"version"}\nnot JSON\n'),
        (Plan.read, '{"type":"version"}\n{"cut short'),
    ],
)
def test_output_that_is_not_the_json_expected_is_a_terraform_error(read, stdout):
    with pytest.raises(TerraformError) as caught:
        read(ran(stdout))
    assert caught.value.failure.category == Category.UNKNOWN
    assert str(caught.value).startswith("terraform plan failed (unknown): its output is ")


def test_empty_output_is_an_empty_document():
    assert read_json(ran(""), "terraform output") == {}
    assert read_json_lines(ran("\n"), "terraform plan") == []
