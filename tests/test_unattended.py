"""`coinpilot-tf unattended systemd|cron`: recipes that name the executable that printed them and
the settings file, checked with what this machine has (configparser, systemd-analyze, sh) and run
as cron would run them."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from orchestrator.errors import ToolError
from orchestrator.unattended import running_executable

from .session import COINPILOT, new_session
from .workdirs import module_session

# One cron field: *, a number or range, lists of those, each with an optional /step.
CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
CRON_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


@pytest.fixture
def session(tmp_path):
    return new_session(tmp_path)


def unit_of(text: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read_string(text)
    return unit


def test_the_unit_runs_this_executable_with_the_default_config_file(session, isolated_home):
    printed = session.run("unattended", "systemd")
    assert printed.returncode == 0, printed.stderr
    unit = unit_of(printed.stdout)
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    config = isolated_home / ".config" / "coinpilot-tf" / "config.toml"
    assert service["ExecStart"].split() == [COINPILOT, "retry", "--log-format", "text", "--config", str(config)]
    assert "EnvironmentFile" not in service  # coinpilot-tf reads the settings itself: one parser
    # Only coinpilot-tf gets the stop signal: a second interrupt would make Terraform skip saving state.
    assert service["KillMode"] == "mixed"
    assert service["RestartPreventExitStatus"].split() == ["1", "2", "3"]
    assert unit["Install"]["WantedBy"] == "default.target"
    assert (
        printed.stderr
        == f"note: {config} does not exist yet: write your settings there (docs/configuration.md) or use --env-file\n"
    )


def test_the_unit_names_the_env_file_given_and_the_path_it_was_run_by(session, tmp_path):
    """A pipx install runs ~/.local/bin/coinpilot-tf, a link into pipx's venv: the link is named."""
    link = tmp_path / "bin" / "coinpilot-tf"
    link.parent.mkdir()
    link.symlink_to(COINPILOT)
    env_file = tmp_path / "my env"
    env_file.write_text("INSTANCE_NAME=a1\n")
    printed = subprocess.run(
        [str(link), "unattended", "systemd", "--env-file", str(env_file)],
        env=session.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert printed.returncode == 0 and printed.stderr == ""
    exec_start = unit_of(printed.stdout)["Service"]["ExecStart"]
    assert exec_start == f'{link} retry --log-format text --env-file "{env_file}"'


def test_a_bad_settings_file_fails_now_not_in_the_scheduler(session, tmp_path):
    for recipe in ("systemd", "cron"):
        missing = session.run("unattended", recipe, "--env-file", str(tmp_path / "nope"))
        assert missing.returncode == 2
        assert (
            missing.stderr
            == f"coinpilot-tf: --env-file: {tmp_path / 'nope'} does not exist; give the file of NAME=value lines\n"
        )
    bad = tmp_path / "bad.toml"
    bad.write_text("colour = 'blue'\n")
    refused = session.run("unattended", "systemd", "--config", str(bad))
    assert refused.returncode == 2 and refused.stderr.startswith("coinpilot-tf: --config: unknown key 'colour'")


def test_the_executable_is_the_console_script_when_run_as_a_module(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(Path(COINPILOT).parent))
    assert running_executable("/somewhere/orchestrator/cli.py") == Path(COINPILOT)
    assert running_executable("coinpilot-tf") == Path(COINPILOT)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolError, match="no coinpilot-tf command to schedule; install it"):
        running_executable("/somewhere/orchestrator/cli.py")


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed here (Debian: apt-get install systemd)",
)
def test_systemd_analyze_verify_accepts_the_unit(session, tmp_path):
    env_file = tmp_path / "env"
    env_file.write_text("INSTANCE_NAME=a1\n")
    unit = tmp_path / "coinpilot-tf.service"
    unit.write_text(session.run("unattended", "systemd", "--env-file", str(env_file)).stdout)
    (tmp_path / "runtime").mkdir(mode=0o700)
    env = {**session.env, "XDG_RUNTIME_DIR": str(tmp_path / "runtime")}
    result = subprocess.run(
        ["systemd-analyze", "verify", "--user", str(unit)], env=env, capture_output=True, text=True, timeout=60
    )
    if "Failed to initialize manager" in result.stderr:
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # bad values are only warned about


def cron_line(text: str) -> tuple[list[str], str]:
    [line] = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    *fields, command = line.split(None, 5)
    return fields, command


def test_cron_line_has_five_valid_fields(session, isolated_home):
    fields, command = cron_line(session.run("unattended", "cron").stdout)
    assert len(fields) == 5
    for field, (low, high) in zip(fields, CRON_RANGES, strict=False):
        assert CRON_FIELD.match(field), field
        assert all(low <= int(number) <= high for number in re.findall(r"(?<!/)\b\d+", field)), field
    assert "%" not in command  # cron turns % into a newline
    config = isolated_home / ".config" / "coinpilot-tf"
    assert command == (
        f"{COINPILOT} retry --once --log-format text --config {config / 'config.toml'} >> {config / 'cron.log'} 2>&1"
    )
    assert subprocess.run(["sh", "-n", "-c", command]).returncode == 0


def test_cron_command_runs_one_sweep_in_the_simulator(tmp_path):
    """The command as cron runs it: sh, a short PATH, only HOME set; settings from the env file,
    quoted values included."""
    session = module_session(tmp_path / "user")
    assert session.run("render", "--simulate", "capacity").returncode == 0
    home = tmp_path / "home"
    settings = home / ".config" / "coinpilot-tf"
    settings.mkdir(parents=True)
    lines = [
        f"COINPILOT_TF_WORKDIR={session.workdir}",
        "RETRY_INTERVAL_SECONDS=0",
        f"XDG_DATA_HOME={session.env['XDG_DATA_HOME']}",
        'NOTIFY_EVENTS="success, stop"',  # sh's `set -a; . env` read this as NOTIFY_EVENTS=success
    ]
    if shutil.which("terraform"):
        lines.append(f"COINPILOT_TF_TERRAFORM={shutil.which('terraform')}")  # cron's PATH lacks /usr/local/bin
    (settings / "env").write_text("\n".join(lines) + "\n")
    printed = session.run("unattended", "cron", "--env-file", str(settings / "env"))
    assert printed.returncode == 0, printed.stderr

    _, command = cron_line(printed.stdout)
    result = subprocess.run(
        ["sh", "-c", command],
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "SHELL": "/bin/sh"},
        capture_output=True,
        text=True,
        timeout=180,
    )

    log = (settings / "cron.log").read_text()
    assert result.returncode == 3, log  # --once met capacity: not this time
    assert "attempt 1" in log and "capacity" in log
    assert len(session.calls("LaunchInstance")) == 1


def test_the_unit_runs_a_whole_targets_file_as_one_service(session, tmp_path):
    targets = tmp_path / "targets.toml"
    targets.write_text('[targets.alice]\noci_profile = "ALICE"\n[targets.bob]\noci_profile = "BOB"\n')
    printed = session.run("unattended", "systemd", "--targets", str(targets))
    assert printed.returncode == 0 and printed.stderr == ""
    exec_start = unit_of(printed.stdout)["Service"]["ExecStart"]
    assert exec_start.split() == [COINPILOT, "retry", "--log-format", "text", "--targets", str(targets)]
    targets.write_text("[targets.alice]\nocpus = 0\n")
    refused = session.run("unattended", "cron", "--targets", str(targets))
    assert refused.returncode == 2 and refused.stderr.startswith("coinpilot-tf: targets.alice.ocpus in")
