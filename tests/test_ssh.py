"""`coinpilot-tf ssh`: the command from state and launch result, printed or run with extra args."""

from __future__ import annotations

import json
import os
import shlex

import pytest

from .session import Session
from .workdirs import copy_session, module_session

# Stands in for OpenSSH: says how it was called, exits 7.
FAKE_SSH = '#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/argv"\nexit 7\n'


@pytest.fixture(scope="module")
def won(won_template, tmp_path_factory) -> Session:
    return copy_session(won_template, tmp_path_factory.mktemp("ssh"))


def expected(session: Session) -> tuple[str, str]:
    launch = json.loads((session.workdir / "launch_result.json").read_text())
    [instance] = session.live_instances()
    return launch["ssh_private_key"], instance["public_ip"]


def test_print_shows_the_command(won):
    key, ip = expected(won)
    result = won.run("ssh", "--print")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"ssh -i {shlex.quote(key)} ubuntu@{ip}\n"


def test_print_passes_extra_arguments_on(won):
    key, ip = expected(won)
    result = won.run("ssh", "--print", "-L", "8080:localhost:80", "uptime; df -h")
    assert result.returncode == 0, result.stderr
    assert shlex.split(result.stdout) == ["ssh", "-i", key, f"ubuntu@{ip}", "-L", "8080:localhost:80", "uptime; df -h"]


def test_runs_ssh_and_returns_its_exit_code(won, tmp_path):
    key, ip = expected(won)
    fake = tmp_path / "ssh"
    fake.write_text(FAKE_SSH)
    fake.chmod(0o755)
    result = won.run("ssh", "-v", "uptime", extra_env={"PATH": f"{tmp_path}{os.pathsep}{won.env['PATH']}"})
    assert result.returncode == 7
    assert (tmp_path / "argv").read_text().splitlines() == ["-i", key, f"ubuntu@{ip}", "-v", "uptime"]


def test_without_the_launch_result_it_says_how_to_get_it(won, tmp_path):
    session = copy_session(won, tmp_path)
    (session.workdir / "launch_result.json").unlink()
    result = session.run("ssh", "--print")
    assert result.returncode == 2
    assert "does not name the SSH key; run `coinpilot-tf retry`" in result.stderr


def test_before_the_instance_exists(tmp_path):
    session = module_session(tmp_path)
    assert session.run("retry", "--simulate", "capacity", extra_env={"MAX_ATTEMPTS": "1"}).returncode == 3
    result = session.run("ssh", "--print")
    assert result.returncode == 2
    assert "ssh: this workdir's state holds no instance; run `coinpilot-tf retry` first" in result.stderr
