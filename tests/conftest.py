"""Shared fixtures: every test runs with its own HOME and data folder, and no runbook variables leak in."""

import pytest

from orchestrator.config import FIELDS
from orchestrator.simulator.cloud import SimulatedCloud
from orchestrator.simulator.store import CloudStore
from orchestrator.workdir import Workdir

TOOL_VARIABLES = [field.env for field in FIELDS if field.env] + [
    "COINPILOT_TF_WORKDIR", "COINPILOT_TF_TERRAFORM", "COINPILOT_TF_SIMULATOR_DIR",
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
