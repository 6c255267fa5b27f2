"""The CLI as a user meets it: render, the terraform passthrough, classify, bad input."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestrator.cli import main

from .session import COINPILOT, new_session
from .test_config import AD, COMPARTMENT, IMAGE, RUNBOOK_ENV, SUBNET

CORPUS = Path(__file__).resolve().parent / "data" / "oci_errors.jsonl"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def session(tmp_path):
    return new_session(tmp_path)


def test_render_then_terraform_apply_creates_the_instance(session):
    rendered = session.run("render", "--simulate", "ok", extra_env=RUNBOOK_ENV)
    assert rendered.returncode == 0, rendered.stderr
    assert f"workdir: {session.workdir}" in rendered.stdout

    applied = session.run("terraform", "apply", "-auto-approve", "-no-color", extra_env=RUNBOOK_ENV)
    assert applied.returncode == 0, applied.stdout + applied.stderr

    outputs = json.loads(session.run("terraform", "output", "-json").stdout)
    [instance] = session.live_instances()
    assert outputs["instance_id"]["value"] == instance["id"]
    assert outputs["public_ip"]["value"] == instance["public_ip"]
    # The user's own OCIDs, not placeholders, reached the simulated cloud.
    assert instance["compartment_id"] == COMPARTMENT
    assert instance["availability_domain"] == AD
    assert instance["source_details"]["source_id"] == IMAGE

    state_list = session.run("terraform", "state", "list")
    assert "oci_core_instance.this" in state_list.stdout.split()

    destroyed = session.run("terraform", "destroy", "-auto-approve", "-no-color")
    assert destroyed.returncode == 0
    assert session.live_instances() == []


def test_capacity_makes_the_apply_fail_with_the_provider_text(session):
    session.run("render", "--simulate", "capacity")
    applied = session.run("terraform", "apply", "-auto-approve")  # into a pipe: -no-color is added
    assert applied.returncode == 1
    assert "\x1b[" not in applied.stdout + applied.stderr
    assert "Error: 500-InternalError, Out of host capacity." in applied.stderr
    assert "Operation Name: LaunchInstance" in applied.stderr


def test_rendered_module_is_fmt_and_validate_clean(session):
    session.run("render", "--simulate", "ok", extra_env=RUNBOOK_ENV)
    fmt = session.run("terraform", "fmt", "-check", "-diff")
    assert fmt.returncode == 0, fmt.stdout
    validate = session.run("terraform", "validate", "-json")
    assert json.loads(validate.stdout)["valid"] is True, validate.stdout


def test_bundled_engine_when_no_terraform_on_path(session, tmp_path):
    no_terraform = {"PATH": str(Path(sys.executable).parent)}
    session.run("render", "--simulate", "ok")
    applied = session.run("terraform", "apply", "-auto-approve", "-no-color", extra_env=no_terraform)
    assert applied.returncode == 0, applied.stderr
    assert len(session.live_instances()) == 1
    version = session.run("terraform", "version", extra_env=no_terraform)
    assert version.stdout.startswith("Terraform v1.15")


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"COMPARTMENT_OCID": SUBNET}, "COMPARTMENT_OCID"),
        ({"OCPUS": "0"}, "OCPUS"),
        ({"MAX_ATTEMPTS": "-1"}, "MAX_ATTEMPTS"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_sent(session, env, field):
    result = session.run("retry", "--simulate", "ok", extra_env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and field in result.stderr
    assert "Traceback" not in result.stderr
    assert session.calls() == []


def test_missing_target_outside_simulation(session):
    result = session.run("retry", extra_env={"COMPARTMENT_OCID": COMPARTMENT})
    assert result.returncode == 2
    assert "SUBNET_OCID" in result.stderr and "Traceback" not in result.stderr


def test_unknown_scenario_outcome(session):
    result = session.run("retry", "--simulate", "capacity,sunshine")
    assert result.returncode == 2 and "--simulate" in result.stderr


def test_workdir_remembers_simulation(session):
    session.run("render", "--simulate", "ok")
    again = session.run("render")
    assert again.returncode == 0 and "simulated" in again.stdout


CORPUS_SAMPLES = [json.loads(line) for line in CORPUS.read_text().splitlines()] if CORPUS.exists() else []


@pytest.mark.parametrize("sample", CORPUS_SAMPLES, ids=[s["id"] for s in CORPUS_SAMPLES])
def test_classify_every_corpus_sample(sample):
    # The command in this process (the console script itself runs in the tests below): a process
    # per sample would cost more than the whole corpus.
    result = CliRunner().invoke(main, ["classify", "-"], input=sample["text"])
    assert result.exit_code == (1 if sample["category"] == "unknown" else 0), result.output
    assert json.loads(result.stdout)["category"] == sample["category"]


def test_classify_says_what_to_do_and_fails_on_unknown(session):
    from orchestrator.failures import TROUBLESHOOTING, Category

    capacity = session.run("classify", "-", input="Error: 500-InternalError, Out of host capacity.\n")
    assert capacity.returncode == 0
    assert capacity.stderr == f"capacity: {TROUBLESHOOTING[Category.CAPACITY]}\n"

    unknown = session.run("classify", "-", input="something no provider ever said\n")
    assert unknown.returncode == 1
    assert json.loads(unknown.stdout)["category"] == "unknown"
    assert unknown.stderr == f"unknown: {TROUBLESHOOTING[Category.UNKNOWN]}\n"


def test_a_closed_stdout_ends_quietly(session):
    """`coinpilot-tf ... | head -1`: the reader went away; exit 141 as after SIGPIPE, no error."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    closed = subprocess.run(
        [COINPILOT, "classify", "-"],
        input=b"Error: 429-TooManyRequests\n",
        stdout=write_end,
        stderr=subprocess.PIPE,
        env=session.env,
    )
    os.close(write_end)
    assert closed.returncode == 141
    assert b"Broken pipe" not in closed.stderr and b"Traceback" not in closed.stderr


