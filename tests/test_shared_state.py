"""The state in Terraform's `pg` backend, on a real PostgreSQL server: a user's sessions.

Terraform reads the connection string from PG_CONN_STR itself; nothing of it reaches the workdir.
"""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from orchestrator.simulator.kill_hook import RUN_ENV

from .postgres import PostgresServer, server_binaries
from .session import Session, new_session
from .workdirs import built_once, copy_session


def _workdir_text(workdir) -> str:
    """Every file the tool or Terraform wrote in the workdir, the simulated cloud aside."""
    return "".join(
        path.read_text(errors="replace")
        for path in workdir.rglob("*")
        if path.is_file() and "simulator" not in path.relative_to(workdir).parts
    )


def test_a_pg_state_holds_the_instance_and_status_and_output_read_it(tmp_path, pg_state):
    session = new_session(tmp_path, **pg_state)

    result = session.run("retry", "--simulate", "capacity*3,ok")

    assert result.returncode == 0, result.stdout + result.stderr
    [instance] = session.live_instances()
    assert not (session.workdir / "terraform.tfstate").exists()  # the state is in PostgreSQL
    # After the first attempt each attempt is one LaunchInstance call, as with a local state: the
    # plans saved before the first apply stay valid (no re-plan, no second GetSubnet).
    assert len(session.calls("LaunchInstance")) == len(session.journal()) == 4
    ops = [call["op"] for call in session.calls()]
    first, last = ops.index("LaunchInstance"), len(ops) - 1 - ops[::-1].index("LaunchInstance")
    assert set(ops[first : last + 1]) == {"LaunchInstance"}
    output = session.run("output", "--json")
    assert json.loads(output.stdout)["instance_id"] == instance["id"]
    status = session.run("status", "--json")
    report = json.loads(status.stdout)
    assert report["instance"]["id"] == instance["id"]
    assert report["state_backend"] == "pg"
    assert "journal.jsonl stays local" in session.run("status").stdout
    assert pg_state["PG_CONN_STR"] not in _workdir_text(session.workdir)

    again = session.run("retry")
    assert again.returncode == 0, again.stderr
    assert "already exists in the shared state (pg backend)" in again.stdout
    assert len(session.calls("LaunchInstance")) == 4


def _moved_to_pg(template: Session, tmp_path, pg_state: dict[str, str]) -> Session:
    """A copy of a template workdir whose state is then moved to its own schema in PostgreSQL
    (`render --migrate-state`, as test_a_local_state_moves_to_pg_with_one_command checks)."""
    session = copy_session(template, tmp_path)
    session.env.update(pg_state)
    moved = session.run("render", "--migrate-state")
    assert moved.returncode == 0, moved.stdout + moved.stderr
    return session


def test_a_local_state_moves_to_pg_with_one_command(tmp_path, won_template, pg_state):
    session = copy_session(won_template, tmp_path)
    [instance] = session.live_instances()
    launches = len(session.calls("LaunchInstance"))
    session.env.update(pg_state)

    refused = session.run("retry")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "coinpilot-tf: STATE_BACKEND: this workdir's instance is in its local state, not in the pg backend; move it "
        "there first with `coinpilot-tf render --migrate-state` (same settings), then run again"
    ]

    moved = session.run("render", "--migrate-state")

    assert moved.returncode == 0, moved.stderr
    assert "moved the state to the pg backend" in moved.stdout
    assert json.loads(session.run("output", "--json").stdout)["instance_id"] == instance["id"]
    again = session.run("retry")
    assert again.returncode == 0, again.stderr
    assert "already exists in the shared state" in again.stdout
    assert len(session.calls("LaunchInstance")) == launches
    # A second migration would overwrite the state the backend now holds: refused.
    twice = session.run("render", "--migrate-state")
    assert twice.returncode == 1
    assert f"already holds an instance ({instance['id']})" in twice.stderr


