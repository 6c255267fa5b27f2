"""Shared fixtures: every test runs with its own HOME and data folder, and no runbook variables leak in."""

import compileall
import itertools
import os
from pathlib import Path

import pytest

import orchestrator
from orchestrator.config import FIELDS
from orchestrator.engine.environment import ignored_names
from orchestrator.simulator.cloud import SimulatedCloud
from orchestrator.simulator.store import CloudStore
from orchestrator.workdir import Workdir

TOOL_VARIABLES = [env for field in FIELDS for env in field.env_names] + [
    "COINPILOT_TF_WORKDIR",
    "COINPILOT_TF_TERRAFORM",
    "COINPILOT_TF_SIMULATOR_DIR",
    "PG_CONN_STR",
    "OCI_CLI_CONFIG_FILE",
]


def pytest_configure(config):
    """The package's bytecode, compiled once before the tests start. Where the environment forbids
    writing it (PYTHONDONTWRITEBYTECODE, as where this project is built), each of the hundreds of
    Python processes the tests start would otherwise compile what it imports again."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # once, in the process that starts the workers
        compileall.compile_dir(Path(orchestrator.__file__).parent, quiet=1)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))  # the default config file's folder
    for name in TOOL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in ignored_names(os.environ):  # Terraform variables the engine owns: doctor would warn
        monkeypatch.delenv(name)
    return home


@pytest.fixture
def store(tmp_path):
    """A seeded simulated cloud."""
    return CloudStore.ensure(tmp_path / "simulator")


@pytest.fixture
def api(store):
    """The real oci SDK, talking to that cloud's REST endpoint on 127.0.0.1."""
    with SimulatedCloud(store.directory, Workdir(store.directory)).api("DEFAULT") as connected:
        yield connected


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory):
    """A folder that all processes of this test run share (pytest-xdist's workers share the run's
    base folder), for workdirs built once per run (workdirs.built_once)."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared"


@pytest.fixture(scope="session")
def won_template(run_folder):
    """A workdir that won its instance after one capacity failure, built once per test run: tests
    take copies (workdirs.copy_session)."""
    from .workdirs import built_once, won_session

    return built_once(run_folder, "won", won_session)


@pytest.fixture(scope="session")
def failed_once_template(run_folder):
    """A workdir whose one attempt met capacity (MAX_ATTEMPTS=1): a state without an instance, the
    saved plan, and `ok` as the simulated cloud's next answer. Built once per test run: copy it."""
    from .workdirs import built_once, failed_once_session

    return built_once(run_folder, "failed-once", failed_once_session)


@pytest.fixture(scope="session")
def sized_json_win_run(run_folder):
    """(session, completed process) of `retry --simulate capacity,ok --size 1:6 --size 2:12
    --log-format json`, run once per test run (workdirs.sized_json_win): only read it."""
    from .workdirs import built_once, sized_json_win

    return built_once(run_folder, "sized-json-win", sized_json_win)


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server on 127.0.0.1 for this test process (see tests/postgres.py)."""
    from .postgres import running_server

    with running_server() as server:
        if server is None:
            pytest.skip(
                "PostgreSQL's server binaries are missing (Debian: apt-get install postgresql; .ci/run does it)"
            )
        yield server


_SCHEMAS = itertools.count()


@pytest.fixture
def pg_state(postgres):
    """The environment of a run whose state is in the `pg` backend, in a schema of its own."""
    return {
        "STATE_BACKEND": "pg",
        "STATE_BACKEND_CONFIG": f"schema_name=state_{os.getpid()}_{next(_SCHEMAS)}",
        "PG_CONN_STR": postgres.conn_str,
    }


# Tests whose cases are long trials (a minute or more each under load): each case is handed out
# first, so that they run side by side and none of them ends the run alone on one worker.
LONG_TRIALS = {
    "test_crash_safety.py::test_sigkill_at_any_point_leaves_exactly_one_instance",
    "test_race.py::test_two_machines_racing_on_one_shared_state_end_with_one_instance",
}
MODULE_FIXTURE = 'scope="module"'


def _is_long_trial(nodeid: str) -> bool:
    path, _, name = nodeid.partition("::")
    return f"{path.rsplit('/', 1)[-1]}::{name.partition('[')[0]}" in LONG_TRIALS


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook
def pytest_xdist_make_scheduler(config, log):
    """With --dist loadscope: a module that defines a module-scoped fixture runs whole on one
    worker, which builds the fixture once; every other test goes alone to whichever worker is
    free (what several tests share is built once per run: built_once). Long trials go first."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    kept_whole: dict[str, bool] = {}

    class ModulesWithFixturesWhole(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.partition("::")[0]
            if module not in kept_whole:
                source = config.rootpath / module
                kept_whole[module] = source.is_file() and MODULE_FIXTURE in source.read_text()
            return module if kept_whole[module] and not _is_long_trial(nodeid) else nodeid

        def _assign_work_unit(self, node) -> None:
            for scope in [scope for scope in self.workqueue if _is_long_trial(scope)][::-1]:
                self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return ModulesWithFixturesWhole(config, log)
