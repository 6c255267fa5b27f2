"""The command line each engine command builds (python-terraform as the argv builder), checked on
its own, as terraform-exec tests applyCmd apart from its end-to-end tests. Nothing runs here."""

from pathlib import Path

import pytest

from orchestrator.cloud import OciCloud
from orchestrator.engine import Engine
from orchestrator.engine.apply import apply_plan_argv
from orchestrator.engine.destroy import destroy_argv
from orchestrator.engine.import_ import import_instance_argv
from orchestrator.engine.init import init_argv, migrate_state_argv
from orchestrator.engine.output import outputs_argv
from orchestrator.engine.plan import plan_argv
from orchestrator.engine.plan_safety import show_plan_argv
from orchestrator.engine.refresh import refresh_only_argv
from orchestrator.engine.runner import Terraform
from orchestrator.engine.state import forget_instance_argv, pull_argv, push_state_argv, untaint_argv
from orchestrator.workdir import Workdir

BIN = "/opt/terraform"
# Every command that takes the state lock waits for another run's (a shared backend's) lock.
LOCK = "-lock-timeout=600s"


@pytest.fixture
def tf(tmp_path):
    return Terraform(Engine(BIN, "terraform", "1.9.8"), Workdir(tmp_path / "workdir"), OciCloud())


def test_creating_the_engine_writes_nothing(tf):
    assert not tf.workdir.path.exists()


def test_init(tf):
    assert init_argv(tf) == [BIN, "init", "-input=false", "-no-color"]


def test_refresh_only(tf):
    assert refresh_only_argv(tf) == [BIN, "apply", LOCK, "-input=false", "-json", "-refresh-only", "-auto-approve"]


def test_plan(tf):
    argv = plan_argv(tf, Path("/w/attempt-AD-1_2_12.tfplan"), {"ocpus": 2, "availability_domain": "kIdk:AD-1"})
    assert argv == [
        BIN,
        "plan",
        LOCK,
        "-input=false",
        "-json",
        "-out=/w/attempt-AD-1_2_12.tfplan",
        "-var=availability_domain=kIdk:AD-1",
        "-var=ocpus=2",
    ]


def test_apply_plan(tf):
    assert apply_plan_argv(tf, Path("/w/p.tfplan")) == [BIN, "apply", LOCK, "-input=false", "-json", "/w/p.tfplan"]


def test_output(tf):
    assert outputs_argv(tf) == [BIN, "output", "-json"]


def test_show_plan(tf):
    assert show_plan_argv(tf, Path("/w/p.tfplan")) == [BIN, "show", "-json", "-no-color", "/w/p.tfplan"]


def test_import(tf):
    argv = import_instance_argv(tf, "ocid1.instance.oc1..x", {})
    assert argv == [BIN, "import", LOCK, "-input=false", "-no-color", "oci_core_instance.this", "ocid1.instance.oc1..x"]


def test_untaint(tf):
    assert untaint_argv(tf) == [BIN, "untaint", LOCK, "-no-color", "oci_core_instance.this"]


def test_state_rm(tf):
    assert forget_instance_argv(tf) == [BIN, "state", "rm", LOCK, "oci_core_instance.this"]


def test_destroy_without_force(tf):
    """python-terraform's own destroy() adds -force, which Terraform 1.x rejects."""
    assert destroy_argv(tf) == [BIN, "destroy", LOCK, "-input=false", "-json", "-auto-approve"]


def test_init_with_a_remote_backend_gets_its_settings_as_partial_configuration(tf):
    tf.workdir.create()
    tf.workdir.backend_file.write_text('terraform {\n  backend "pg" {}\n}\n')
    assert init_argv(tf, (("schema_name", "a1"),)) == [
        BIN,
        "init",
        "-input=false",
        "-no-color",
        "-reconfigure",
        "-backend-config=schema_name=a1",
    ]
    assert migrate_state_argv(tf, (("schema_name", "a1"),)) == [
        BIN,
        "init",
        "-input=false",
        "-no-color",
        "-migrate-state",
        "-force-copy",
        "-backend-config=schema_name=a1",
    ]


def test_state_pull(tf):
    assert pull_argv(tf) == [BIN, "state", "pull"]  # reads without the lock


def test_state_push(tf):
    assert push_state_argv(tf, Path("/w/errored.tfstate")) == [BIN, "state", "push", LOCK, "/w/errored.tfstate"]


def test_only_commands_that_read_the_state_alone_go_without_the_clouds_provider():
    from orchestrator.engine.runner import _reads_the_state_only

    assert _reads_the_state_only(["output", "-json"])
    assert _reads_the_state_only(["-chdir=x", "state", "pull"])
    assert not _reads_the_state_only(["state", "rm", "oci_core_instance.this"])
    assert not _reads_the_state_only(["show", "-json"])
    assert not _reads_the_state_only(["apply", "-auto-approve"])
    assert not _reads_the_state_only([])
