"""The files in scripts/: the runbook's launcher (run with the runbook's environment block against
the simulator), the systemd unit and the cron line (checked for syntax with what this machine has)."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .session import COINPILOT
from .test_config import AD, COMPARTMENT, IMAGE, SUBNET
from .workdirs import module_session

REPO = Path(__file__).resolve().parents[1]
LAUNCHER = REPO / "scripts" / "cloud" / "oci_retry_launch_a1_flex.sh"
UNIT = REPO / "scripts" / "systemd" / "coinpilot-tf.service"
CRON = REPO / "scripts" / "cron" / "coinpilot-tf.cron"

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
# One cron field: *, a number or range, lists of those, each with an optional /step.
CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
CRON_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


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


def test_systemd_unit_parses_and_runs_retry():
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read_string(UNIT.read_text())
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    command = service["ExecStart"].split()
    assert command[0].startswith("%h/") and command[0].endswith("/.venv/bin/coinpilot-tf")
    assert command[1] == "retry" and "--once" not in command
    assert service["EnvironmentFile"] == "%h/.config/coinpilot-tf/env"
    # Only coinpilot-tf gets the stop signal: a second interrupt would make Terraform skip saving state.
    assert service["KillMode"] == "mixed"
    assert service["RestartPreventExitStatus"].split() == ["1", "2", "3"]
    assert unit["Install"]["WantedBy"] == "default.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verify_accepts_the_unit(tmp_path):
    # The unit as installed: ExecStart must exist under %h, so give it a HOME with the clone's venv.
    venv_bin = tmp_path / "coinpilot-tf" / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "coinpilot-tf").symlink_to(COINPILOT)
    (tmp_path / "runtime").mkdir(mode=0o700)
    env = {**os.environ, "HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path / "runtime")}
    result = subprocess.run(
        ["systemd-analyze", "verify", "--user", str(UNIT)], env=env, capture_output=True, text=True, timeout=60
    )
    if "Failed to initialize manager" in result.stderr:
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # bad values are only warned about


def cron_line() -> tuple[list[str], str]:
    [line] = [line for line in CRON.read_text().splitlines() if line.strip() and not line.startswith("#")]
    *fields, command = line.split(None, 5)
    return fields, command


def test_cron_line_has_five_valid_fields():
    fields, command = cron_line()
    assert len(fields) == 5
    for field, (low, high) in zip(fields, CRON_RANGES, strict=False):
        assert CRON_FIELD.match(field), field
        assert all(low <= int(number) <= high for number in re.findall(r"(?<!/)\b\d+", field)), field
    assert "%" not in command  # cron turns % into a newline
    assert 'coinpilot-tf" retry --once' in command
    assert subprocess.run(["sh", "-n", "-c", command]).returncode == 0


def test_cron_command_runs_one_sweep_in_the_simulator(tmp_path):
    """The command as cron runs it: sh, a short PATH, only HOME set; settings from the env file."""
    session = module_session(tmp_path / "user")
    assert session.run("render", "--simulate", "capacity").returncode == 0
    home = tmp_path / "home"
    venv_bin = home / "coinpilot-tf" / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "coinpilot-tf").symlink_to(COINPILOT)
    config = home / ".config" / "coinpilot-tf"
    config.mkdir(parents=True)
    settings = [
        f"COINPILOT_TF_WORKDIR={session.workdir}",
        "RETRY_INTERVAL_SECONDS=0",
        f"XDG_DATA_HOME={session.env['XDG_DATA_HOME']}",
    ]
    if shutil.which("terraform"):
        settings.append(f"COINPILOT_TF_TERRAFORM={shutil.which('terraform')}")  # cron's PATH lacks /usr/local/bin
    (config / "env").write_text("\n".join(settings) + "\n")

    _, command = cron_line()
    result = subprocess.run(
        ["sh", "-c", command],
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "SHELL": "/bin/sh"},
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 3, (config / "cron.log").read_text()  # --once met capacity: gave up for now
    log = (config / "cron.log").read_text()
    assert "attempt 1" in log and "capacity" in log
    assert len(session.calls("LaunchInstance")) == 1