def test_an_unreachable_backend_stops_before_any_launch(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session = new_session(
        tmp_path, STATE_BACKEND="pg", PG_CONN_STR=f"postgres://nobody@127.0.0.1:{port}/x?sslmode=disable"
    )

    result = session.run("retry", "--simulate", "ok")

    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("stopped: STATE_BACKEND=pg: terraform init failed: the state backend failed (")
    assert "PG_CONN_STR" in line and "nothing was launched" in line
    assert session.calls("LaunchInstance") == []
    assert session.journal("stop")[-1]["category"] == "backend"


def _initialized_cluster(base: Path) -> Path:
    """What initdb writes (~0.8 CPU-s), kept as files: every own_server starts on a copy of it."""
    server = PostgresServer(server_binaries()).initialize()
    try:
        shutil.copytree(server.data, base / "data", symlinks=True)
    finally:
        server.remove()
    return base / "data"


@pytest.fixture(scope="session")
def initialized_cluster(run_folder) -> Path:
    """A stopped, freshly initialized PostgreSQL cluster, built once per test run: copy it."""
    if server_binaries() is None:
        pytest.skip("PostgreSQL's server binaries are missing (Debian: apt-get install postgresql; .ci/run does it)")
    return built_once(run_folder, "pg-cluster", _initialized_cluster)


@pytest.fixture
def own_server(initialized_cluster):
    """A server of the test's own (on its own copy of the initialized cluster), which the test
    stops and starts."""
    server = PostgresServer(server_binaries())
    shutil.copytree(initialized_cluster, server.data, symlinks=True)
    if server.user:  # the copy is root's: the server's user owns its cluster
        entry = pwd.getpwnam(server.user)
        for folder, _, files in os.walk(server.data):
            for path in [folder, *(os.path.join(folder, name) for name in files)]:
                os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    server.start()
    yield server
    server.remove()


def _stop_at_apply(server: PostgresServer) -> dict[str, str]:
    """PostgreSQL goes down once OCI has accepted the launch, before Terraform writes the state."""
    return {RUN_ENV: "apply:" + shlex.join(server.stop_command())}


def test_a_scheduled_run_that_lost_the_backend_after_the_launch_leaves_it_to_the_next_run(tmp_path, own_server):
    session = new_session(tmp_path, STATE_BACKEND="pg", PG_CONN_STR=own_server.conn_str)

    lost = session.run("retry", "--once", "--simulate", "ok", extra_env=_stop_at_apply(own_server))

    assert lost.returncode == 1, lost.stdout + lost.stderr
    assert "errored.tfstate" in lost.stderr
    [instance] = session.live_instances()
    assert (session.workdir / "errored.tfstate").exists()

    still_down = session.run("retry", "--once")
    assert still_down.returncode == 1
    assert "errored.tfstate holds the state of an earlier launch" in still_down.stderr

    own_server.start()
    back = session.run("retry", "--once")

    assert back.returncode == 0, back.stdout + back.stderr
    assert "wrote errored.tfstate" in back.stdout
    assert len(session.calls("LaunchInstance")) == 1
    assert [i["id"] for i in session.live_instances()] == [instance["id"]]
    assert json.loads(session.run("output", "--json").stdout)["instance_id"] == instance["id"]


def test_a_run_that_lost_the_backend_after_the_launch_records_it_there_once_it_is_back(tmp_path, own_server):
    session = new_session(tmp_path, STATE_BACKEND="pg", PG_CONN_STR=own_server.conn_str)
    run, shown = session.start(
        "retry",
        "--simulate",
        "ok",
        until="the state backend could not record the result: writing errored.tfstate",
        extra_env=_stop_at_apply(own_server),
    )
    [instance] = session.live_instances()

    own_server.start()
    out, err = run.communicate(timeout=240)

    assert run.returncode == 0, "".join(shown) + out + err
    assert "wrote errored.tfstate" in out
    assert len(session.calls("LaunchInstance")) == 1
    assert [i["id"] for i in session.live_instances()] == [instance["id"]]
    assert json.loads(session.run("output", "--json").stdout)["instance_id"] == instance["id"]
    assert [entry["event"] for entry in session.journal(None)][-2:] == ["state_pushed", "kept"]


def test_a_backend_lost_between_attempts_is_waited_for_and_the_run_goes_on(tmp_path, own_server):
    session = new_session(tmp_path, STATE_BACKEND="pg", PG_CONN_STR=own_server.conn_str)
    # PostgreSQL goes down once, after the first attempt (the hook runs at every attempt's end).
    stop_once = (
        f"test -e {tmp_path}/stopped || {{ touch {tmp_path}/stopped; {shlex.join(own_server.stop_command())}; }}"
    )
    run, shown = session.start(
        "retry",
        "--simulate",
        "capacity,ok",
        until=": backend, next in",
        extra_env={RUN_ENV: "journal:" + shlex.join(["sh", "-c", stop_once])},
    )
    assert "STATE_BACKEND_CONFIG" in shown[-1] and "PG_CONN_STR" in shown[-1]

    own_server.start()
    out, err = run.communicate(timeout=240)

    assert run.returncode == 0, "".join(shown) + out + err
    assert "won the instance" in out
    categories = [entry["category"] for entry in session.journal()]
    assert categories[0] == "capacity" and "backend" in categories and categories[-1] == "success"
    assert len(session.live_instances()) == 1


class StateLockHolder:
    """Another run holding the shared state's lock: Terraform's pg backend takes an advisory lock
    on the state's row, and so does this psql session until release()."""

    def __init__(self, postgres, pg_state: dict[str, str]):
        schema = pg_state["STATE_BACKEND_CONFIG"].removeprefix("schema_name=")
        psql = [str(postgres.binaries / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", postgres.conn_str]
        self.psql = subprocess.Popen(psql, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.psql.stdin.write(
            f"SELECT pg_advisory_lock(id) FROM {schema}.states WHERE name = 'default';\nSELECT 'held';\n"
        )
        self.psql.stdin.flush()
        assert "held\n" in self.psql.stdout, "psql ended before it held the lock"

    def release(self) -> None:
        self.psql.stdin.write("SELECT pg_advisory_unlock_all();\n")
        self.psql.stdin.close()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.psql.kill()
        self.psql.wait()


WAITING_LINE = "waiting for the state lock held by another run"


def test_an_attempt_waits_for_the_state_lock_another_run_holds_and_says_so(tmp_path, postgres, pg_state):
    session = new_session(tmp_path, **pg_state, MAX_ATTEMPTS="1")
    assert session.run("retry", "--simulate", "capacity").returncode == 3  # the state exists now

    with StateLockHolder(postgres, pg_state) as holder:
        # The retry says it waits while it waits: then the other run lets go.
        waiting, _ = session.start("retry", until=WAITING_LINE)
        holder.release()
        out, err = waiting.communicate(timeout=240)

    assert waiting.returncode == 3, out + err
    last = session.journal()[-1]
    assert last["waited_for_state_lock"] is True
    assert "waited for the state lock held by another run" in out
    assert len(session.calls("LaunchInstance")) == 2


def test_destroy_waits_for_the_state_lock_another_run_holds_and_says_so(tmp_path, won_template, postgres, pg_state):
    session = _moved_to_pg(won_template, tmp_path, pg_state)  # a won instance in the backend's state

    with StateLockHolder(postgres, pg_state) as holder:
        destroying, _ = session.start("destroy", "--yes", until=WAITING_LINE, stream="stderr")
        holder.release()
        out, err = destroying.communicate(timeout=240)

    assert destroying.returncode == 0, out + err
    assert session.live_instances() == []


def test_a_workdir_moved_to_pg_after_a_failed_attempt_makes_its_plan_again_and_wins(
    tmp_path, failed_once_template, pg_state
):
    """The saved plan was made on the local state: in the pg backend Terraform refuses it ("Saved
    plan does not match the given state"), so it is made again, within the same attempt."""
    session = _moved_to_pg(failed_once_template, tmp_path, pg_state)

    won = session.run("retry")

    assert won.returncode == 0, won.stdout + won.stderr
    assert [entry["category"] for entry in session.journal()] == ["capacity", "success"]
    assert len(session.live_instances()) == 1
