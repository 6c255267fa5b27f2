"""Never two instances, never lose the won one: tainted state, lost launches, adoption, and a
won instance that stays put when the module is rendered again."""

from __future__ import annotations

import io
import signal
from pathlib import Path

import pytest

from orchestrator.launch_inputs import prepare
from orchestrator.loop import RetryLoop
from orchestrator.notify import Notifier
from orchestrator.policy import Policy, PolicyConfig, Waiter
from orchestrator.progress import Reporter
from orchestrator.reconcile import Reconciler
from orchestrator.simulator.kill_hook import ENV as KILL_AT
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

from .session import Session, command_session, new_session
from .test_crash_safety import state_instance
from .workdirs import built_once, copy_session, module_session

OLDER_IMAGE = f"ocid1.image.oc1.{PLACEHOLDERS['region']}.aaaaaaaart2nq5rmpp7rj4z465jaghvzaz3oiw7d3hdtdr27rtpemyn466sq"


@pytest.fixture
def session(tmp_path):
    return new_session(tmp_path)


def _crashed(base: Path) -> Session:
    session = module_session(base)
    result = session.run("retry", "--once", "--simulate", "timeout_running,ok", extra_env={KILL_AT: "journal"})
    assert result.returncode == -signal.SIGKILL
    [instance] = session.live_instances()
    assert state_instance(session.workdir) == (instance["id"], True)
    return session


@pytest.fixture(scope="session")
def crashed(run_folder) -> Session:
    """A run killed right after its launch timed out: the state holds a tainted instance. Built
    once per test run (the module's tests may run on several workers); never changed: copied."""
    return built_once(run_folder, "crashed", _crashed)


def _launches_since(session, before: int) -> int:
    return len(session.calls("LaunchInstance")) - before


def _in_process_loop(tmp_path, monkeypatch, scenario):
    """The loop with the real engine, simulator and SDK, and a waiter that records instead of sleeping."""
    monkeypatch.setenv("COINPILOT_TF_WORKDIR", str(tmp_path / "wd"))
    session = command_session(tmp_path / "wd", simulate=scenario)
    prepared = prepare(session)
    waits = []
    notes = io.StringIO()
    loop = RetryLoop(
        prepared,
        session.terraform,
        policy=Policy(PolicyConfig()),
        waiter=Waiter(sleep=lambda seconds: waits.append(seconds) and False),
        notifier=Notifier([]),
        reporter=Reporter(notes, "text"),
    )
    return loop, waits, notes


def _our_instance(
    store: CloudStore, *, display_name="coinpilot-ins", tagged=True, ocpus=2, memory=12, shape="VM.Standard.A1.Flex"
):
    """An instance launched outside this workdir's state (the scenario must answer `ok`)."""
    launch = store.launch_instance(
        {
            "availability_domain": PLACEHOLDERS["availability_domains"][0],
            "compartment_id": PLACEHOLDERS["compartment_ocid"],
            "display_name": display_name,
            "shape": shape,
            "shape_config": {"ocpus": ocpus, "memory_in_gbs": memory},
            "source_details": {"source_type": "image", "source_id": PLACEHOLDERS["image_ocid"]},
            "create_vnic_details": {"subnet_id": PLACEHOLDERS["subnet_ocid"], "assign_public_ip": True},
            "freeform_tags": {"coinpilot-tf": display_name} if tagged else {},
        }
    )
    assert launch.outcome == "ok"
    return launch.instance


# ----- tainted state -----


def test_a_tainted_instance_that_is_running_is_kept(session):
    result = session.run("retry", "--once", "--simulate", "timeout_running,ok")

    assert result.returncode == 0, result.stderr
    [instance] = session.live_instances()
    assert len(session.calls("LaunchInstance")) == 1
    assert state_instance(session.workdir) == (instance["id"], False)
    assert "the unfinished launch did create the instance: kept it" in result.stderr + result.stdout
    assert f"instance id:  {instance['id']}" in result.stdout
    [kept] = session.journal("kept")
    assert kept["instance_id"] == instance["id"] and kept["lifecycle_state"] == "RUNNING"


def test_a_tainted_instance_left_by_a_crash_is_kept_by_the_next_run(crashed, tmp_path):
    session = copy_session(crashed, tmp_path)
    [instance] = session.live_instances()

    result = session.run("retry")

    assert result.returncode == 0, result.stderr
    assert len(session.calls("LaunchInstance")) == 1
    assert state_instance(session.workdir) == (instance["id"], False)
    assert session.journal("kept")


def test_a_tainted_instance_that_terminated_is_replaced(tmp_path, monkeypatch):
    loop, waits, _ = _in_process_loop(tmp_path, monkeypatch, "timeout_terminated,ok")

    outcome = loop.run()

    assert outcome.exit_code == 0
    store = CloudStore(loop.prepared.workdir.path / "simulator")
    first, second = store.instances()
    assert (first["lifecycle_state"], second["lifecycle_state"]) == ("TERMINATED", "RUNNING")
    assert state_instance(loop.prepared.workdir.path) == (second["id"], False)
    assert outcome.launch.instance_id == second["id"]
    assert [e["category"] for e in loop.journal.entries() if e["event"] == "attempt"] == ["uncertain", "success"]
    assert len(waits) == 1


def _reconciler(session, monkeypatch, sleep):
    monkeypatch.setenv("COINPILOT_TF_WORKDIR", str(session.workdir))
    command = command_session(session.workdir)
    prepare(command)
    notes = []
    tf = command.terraform
    tf.write_cli_config()
    return Reconciler(tf, "coinpilot-ins", Waiter(sleep=sleep), notes.append), notes


