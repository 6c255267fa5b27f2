"""The command line each engine command builds (python-terraform as the argv builder), checked on
its own, as terraform-exec tests applyCmd apart from its end-to-end tests. Nothing runs here."""

from pathlib import Path

import pytest

from orchestrator.cloud import OciCloud
from orchestrator.engine import Engine
from orchestrator.engine.apply import apply_plan_argv
from orchestrator.engine.destroy import destroy_argv
from orchestrator.engine.import_ import import_instance_argv
from orchestrator.engine.init import init_argv
from orchestrator.engine.output import outputs_argv
from orchestrator.engine.plan import plan_argv
from orchestrator.engine.refresh import refresh_only_argv
from orchestrator.engine.runner import Terraform
from orchestrator.engine.state import forget_instance_argv, show_argv, untaint_argv
from orchestrator.workdir import Workdir

BIN = "/opt/terraform"


@pytest.fixture
def tf(tmp_path):
    return Terraform(Engine(BIN, "terraform", "1.9.8"), Workdir(tmp_path / "workdir"), OciCloud())


def test_creating_the_engine_writes_nothing(tf):
    assert not tf.workdir.path.exists()


def test_init(tf):
    assert init_argv(tf) == [BIN, "init", "-input=false", "-no-color"]


def test_refresh_only(tf):
    assert refresh_only_argv(tf) == [BIN, "apply", "-input=false", "-json", "-refresh-only", "-auto-approve"]


def test_plan(tf):
    argv = plan_argv(tf, Path("/w/attempt-AD-1_2_12.tfplan"), {"ocpus": 2, "availability_domain": "kIdk:AD-1"})
    assert argv == [BIN, "plan", "-input=false", "-json", "-out=/w/attempt-AD-1_2_12.tfplan",
                    "-var=availability_domain=kIdk:AD-1", "-var=ocpus=2"]


def test_apply_plan(tf):
    assert apply_plan_argv(tf, Path("/w/p.tfplan")) == [BIN, "apply", "-input=false", "-json", "/w/p.tfplan"]


def test_output(tf):
    assert outputs_argv(tf) == [BIN, "output", "-json"]


def test_show(tf):
    assert show_argv(tf) == [BIN, "show", "-json"]


def test_import(tf):
    argv = import_instance_argv(tf, "ocid1.instance.oc1..x", {})
    assert argv == [BIN, "import", "-input=false", "-no-color", "oci_core_instance.this", "ocid1.instance.oc1..x"]


def test_untaint(tf):
    assert untaint_argv(tf) == [BIN, "untaint", "-no-color", "oci_core_instance.this"]


def test_state_rm(tf):
    assert forget_instance_argv(tf) == [BIN, "state", "rm", "oci_core_instance.this"]


def test_destroy_without_force(tf):
    """python-terraform's own destroy() adds -force, which Terraform 1.x rejects."""
    assert destroy_argv(tf) == [BIN, "destroy", "-input=false", "-json", "-auto-approve"]
