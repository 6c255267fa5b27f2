"""Shared fixtures: every test runs with its own HOME and data folder, and no runbook variables leak in."""

import itertools
import os

import pytest

from orchestrator.config import FIELDS
from orchestrator.simulator.cloud import SimulatedCloud
from orchestrator.simulator.store import CloudStore
from orchestrator.workdir import Workdir

TOOL_VARIABLES = [env for field in FIELDS for env in field.env_names] + [
    "COINPILOT_TF_WORKDIR",
    "COINPILOT_TF_TERRAFORM",
    "COINPILOT_TF_SIMULATOR_DIR",
    "PG_CONN_STR",
]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    for name in TOOL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
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
def won_template(tmp_path_factory):
    """A workdir that won its instance after one capacity failure, built once for the whole test
    run (pytest-xdist's workers share the run's base folder): tests take copies (workdirs.won_copy)."""
    from .workdirs import won_once

    base = tmp_path_factory.getbasetemp()
    return won_once((base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared")


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


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the xdist_group marks
def pytest_collection_modifyitems(items):
    """With --dist loadgroup (pyproject.toml), a test that uses a module-scoped fixture runs on the
    worker that built it, with the rest of its module's such tests; every other test (each trial
    of a parametrized soak, say) goes to whichever worker is free. Long trials start first, so
    that none of them ends the run alone on one worker."""
    for item in items:
        definitions = item._fixtureinfo.name2fixturedefs
        if any(definitions[name][-1].scope == "module" for name in item.fixturenames if name in definitions):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
