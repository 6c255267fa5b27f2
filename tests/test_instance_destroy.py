"""`coinpilot-tf destroy` end to end: it asks for the instance name, refuses without it and while
a retry holds the workdir, destroys through Terraform, journals it and keeps the SSH key."""

from __future__ import annotations

import json
import os

import pytest

from orchestrator.lock import workdir_lock
from orchestrator.workdir import Workdir

from .session import Session
from .workdirs import copy_session, module_session


@pytest.fixture(scope="module")
def won(won_template, tmp_path_factory) -> Session:
    return copy_session(won_template, tmp_path_factory.mktemp("destroy"))


def assert_untouched(session: Session) -> None:
    assert len(session.live_instances()) == 1
    assert session.calls("TerminateInstance") == []
    assert (session.workdir / "launch_result.json").exists()


def test_refuses_without_a_terminal_to_confirm_on(won):
    result = won.run("destroy", input="coinpilot-ins\n")  # piped, not typed at a terminal

    assert result.returncode == 2
    assert "Type the instance name" not in result.stdout
    assert result.stderr == "coinpilot-tf: destroy: no terminal to confirm on; pass --yes (nothing destroyed)\n"
    assert_untouched(won)


def test_refuses_a_wrong_name(won):
    result = won.run_at_terminal("destroy", typed="coinpilot-b1\n")

    assert result.returncode == 2
    assert "Type the instance name (coinpilot-ins) to destroy it" in result.stdout
    assert (
        "destroy: not confirmed, nothing destroyed; type the instance name (coinpilot-ins) exactly, or pass --yes"
        in result.stderr
    )
    assert_untouched(won)


def test_refuses_while_a_retry_holds_the_workdir(won):
    with workdir_lock(Workdir(won.workdir), "retry", note=print):  # as a running `retry` holds it
        result = won.run("destroy", "--yes")

    assert result.returncode == 2
    assert f"`coinpilot-tf retry` (pid {os.getpid()}, since " in result.stderr
    assert f"is using {won.workdir}; wait for it to end, or stop it (kill {os.getpid()})" in result.stderr
    assert "Type the instance name" not in result.stdout
    assert_untouched(won)


def test_typing_the_name_destroys_it_and_keeps_the_key(won, tmp_path):
    session = copy_session(won, tmp_path)
    launch = json.loads((session.workdir / "launch_result.json").read_text())
    [instance] = session.live_instances()

    result = session.run_at_terminal("destroy", typed="coinpilot-ins\n")

    assert result.returncode == 0, result.stderr
    assert f"destroyed:    {instance['id']} (coinpilot-ins)" in result.stdout
    assert f"SSH key kept: {launch['ssh_private_key']}" in result.stdout
    assert session.live_instances() == []
    assert [call["instance_id"] for call in session.calls("TerminateInstance")] == [instance["id"]]
    assert session.journal("destroy")[-1]["instance_id"] == instance["id"]
    assert not (session.workdir / "launch_result.json").exists()
    key = launch["ssh_private_key"]
    assert os.path.exists(key) and os.path.exists(key + ".pub")
    state = json.loads((session.workdir / "terraform.tfstate").read_text())  # what Terraform wrote
    assert "oci_core_instance" not in {resource["type"] for resource in state["resources"]}

    again = session.run("destroy", "--yes")
    assert again.returncode == 0
    assert "nothing to destroy: the state holds no instance" in again.stdout
    assert len(session.calls("TerminateInstance")) == 1


def test_a_workdir_that_does_not_exist(tmp_path):
    session = module_session(tmp_path)
    result = session.run("destroy", "--yes")
    assert result.returncode == 2
    assert f"{session.workdir} does not exist yet" in result.stderr
    assert not session.workdir.exists()
