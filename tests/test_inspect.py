"""Looking at the won instance: `coinpilot-tf output`, `coinpilot-tf terraform state ...`, and
one's own `terraform` in the workdir, as docs/after-the-win.md shows."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from .session import Session
from .workdirs import copy_session, module_session


@pytest.fixture(scope="module")
def won(won_template, tmp_path_factory) -> Session:
    return copy_session(won_template, tmp_path_factory.mktemp("inspect"))


def test_output_json(won):
    result = won.run("output", "--json")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    [instance] = won.live_instances()
    assert values["instance_id"] == instance["id"]
    assert values["public_ip"] == instance["public_ip"]
    assert values["private_ip"] == instance["private_ip"]
    assert values["availability_domain"] == instance["availability_domain"]
    assert (values["ocpus"], values["memory_gbs"]) == (2, 12)
    assert values["state"] == "RUNNING"


def test_output_text(won):
    result = won.run("output")
    assert result.returncode == 0, result.stderr
    [instance] = won.live_instances()
    assert f'instance_id = "{instance["id"]}"' in result.stdout.splitlines()
    assert "ocpus = 2" in result.stdout.splitlines()


def test_output_before_the_instance_exists(tmp_path):
    session = module_session(tmp_path)
    assert session.run("render", "--simulate", "ok").returncode == 0
    result = session.run("output", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}
    text = session.run("output")
    assert text.returncode == 0 and "no outputs yet" in text.stderr


def test_terraform_state_list_and_show(won):
    listed = won.run("terraform", "state", "list")
    assert listed.returncode == 0, listed.stderr
    assert "oci_core_instance.this" in listed.stdout.split()
    shown = won.run("terraform", "state", "show", "-no-color", "oci_core_instance.this")
    assert shown.returncode == 0, shown.stderr
    assert won.live_instances()[0]["id"] in shown.stdout


@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform on PATH")
def test_own_terraform_in_the_workdir(won):
    """docs/after-the-win.md: cd into the workdir, point TF_CLI_CONFIG_FILE at its terraform.rc, use terraform."""
    env = {**won.env, "TF_CLI_CONFIG_FILE": str(won.workdir / "terraform.rc")}
    result = subprocess.run(
        ["terraform", "output", "-raw", "instance_id"],
        cwd=won.workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == won.live_instances()[0]["id"]
    plan = subprocess.run(
        ["terraform", "plan", "-detailed-exitcode", "-no-color"],
        cwd=won.workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert plan.returncode == 0, plan.stdout + plan.stderr


IGNORED = "coinpilot-tf: ignored {} from the environment: coinpilot-tf sets Terraform's environment itself"


def test_status_ignores_a_workspace_from_the_environment(won):
    result = won.run("status", extra_env={"TF_WORKSPACE": "other"})
    assert result.returncode == 0, result.stderr
    assert f"instance:      {won.live_instances()[0]['id']}" in result.stdout
    assert result.stderr.splitlines().count(IGNORED.format("TF_WORKSPACE")) == 1
    assert "other" not in result.stderr


def test_output_ignores_extra_arguments_from_the_environment(won):
    result = won.run("output", extra_env={"TF_CLI_ARGS_output": "-state=/nonexistent"})
    assert result.returncode == 0, result.stderr
    assert f'instance_id = "{won.live_instances()[0]["id"]}"' in result.stdout.splitlines()
    assert result.stderr.splitlines().count(IGNORED.format("TF_CLI_ARGS_output")) == 1
    assert "/nonexistent" not in result.stderr


def test_doctor_lists_the_ignored_variables_as_a_warning(won):
    result = won.run("doctor", extra_env={"TF_WORKSPACE": "other", "TF_LOG_PATH": "/tmp/secret.log"})
    [line] = [line for line in result.stdout.splitlines() if "engine environment" in line]
    assert line.startswith("warn  engine environment: ignored") and "TF_WORKSPACE: " in line
    assert "TF_LOG_PATH: " in line and "/tmp/secret.log" not in line
