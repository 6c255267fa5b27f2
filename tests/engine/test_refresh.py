"""engine/refresh.py: a refresh-only apply that has nothing to record is not a failure."""

from orchestrator.engine.refresh import refresh_only
from orchestrator.engine.state import state_written
from orchestrator.launch_inputs import prepare

from ..session import command_session, new_session


def test_a_refresh_with_nothing_to_record_leaves_the_state_as_it_is(tmp_path, monkeypatch):
    """NETWORK=create before its first apply: the outputs wait for a network not created yet, and
    Terraform refuses to apply that refresh ("Cannot apply non-applyable plan")."""
    rendered = new_session(tmp_path, NETWORK="create").run("render", "--simulate", "ok")
    assert rendered.returncode == 0, rendered.stderr
    monkeypatch.setenv("COINPILOT_TF_WORKDIR", str(tmp_path / "workdir"))
    monkeypatch.setenv("NETWORK", "create")
    session = command_session(tmp_path / "workdir")
    prepare(session)

    refresh_only(session.terraform)

    assert not state_written(session.terraform)
