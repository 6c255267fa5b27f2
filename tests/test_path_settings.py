"""Every path error names the path and the setting that moves it."""

import errno

from orchestrator.errors import disk_problem
from orchestrator.path_settings import moved_by, plugin_cache_dir

from .session import new_session


def test_the_plugin_cache_is_moved_by_its_own_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TF_PLUGIN_CACHE_DIR", raising=False)
    assert plugin_cache_dir() == tmp_path / "cache" / "coinpilot-tf" / "plugin-cache"
    assert moved_by(plugin_cache_dir() / "registry") == "TF_PLUGIN_CACHE_DIR or XDG_CACHE_HOME"
    monkeypatch.setenv("TF_PLUGIN_CACHE_DIR", str(tmp_path / "plugins"))
    assert plugin_cache_dir() == tmp_path / "plugins"
    assert moved_by(tmp_path / "workdir" / "terraform.tfstate") == "--workdir"


def test_the_fix_names_the_setting():
    full = OSError(errno.EACCES, "Permission denied", "/somewhere")
    assert disk_problem(full, "XDG_CACHE_HOME").endswith("or move it elsewhere (XDG_CACHE_HOME)")
    assert "(--workdir)" in disk_problem(full)


def test_an_unwritable_home_names_the_plugin_cache_not_the_workdir(tmp_path):
    home = tmp_path / "home-is-a-file"
    home.write_text("")
    session = new_session(tmp_path, HOME=str(home), XDG_CACHE_HOME="", XDG_DATA_HOME=str(tmp_path / "data"))

    result = session.run("retry", "--simulate", "ok")

    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"coinpilot-tf: {home}/.cache/coinpilot-tf/plugin-cache: ")
    assert "TF_PLUGIN_CACHE_DIR or XDG_CACHE_HOME" in line and "--workdir" not in line
