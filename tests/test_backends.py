"""STATE_BACKEND and STATE_BACKEND_CONFIG: checked settings, the rendered backend block, and the
engine each backend needs (doctor's `state backend` check, which `retry` runs first)."""

from __future__ import annotations

import os

import pytest

from orchestrator import checks
from orchestrator.backends import engine_problem
from orchestrator.config import load_settings
from orchestrator.engine import BUNDLED, find_engine
from orchestrator.errors import UsageError
from orchestrator.render import Target, render
from orchestrator.workdir import Workdir

from .session import command_session, new_session
from .test_config import RUNBOOK_ENV
from .test_render import PUBLIC_KEY


def test_backend_settings_from_the_environment_and_repeated_flags():
    settings = load_settings(
        {}, {"STATE_BACKEND": "PG", "STATE_BACKEND_CONFIG": "schema_name=a1, skip_table_creation=false"}
    )
    assert settings.state_backend == "pg"
    assert settings.backend_config == (("schema_name", "a1"), ("skip_table_creation", "false"))
    flags = load_settings({"state_backend": "oci", "backend_config": ("bucket=tfstate", "namespace=ns")}, {})
    assert flags.backend_config == (("bucket", "tfstate"), ("namespace", "ns"))
    assert load_settings({}, {}).state_backend == "local"


@pytest.mark.parametrize(
    ("env", "field", "hint"),
    [
        ({"STATE_BACKEND": "consul"}, "STATE_BACKEND", "use one of local, oci, s3, pg"),
        (
            {"STATE_BACKEND": "pg", "STATE_BACKEND_CONFIG": "schema_name"},
            "STATE_BACKEND_CONFIG",
            "item 1 is not KEY=VALUE",
        ),
        ({"STATE_BACKEND": "pg", "STATE_BACKEND_CONFIG": "a=1,=2"}, "STATE_BACKEND_CONFIG", "item 2 is not KEY=VALUE"),
        ({"STATE_BACKEND_CONFIG": "path=x"}, "STATE_BACKEND_CONFIG", "set STATE_BACKEND (oci, s3 or pg) too"),
        (
            {"STATE_BACKEND": "pg", "STATE_BACKEND_CONFIG": "conn_str=postgres://u:hunter2@db/x"},
            "STATE_BACKEND_CONFIG",
            "use PG_CONN_STR instead",
        ),
        (
            {"STATE_BACKEND": "s3", "STATE_BACKEND_CONFIG": "secret_key=hunter2"},
            "STATE_BACKEND_CONFIG",
            "use AWS_SECRET_ACCESS_KEY instead",
        ),
    ],
)
def test_bad_backend_settings_name_the_setting_and_the_fix_without_echoing_values(env, field, hint):
    with pytest.raises(UsageError) as caught:
        load_settings({}, env)
    assert caught.value.field == field
    assert hint in caught.value.problem
    assert "hunter2" not in str(caught.value)


def test_a_remote_backend_renders_an_empty_backend_block_and_local_removes_it(tmp_path):
    workdir = Workdir(tmp_path / "wd")

    def render_with(**env):
        settings = load_settings({}, {**RUNBOOK_ENV, **env})
        return render(settings, Target(settings.availability_domains[0], settings.size_list()[0]), PUBLIC_KEY, workdir)

    render_with()
    assert not workdir.remote_state
    assert render_with(STATE_BACKEND="pg", STATE_BACKEND_CONFIG="schema_name=x") == ["backend.tf"]
    text = workdir.backend_file.read_text()
    assert 'backend "pg" {}' in text and "schema_name" not in text  # the values go to init, not here
    assert workdir.state_backend == "pg"
    assert render_with() == ["backend.tf"]
    assert not workdir.backend_file.exists() and workdir.state_backend == "local"


@pytest.mark.parametrize(
    ("backend", "kind", "version", "problem"),
    [
        ("oci", "terraform", "1.11.4", "the 'oci' state backend needs Terraform 1.12 or newer"),
        ("oci", "terraform", "1.12.0", None),
        ("oci", "bundled", "1.15.5", None),
        ("oci", "tofu", "1.10.6", "OpenTofu has no 'oci' state backend"),
        ("s3", "terraform", "1.10.5", "the 's3' state backend needs Terraform 1.11 or newer"),
        ("s3", "tofu", "1.10.0", None),
        ("pg", "terraform", "1.5.7", None),
        ("local", "tofu", "1.6.0", None),
    ],
)
def test_which_engine_each_backend_needs(backend, kind, version, problem):
    assert engine_problem(backend, kind, version) == problem


def test_terraform_bundled_picks_the_engine_shipped_with_coinpilot_tf():
    engine = find_engine(BUNDLED, os.environ)
    assert engine.kind == BUNDLED and engine.version.startswith("1.")
    assert find_engine(None, {**os.environ, "COINPILOT_TF_TERRAFORM": BUNDLED}) == engine


def test_doctor_checks_the_engine_against_the_backend(tmp_path):
    workdir = tmp_path / "wd"
    backend = {"state_backend": "oci", "backend_config": ("bucket=b", "namespace=n")}
    old = tmp_path / "bin" / "terraform"
    old.parent.mkdir()
    old.write_text("#!/bin/sh\necho 'Terraform v1.11.4'\n")
    old.chmod(0o755)
    check = next(check for check in checks.LOCAL_CHECKS if check.name == "state backend")

    [outcome] = checks.run_checks(checks.context_for(command_session(workdir, engine=str(old), **backend)), (check,))

    assert outcome.status == "FAIL"
    assert outcome.line() == (
        f"FAIL  state backend: STATE_BACKEND=oci: the 'oci' state backend needs Terraform 1.12 or newer, and the "
        f"engine is terraform 1.11.4 ({old}); fix: put a newer terraform on PATH, or use the engine shipped with "
        "coinpilot-tf: --terraform bundled (COINPILOT_TF_TERRAFORM=bundled)"
    )
    [bundled] = checks.run_checks(checks.context_for(command_session(workdir, engine=BUNDLED, **backend)), (check,))
    assert bundled.status == "ok"


def test_retry_with_a_backend_the_engine_lacks_stops_in_one_line_before_anything(tmp_path):
    old = tmp_path / "bin" / "terraform"
    old.parent.mkdir()
    old.write_text("#!/bin/sh\necho 'Terraform v1.11.4'\n")
    old.chmod(0o755)
    session = new_session(
        tmp_path, STATE_BACKEND="oci", STATE_BACKEND_CONFIG="bucket=b,namespace=n", COINPILOT_TF_TERRAFORM=str(old)
    )

    result = session.run("retry", "--simulate", "ok")

    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "coinpilot-tf: state backend: STATE_BACKEND=oci: the 'oci' state backend needs Terraform 1.12"
    )
    assert line.endswith("--terraform bundled (COINPILOT_TF_TERRAFORM=bundled)")
    assert session.calls("LaunchInstance") == []
