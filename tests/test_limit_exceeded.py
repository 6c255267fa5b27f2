"""A user's sessions with LimitExceeded: the tenancy's own allowance, someone else's instance that
uses it (named, and the run stops), and nothing using it (the run checks again)."""

from orchestrator.simulator.actions import OTHER_COMPARTMENT

from .session import new_session


def test_a_tenancy_allowed_4_24_wins_4_24_with_no_warning(tmp_path):
    session = new_session(tmp_path, COINPILOT_TF_SIM_ALLOWANCE="4:24")
    result = session.run("retry", "--simulate", "ok", "--size", "4:24")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in result.stderr and "allowance" not in result.stderr
    assert "4 OCPUs / 24 GB" in result.stdout
    # Read through the Limits service, before the launch.
    ops = [call["op"] for call in session.calls()]
    assert ops.index("ListLimitValues") < ops.index("LaunchInstance")


def test_with_nothing_using_the_allowance_the_run_checks_again_instead_of_stopping(tmp_path):
    session = new_session(tmp_path, LIMIT_RECHECK_SECONDS="0")
    result = session.run("retry", "--simulate", "ok", "--size", "4:24", "--size", "2:12")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.startswith(
        "warning: size 4 OCPUs / 24 GB exceeds the A1 allowance (2 OCPUs / 12 GB, the tenancy's A1 limits)"
    )
    # The simulated tenancy refused 4/24 itself; nothing in any compartment uses the allowance.
    _checked_again(session, result)


def test_a_limit_answer_with_nothing_using_the_allowance_is_checked_again(tmp_path):
    """OCI still counting a terminated instance: the `limit` scenario, in the size that fits."""
    session = new_session(tmp_path, LIMIT_RECHECK_SECONDS="0")
    result = session.run("retry", "--simulate", "limit,ok")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in result.stderr
    _checked_again(session, result)


def _checked_again(session, result) -> None:
    assert "no A1 instance in any compartment of the tenancy; OCI can go on counting a terminated" in result.stdout
    assert "check 1/6" in result.stdout and "increase" not in result.stdout
    first, second = session.journal()
    assert (first["category"], second["category"]) == ("limit", "success")
    assert [call["op"] for call in session.calls()].count("ListCompartments") == 1


def test_someone_elses_instance_in_another_compartment_stops_the_run_and_is_named(tmp_path):
    session = new_session(tmp_path)
    assert session.run("render", "--simulate", "ok").returncode == 0
    occupied = session.run("simulate", "occupy", "2:12")
    assert occupied.returncode == 0, occupied.stderr
    [other] = session.live_instances()

    result = session.run("retry")

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("stopped: OCI says LimitExceeded: the A1 allowance is used by 1 instance(s)")
    assert f"other-a1-1 {other['id']} in compartment sim-compartment-2 ({OTHER_COMPARTMENT})" in result.stderr
    assert "increase" not in result.stdout + result.stderr
    assert session.journal("stop")[0]["category"] == "limit"
    assert [call["op"] for call in session.calls()].count("LaunchInstance") == 1
    assert session.live_instances() == [other]
