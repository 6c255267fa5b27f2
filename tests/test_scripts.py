"""The runbook's launcher in scripts/, run with the runbook's environment block against the
simulator (the systemd unit and the cron line are printed by `coinpilot-tf unattended`:
test_unattended.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from .session import COINPILOT
from .test_config import AD, COMPARTMENT, IMAGE, SUBNET
from .workdirs import module_session

REPO = Path(__file__).resolve().parents[1]
LAUNCHER = REPO / "scripts" / "cloud" / "oci_retry_launch_a1_flex.sh"

# The runbook's variable block (README: Real use, which shows DISCORD_NOTIFY_EVERY_N_ATTEMPTS under its new
# name), with well-formed OCIDs and no waiting.
RUNBOOK_BLOCK = f"""
export OCI_PROFILE=DEFAULT
export COMPARTMENT_OCID={COMPARTMENT}
export SUBNET_OCID={SUBNET}
export AVAILABILITY_DOMAIN={AD}
export IMAGE_OCID={IMAGE}
export INSTANCE_NAME=runbook-a1
export OCPUS=2 MEMORY_GBS=12
export RETRY_INTERVAL_SECONDS=0 MAX_ATTEMPTS=0
export THROTTLE_RETRY_BASE_SECONDS=0 THROTTLE_RETRY_MAX_SECONDS=0 THROTTLE_JITTER_MAX_SECONDS=0
export DISCORD_WEBHOOK_URL=
export DISCORD_NOTIFY_EVERY_N_ATTEMPTS=10
"""


def exported_names(block: str) -> set[str]:
    return {
        name for line in block.splitlines() if line.startswith("export ") for name in re.findall(r"([A-Z_]+)=", line)
    }


def test_launcher_passes_bash_n():
    result = subprocess.run(["bash", "-n", str(LAUNCHER)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert os.access(LAUNCHER, os.X_OK)


def test_the_block_has_the_runbook_variables_the_readme_shows():
    readme = (REPO / "README.md").read_text()
    real_use = readme.split("## Real use", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    renamed = {"DISCORD_NOTIFY_EVERY_N_ATTEMPTS": "NOTIFY_EVERY_N_ATTEMPTS"}
    assert {renamed.get(name, name) for name in exported_names(RUNBOOK_BLOCK)} == exported_names(real_use)


def test_launcher_with_the_runbook_environment_wins_in_the_simulator(tmp_path):
    session = module_session(tmp_path)
    env = {**session.env, "PATH": f"{Path(COINPILOT).parent}{os.pathsep}{session.env['PATH']}"}
    result = subprocess.run(
        ["bash", "-c", f'{RUNBOOK_BLOCK}\nexec "$0" --simulate "capacity,ok"', str(LAUNCHER)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "won the instance after 2 attempts" in result.stdout
    [instance] = session.live_instances()
    assert instance["display_name"] == "runbook-a1"
    assert instance["compartment_id"] == COMPARTMENT
    assert instance["availability_domain"] == AD
    assert instance["source_details"]["source_id"] == IMAGE
    assert [entry["category"] for entry in session.journal()] == ["capacity", "success"]


def test_launcher_says_how_to_install_when_coinpilot_tf_is_missing(tmp_path):
    # A copy outside the clone, so it finds no .venv next to it either.
    launcher = tmp_path / LAUNCHER.name
    shutil.copy(LAUNCHER, launcher)
    result = subprocess.run(
        ["bash", str(launcher)],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "coinpilot-tf is not installed" in result.stderr
    assert ".venv/bin/pip install -e ." in result.stderr
