"""Shared fixtures: every test runs with its own HOME and data folder, and no runbook variables leak in."""

import pytest

from orchestrator.config import FIELDS

TOOL_VARIABLES = [field.env for field in FIELDS if field.env] + ["COINPILOT_TF_WORKDIR", "COINPILOT_TF_TERRAFORM"]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    for name in TOOL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return home
