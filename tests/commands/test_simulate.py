"""`coinpilot-tf simulate stop|terminate|cpu`: Oracle acting on our instance behind Terraform's back."""

import pytest

from orchestrator.simulator.store import CloudStore

from ..session import new_session


@pytest.fixture
def session(tmp_path):
    return new_session(tmp_path)


def _one_line_usage_error(result, *fragments):
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("coinpilot-tf: ") and "Traceback" not in result.stderr
    assert all(fragment in line for fragment in fragments), line


def test_stop_cpu_and_terminate_act_on_the_won_instance(session):
    won = session.run("retry", "--simulate", "ok")
    assert won.returncode == 0, won.stderr
    [instance] = session.live_instances()
    store = CloudStore(session.workdir / "simulator")
    calls_before = len(session.calls())

    stopped = session.run("simulate", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout == f"stopped by the simulated Oracle: {instance['display_name']} {instance['id']}: STOPPED\n"
    assert store.instances()[0]["lifecycle_state"] == "STOPPED"

    cpu = session.run("simulate", "cpu", "5")
    assert cpu.returncode == 0, cpu.stderr
    assert store.cpu_utilisation(instance["compartment_id"]) == {instance["id"]: 5.0}

    terminated = session.run("simulate", "terminate")
    assert terminated.returncode == 0, terminated.stderr
    assert terminated.stdout.endswith(f"{instance['id']}: TERMINATED\n")
    assert session.live_instances() == []
    # Oracle's doing, not an API call of ours.
    assert len(session.calls()) == calls_before

    _one_line_usage_error(session.run("simulate", "stop"), "INSTANCE_NAME", "no live instance named")


def test_simulate_refuses_a_workdir_that_is_not_simulated(session):
    for command in (["stop"], ["terminate"], ["cpu", "5"], ["serve"], ["occupy", "2:12"]):
        _one_line_usage_error(session.run("simulate", *command), "COINPILOT_TF_WORKDIR: ", "is not a simulated workdir")
    assert not session.workdir.exists()


def test_an_allowance_that_is_not_ocpus_colon_gb_is_one_line_and_nothing_runs(session):
    _one_line_usage_error(
        session.run("retry", "--simulate", "ok", extra_env={"COINPILOT_TF_SIM_ALLOWANCE": "lots"}),
        "COINPILOT_TF_SIM_ALLOWANCE: 'lots' is not an allowance; give OCPUS:GB",
    )
    _one_line_usage_error(session.run("simulate", "serve", "--dir", "sim", "--allowance", "4"), "--allowance: '4'")
    _one_line_usage_error(session.run("simulate", "occupy", "2"), "OCPUS:GB: '2' is not an allowance")
    assert not (session.workdir / "simulator").exists()


@pytest.mark.parametrize(
    "percent, complaint",
    [
        ("five", "is not a number"),
        ("nan", "is not a number"),
        ("150", "is not a CPU utilisation"),
        ("-1", "is not a CPU utilisation"),
    ],
)
def test_cpu_needs_a_percentage(session, percent, complaint):
    session.run("render", "--simulate", "ok")
    store = CloudStore(session.workdir / "simulator")
    store.launch_instance(
        {
            "availability_domain": "SiMu:SIM-REGION-1-AD-1",
            "compartment_id": store.snapshot()["compartments"][0],
            "display_name": "coinpilot-a1",
            "shape": "VM.Standard.A1.Flex",
            "shape_config": {"ocpus": 1, "memory_in_gbs": 6},
        }
    )
    _one_line_usage_error(session.run("simulate", "cpu", "--", percent), "PERCENT", complaint)
    assert store.cpu_utilisation(store.snapshot()["compartments"][0]) == {}


def test_a_scenario_with_a_unicode_digit_is_a_usage_error(session):
    _one_line_usage_error(session.run("retry", "--simulate", "capacity*²"), "--simulate", "repeat count")
    _one_line_usage_error(
        session.run(
            "simulate", "serve", "--dir", str(session.workdir.parent / "sim"), "--scenario", "start=capacity*²"
        ),
        "--scenario",
        "repeat count",
    )
    assert session.calls() == []