def test_classify_a_file(session, tmp_path):
    output = tmp_path / "apply.txt"
    output.write_text("Error: 429-TooManyRequests, Too many requests for the tenant\n")
    result = session.run("classify", str(output))
    assert json.loads(result.stdout)["category"] == "throttle"


def test_version_and_help(session):
    assert session.run("--version").stdout.strip().startswith("coinpilot-tf, version")
    helped = session.run("--help").stdout
    for command in ("retry", "render", "classify", "terraform"):
        assert command in helped


def test_wheel_ships_the_templates_and_renders_from_elsewhere(tmp_path):
    wheel_dir = tmp_path / "wheel"
    # With the test extra's setuptools: an isolated build would install setuptools afresh each run.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheel_dir),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = wheel_dir.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "orchestrator/templates/main.tf.j2" in names
    assert {"orchestrator/recipes/coinpilot-tf.service", "orchestrator/recipes/coinpilot-tf.yml"} <= set(names)
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "COINPILOT_TF_WORKDIR": str(tmp_path / "wd"), **RUNBOOK_ENV}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import orchestrator, sys; assert 'site' in orchestrator.__file__; from orchestrator.cli import main; main()",
            "render",
            "--simulate",
            "ok",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "wd" / "main.tf").exists()


def test_loose_key_permissions_are_fixed_and_said(session):
    session.run("render", "--simulate", "ok")
    key = session.workdir / "ssh" / "coinpilot-ins_a1_flex"
    key.chmod(0o644)
    again = session.run("render")
    assert again.returncode == 0
    assert "fixed SSH key permissions" in again.stderr
    assert key.stat().st_mode & 0o777 == 0o600


def test_big_size_warns_but_runs(session):
    result = session.run("render", "--simulate", "ok", extra_env={"OCPUS": "4", "MEMORY_GBS": "24"})
    assert result.returncode == 0
    assert "warning:" in result.stderr and "Always Free" in result.stderr


def test_retry_refuses_a_missing_oci_config_before_any_call(session):
    result = session.run("retry", extra_env={**RUNBOOK_ENV})
    assert result.returncode == 2
    assert result.stderr.startswith("coinpilot-tf: oci config:") and "fix:" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (session.workdir / "terraform.tfstate").exists()


def test_retry_names_every_missing_target_in_one_run(session):
    result = session.run("retry")
    assert result.returncode == 2
    assert result.stderr == (
        "coinpilot-tf: COMPARTMENT_OCID, SUBNET_OCID, AVAILABILITY_DOMAIN: not set; "
        "export them (see the README) or try --simulate ok\n"
    )


def test_render_needs_no_oci_config_when_image_and_ads_are_given(session):
    """Nothing is asked of OCI: the module is written, with a warning naming what `retry` will need."""
    rendered = session.run("render", extra_env=RUNBOOK_ENV)
    assert rendered.returncode == 0, rendered.stderr
    assert (session.workdir / "main.tf").is_file() and (session.workdir / "terraform.tfvars.json").is_file()
    assert (
        "warning: `retry` will need oci config: " in rendered.stderr and ".oci/config does not exist" in rendered.stderr
    )
    assert "simulated" not in rendered.stdout
    retried = session.run("retry", extra_env=RUNBOOK_ENV)
    assert retried.returncode == 2
    assert retried.stderr.startswith("coinpilot-tf: oci config: ") and ".oci/config does not exist" in retried.stderr


@pytest.mark.parametrize(
    ("given", "run"),
    [
        (["plan"], ["plan", "-no-color"]),
        (["apply", "-auto-approve"], ["apply", "-no-color", "-auto-approve"]),
        (["state", "show", "oci_core_instance.this"], ["state", "show", "-no-color", "oci_core_instance.this"]),
        (["plan", "-no-color"], ["plan", "-no-color"]),
        (["version"], ["version"]),
        (["force-unlock", "ID"], ["force-unlock", "ID"]),
        (["-version"], ["-version"]),
        ([], []),
    ],
)
def test_the_passthrough_adds_no_color_where_terraform_takes_it(given, run):
    from orchestrator.commands.terraform import uncolored

    assert uncolored(given) == run