def test_a_kept_instance_still_provisioning_is_waited_for_until_running(crashed, tmp_path, monkeypatch):
    session = copy_session(crashed, tmp_path)
    [instance_id] = [instance["id"] for instance in session.live_instances()]
    store = CloudStore(session.workdir / "simulator")
    store.update_instance(instance_id, {"lifecycle_state": "PROVISIONING"})
    polls = []

    def one_poll_later(seconds):
        polls.append(seconds)
        store.update_instance(instance_id, {"lifecycle_state": "RUNNING"})
        return False

    reconciler, notes = _reconciler(session, monkeypatch, one_poll_later)
    kept = reconciler.find()

    assert (kept.instance_id, kept.how, kept.lifecycle_state) == (instance_id, "kept", "RUNNING")
    assert len(polls) == 1
    assert state_instance(session.workdir) == (instance_id, False)
    assert notes == [f"the unfinished launch did create {instance_id} (PROVISIONING): keeping it"]


def test_a_kept_instance_that_fails_to_start_leaves_the_state(crashed, tmp_path, monkeypatch):
    session = copy_session(crashed, tmp_path)
    [instance_id] = [instance["id"] for instance in session.live_instances()]
    store = CloudStore(session.workdir / "simulator")
    store.update_instance(instance_id, {"lifecycle_state": "PROVISIONING"})

    def it_terminates(seconds):
        store.terminate_instance(instance_id)
        return False

    reconciler, notes = _reconciler(session, monkeypatch, it_terminates)

    assert reconciler.find() is None
    assert state_instance(session.workdir) is None
    assert notes[-1] == f"{instance_id} ended TERMINATED before it ran; launching again"


# ----- launches whose result never reached state -----


def test_a_lost_launch_is_adopted_in_the_same_run(session):
    result = session.run("retry", "--once", "--simulate", "lost,ok")

    assert result.returncode == 0, result.stderr
    assert len(session.calls("LaunchInstance")) == 1
    [lost] = session.live_instances()
    assert state_instance(session.workdir) == (lost["id"], False)
    assert f"adopted {lost['id']} (RUNNING), launched earlier but missing from state" in result.stdout
    [adopted] = session.journal("adopted")
    assert adopted["instance_id"] == lost["id"]
    assert session.run("retry").returncode == 0
    assert len(session.calls("LaunchInstance")) == 1
    plan = session.run("terraform", "plan", "-detailed-exitcode", "-no-color")
    assert plan.returncode == 0, plan.stdout + plan.stderr


def test_a_lost_launch_is_adopted_before_the_next_launch(tmp_path, monkeypatch):
    loop, waits, _ = _in_process_loop(tmp_path, monkeypatch, "lost,ok")

    outcome = loop.run()

    assert outcome.exit_code == 0
    store = CloudStore(loop.prepared.workdir.path / "simulator")
    [lost] = store.instances()
    assert outcome.launch.instance_id == lost["id"]
    assert [e["category"] for e in loop.journal.entries() if e["event"] == "attempt"] == ["transient"]
    assert [c["outcome"] for c in store.calls() if c["op"] == "LaunchInstance"] == ["lost"]
    assert waits == []  # found before the transient wait


def test_only_a_live_instance_with_our_tag_or_name_is_adopted(session):
    store = CloudStore.ensure(session.workdir / "simulator", "ok")
    terminated = _our_instance(store)
    store.terminate_instance(terminated["id"])
    _our_instance(store, display_name="someone-else", shape="VM.Standard.E2.1.Micro", ocpus=1, memory=1)

    result = session.run("retry", "--simulate", "ok")

    assert result.returncode == 0, result.stderr
    assert not session.journal("adopted")
    [launch] = session.calls("LaunchInstance")
    assert state_instance(session.workdir) == (launch["instance_id"], False)
    assert session.calls("ListInstances")


def test_of_several_ours_the_oldest_is_adopted_and_the_others_are_named(session):
    store = CloudStore.ensure(session.workdir / "simulator", "ok")
    oldest = _our_instance(store, tagged=False, ocpus=1, memory=6)  # our display name is enough
    other = _our_instance(store, ocpus=1, memory=6)

    result = session.run("retry", "--simulate", "ok")

    assert result.returncode == 0, result.stderr
    assert session.calls("LaunchInstance") == []
    assert state_instance(session.workdir) == (oldest["id"], False)
    assert f"adopting the oldest, {oldest['id']}; check the others yourself: {other['id']}" in result.stdout


# ----- a won instance stays -----


def test_after_a_win_plan_is_clean_and_a_new_image_or_key_plans_no_replacement(tmp_path, won_template):
    session = copy_session(won_template, tmp_path)
    [instance] = session.live_instances()
    plan = session.run("terraform", "plan", "-detailed-exitcode", "-no-color")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout
    changed = {"IMAGE_OCID": OLDER_IMAGE, "SSH_KEY_PATH": str(tmp_path / "new-key" / "id")}

    rendered = session.run("render", extra_env=changed)
    assert rendered.returncode == 0, rendered.stderr
    assert "terraform.tfvars.json" in rendered.stdout
    plan = session.run("terraform", "plan", "-detailed-exitcode", "-no-color", extra_env=changed)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    launches = len(session.calls("LaunchInstance"))

    again = session.run("retry", extra_env=changed)

    assert again.returncode == 0, again.stderr
    assert _launches_since(session, launches) == 0
    assert session.live_instances() == [instance]
    assert not session.calls("TerminateInstance") and not session.calls("UpdateInstance")
