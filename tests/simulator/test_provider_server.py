"""The simulated provider the tool starts once per run, which Terraform reattaches to
(orchestrator/simulator/provider_server.py): one process serves every Terraform command, it
outlives a killed tool while that tool's Terraform finishes the create, then it goes."""

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from orchestrator.simulator.cloud import SimulatedCloud
from orchestrator.simulator.kill_hook import ENV as KILL_AT
from orchestrator.simulator.launcher import LOG
from orchestrator.simulator.provider_server import SERVING
from orchestrator.simulator.store import CloudStore
from orchestrator.workdir import Workdir

from ..session import new_session
from ..test_crash_safety import state_instance
from ..workdirs import copy_session

# Only a guard: each wait below ends on an event (a process gone) well before it.
GUARD_SECONDS = 60
_STARTED = re.compile(rf"^{SERVING}: provider (\d+) for tool (\d+) at (\S+)$", re.MULTILINE)


def started_providers(folder: Path) -> list[tuple[int, int, Path]]:
    """(provider pid, tool pid, socket) of each provider started for the cloud in `folder`, from their log."""
    log = folder / LOG
    text = log.read_text() if log.exists() else ""
    return [(int(provider), int(tool), Path(socket)) for provider, tool, socket in _STARTED.findall(text)]


def running(pid: int) -> bool:
    """The process exists and is not a zombie (its new parent may be slow to reap it)."""
    shown = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    return shown.returncode == 0 and not shown.stdout.strip().startswith("Z")


def wait_until_gone(pid: int) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while running(pid):
        assert time.monotonic() < deadline, f"process {pid} still running after {GUARD_SECONDS} s"
        time.sleep(0.1)


def test_one_provider_serves_every_terraform_command_of_a_run_and_exits_after_it(tmp_path):
    session = new_session(tmp_path)

    result = session.run("retry", "--simulate", "capacity,ok")

    assert result.returncode == 0, result.stderr
    assert len(session.journal()) == 2  # two plans, two applies, and the commands around them
    [(provider, _, socket)] = started_providers(session.workdir / "simulator")
    wait_until_gone(provider)
    assert not socket.parent.exists()  # its socket's folder goes with it

    shown = session.run("status")  # reads the state only: needs no provider
    assert shown.returncode == 0, shown.stderr
    assert len(started_providers(session.workdir / "simulator")) == 1
    again = session.run("terraform", "validate")  # a later command that needs one starts its own
    assert again.returncode == 0, again.stderr
    assert len(started_providers(session.workdir / "simulator")) == 2


def test_a_tool_killed_mid_apply_leaves_its_terraform_a_provider_to_finish_the_create(tmp_path):
    session = new_session(tmp_path)

    # The provider SIGKILLs the tool once OCI has accepted the launch, before Terraform hears of it.
    killed = session.run("retry", "--simulate", "ok", extra_env={KILL_AT: "apply"})

    assert killed.returncode == -signal.SIGKILL
    [(provider, _, _)] = started_providers(session.workdir / "simulator")
    terraform = json.loads((session.workdir / "run.lock").read_text())["terraform_pid"]
    wait_until_gone(terraform)
    [instance] = session.live_instances()
    # The orphaned Terraform got its answer and saved it: the instance is in state, not tainted.
    assert state_instance(session.workdir) == (instance["id"], False)
    wait_until_gone(provider)

    again = session.run("retry")
    assert again.returncode == 0, again.stderr
    assert len(session.calls("LaunchInstance")) == 1
    assert not session.journal("adopted")  # found in state, not looked for in the compartment


def test_the_cloud_starts_its_provider_once_and_again_only_once_it_died_or_was_closed(tmp_path):
    workdir = Workdir(tmp_path / "workdir")
    workdir.create()
    cloud = SimulatedCloud(tmp_path / "simulator", workdir, "ok")
    CloudStore.ensure(cloud.folder)

    first = cloud.terraform_environment()
    assert cloud.terraform_environment() == first
    [(provider, tool, socket)] = started_providers(cloud.folder)
    assert tool == os.getpid()
    os.kill(provider, signal.SIGKILL)
    # Reaped here, as it is this process's child: `ps` shows a killed multi-threaded process as a
    # zombie while its other threads are still exiting, when it cannot be waited for yet.
    os.waitpid(provider, 0)
    replaced = cloud.terraform_environment()  # as Terraform would start a fresh one after a crash
    assert replaced != first
    assert not socket.parent.exists()  # the killed one could not clean up: the tool did
    [_, (provider, _, _)] = started_providers(cloud.folder)

    cloud.close()
    wait_until_gone(provider)  # nothing in flight: it goes
    assert cloud.terraform_environment() not in (first, replaced)
    cloud.close()


def test_a_command_that_reads_only_the_state_starts_no_provider(tmp_path, won_template):
    won = copy_session(won_template, tmp_path)
    folder = won.workdir / "simulator"
    before = len(started_providers(folder))

    shown = won.run("output", "--json")

    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["instance_id"].startswith("ocid1.instance.")
    assert len(started_providers(folder)) == before


def test_a_provider_that_cannot_start_stops_the_run_with_one_line(tmp_path):
    # A partial install: grpc's compiled part did not load (what `pip install .` once gave).
    broken = tmp_path / "partial-install" / "grpc"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text('raise ImportError("cygrpc is not compiled for this architecture")\n')
    session = new_session(tmp_path)

    result = session.run("retry", "--simulate", "ok", extra_env={"PYTHONPATH": str(broken.parent)})

    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("coinpilot-tf: the simulated provider did not start")
    assert "Traceback" not in result.stdout + result.stderr
    assert session.calls("LaunchInstance") == []
