"""`coinpilot-tf ssh`: the command from state and launch result, printed or run with extra args."""

from __future__ import annotations

import json
import os
import shlex

import pytest

from orchestrator.cloud import OciCloud
from orchestrator.ssh import run_ssh

from .session import Session
from .workdirs import copy_session

# Stands in for OpenSSH: says how it was called, exits 7.
FAKE_SSH = '#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/argv"\nexit 7\n'


@pytest.fixture(scope="module")
def won(won_template, tmp_path_factory) -> Session:
    return copy_session(won_template, tmp_path_factory.mktemp("ssh"))


def expected(session: Session) -> tuple[str, str]:
    launch = json.loads((session.workdir / "launch_result.json").read_text())
    [instance] = session.live_instances()
    return launch["ssh_private_key"], instance["public_ip"]


def fake_ssh(folder) -> dict[str, str]:
    """A PATH on which `ssh` is FAKE_SSH, writing folder/argv."""
    fake = folder / "ssh"
    fake.write_text(FAKE_SSH)
    fake.chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def test_print_shows_the_command(won):
    key, ip = expected(won)
    result = won.run("ssh", "--print")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"ssh -i {shlex.quote(key)} -o ConnectTimeout=15 ubuntu@{ip}\n"


def test_print_passes_extra_arguments_on(won):
    key, ip = expected(won)
    result = won.run("ssh", "--print", "-L", "8080:localhost:80", "uptime; df -h")
    assert result.returncode == 0, result.stderr
    assert shlex.split(result.stdout) == [
        *("ssh", "-i", key, "-o", "ConnectTimeout=15", f"ubuntu@{ip}"),
        *("-L", "8080:localhost:80", "uptime; df -h"),
    ]


@pytest.mark.parametrize("given", [("-o", "ConnectTimeout=3"), ("-oconnecttimeout 3",)])
def test_the_users_own_connect_timeout_is_the_one_used(won, given):
    key, ip = expected(won)
    result = won.run("ssh", "--print", *given)
    assert result.returncode == 0, result.stderr
    assert shlex.split(result.stdout) == ["ssh", "-i", key, f"ubuntu@{ip}", *given]


def test_a_simulated_instance_has_nothing_to_log_in_to(won, tmp_path):
    result = won.run("ssh", "uptime", extra_env=fake_ssh(tmp_path), timeout=60)
    assert result.returncode == 1
    assert result.stderr == (
        "coinpilot-tf: this instance is simulated: there is no machine to log in to; "
        "`coinpilot-tf ssh --print` shows the command a real instance would take\n"
    )
    assert not (tmp_path / "argv").exists()  # ssh never started: no connection was tried


def test_runs_ssh_and_returns_its_exit_code(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", fake_ssh(tmp_path)["PATH"])
    argv = ["ssh", "-i", "key", "-o", "ConnectTimeout=15", "ubuntu@192.0.2.1", "-v", "uptime"]
    assert run_ssh(argv, OciCloud()) == 7
    assert (tmp_path / "argv").read_text().splitlines() == argv[1:]


def test_without_the_launch_result_it_says_how_to_get_it(won, tmp_path):
    session = copy_session(won, tmp_path)
    (session.workdir / "launch_result.json").unlink()
    result = session.run("ssh", "--print")
    assert result.returncode == 2
    assert "does not name the SSH key; run `coinpilot-tf retry`" in result.stderr


def test_before_the_instance_exists(failed_once_template, tmp_path):
    session = copy_session(failed_once_template, tmp_path)
    result = session.run("ssh", "--print")
    assert result.returncode == 2
    assert "ssh: this workdir's state holds no instance; run `coinpilot-tf retry` first" in result.stderr
