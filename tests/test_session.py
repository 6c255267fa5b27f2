"""One session per command (orchestrator/session.py, cloud.py): the read-only commands write
nothing, the engine is asked its version once, a simulated workdir keeps its cloud, and two
workdirs can share one simulated cloud."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from .session import Session
from .workdirs import copy_session, module_session


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder below `folder` (links not followed): (mtime in ns, size)."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            info = path.lstat()
            found[str(path.relative_to(folder))] = (
                info.st_mtime_ns,
                info.st_size if not stat.S_ISDIR(info.st_mode) else 0,
            )
    return found


READ_ONLY_COMMANDS = (("status",), ("status", "--json"), ("output",), ("output", "--json"), ("doctor",))


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """Two workdirs on one simulated cloud outside both; the first has won its instance, then the
    read-only commands ran on it, before any test changes it: the workdir's snapshots before and
    after them, and what each printed."""
    base = tmp_path_factory.mktemp("shared")
    cloud = base / "cloud"
    # Half the Always Free allowance each, so that both fit the simulated tenancy's A1 limit.
    first = module_session(base / "first", COINPILOT_TF_SIMULATOR_DIR=str(cloud), OCPUS="1", MEMORY_GBS="6")
    won = first.run("retry", "--simulate", "capacity,ok")
    assert won.returncode == 0, won.stdout + won.stderr
    before = snapshot(first.workdir)
    read_only = {args: first.run(*args) for args in READ_ONLY_COMMANDS}
    return first, cloud, base, (before, snapshot(first.workdir), read_only)


def test_status_output_and_doctor_leave_the_workdir_untouched(shared):
    *_, (before, after, read_only) = shared
    for args, result in read_only.items():
        assert result.returncode == 0, (args, result.stdout + result.stderr)
    assert after == before


def test_the_workdir_remembers_its_cloud_without_the_variable(shared):
    session, cloud, _, (_, _, read_only) = shared
    environ = {name: value for name, value in session.env.items() if name != "COINPILOT_TF_SIMULATOR_DIR"}
    data = json.loads(read_only[("status", "--json")].stdout)
    assert data["simulated"] is True and data["simulator_dir"] == str(cloud)
    again = Session(session.workdir, environ).run("retry")
    assert again.returncode == 0 and "already exists" in again.stdout + again.stderr
    assert (session.workdir / "simulator").is_symlink() and (cloud / "cloud.json").is_file()


def test_two_workdirs_share_one_simulated_cloud(shared):
    first, cloud, base, _ = shared
    second = module_session(
        base / "second", COINPILOT_TF_SIMULATOR_DIR=str(cloud), INSTANCE_NAME="coinpilot-two", OCPUS="1", MEMORY_GBS="6"
    )
    result = second.run("retry", "--simulate", "ok")
    assert result.returncode == 0, result.stdout + result.stderr
    instances = json.loads((cloud / "cloud.json").read_text())["instances"]
    assert sorted(i["display_name"] for i in instances if i["lifecycle_state"] == "RUNNING") == [
        "coinpilot-ins",
        "coinpilot-two",
    ]


def test_another_cloud_for_a_bound_workdir_is_refused(shared, tmp_path):
    session, *_ = shared
    result = session.run("status", extra_env={"COINPILOT_TF_SIMULATOR_DIR": str(tmp_path / "elsewhere")})
    assert result.returncode == 2
    assert result.stderr.startswith(
        "coinpilot-tf: COINPILOT_TF_SIMULATOR_DIR: this workdir uses the simulated cloud in"
    )


def test_the_engine_is_asked_its_version_once_then_read_from_the_cache(tmp_path, won_template):
    """A wrapper engine that counts `terraform version` before running the real one: `render` asks
    it once, `retry` after it finds the answer cached for that binary (on a copy of a won workdir,
    with a HOME and so a cache of its own: that retry refreshes the instance through the engine)."""
    log = tmp_path / "versions.log"
    wrapper = tmp_path / "terraform"
    wrapper.write_text(f'#!/bin/sh\n[ "$1" = version ] && echo x >> {log}\nexec {shutil.which("terraform")} "$@"\n')
    wrapper.chmod(0o755)
    session = copy_session(won_template, tmp_path / "s")
    session.env["COINPILOT_TF_TERRAFORM"] = str(wrapper)
    for args, asked in ((("render", "--simulate", "ok"), 1), (("retry",), 0)):
        log.unlink(missing_ok=True)
        result = session.run(*args)
        assert result.returncode == 0, result.stdout + result.stderr
        assert (log.read_text().count("x") if log.exists() else 0) == asked, args
    assert "already exists" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("flags", "environ", "blamed"),
    [
        ({"workdir": "given"}, {"COINPILOT_TF_WORKDIR": "exported"}, "--workdir: "),
        ({}, {"COINPILOT_TF_WORKDIR": "exported"}, "COINPILOT_TF_WORKDIR: "),
        ({}, {"INSTANCE_NAME": "coinpilot-b1"}, "INSTANCE_NAME: "),
    ],
)
def test_a_missing_workdir_names_what_chose_it(tmp_path, monkeypatch, flags, environ, blamed):
    from orchestrator.errors import UsageError
    from orchestrator.session import Session as ToolSession

    monkeypatch.chdir(tmp_path)
    session = ToolSession(environ)
    session.flags.update(flags)

    with pytest.raises(UsageError) as refused:
        session.existing_workdir()

    assert str(refused.value).startswith(blamed)
    if blamed == "INSTANCE_NAME: ":
        assert "coinpilot-b1 (INSTANCE_NAME's default workdir) does not exist yet" in str(refused.value)


@pytest.mark.parametrize("where", ["/proc/coinpilot-cloud", "a-file/cloud", "a-file"])
def test_a_simulated_cloud_folder_that_cannot_be_one_is_refused_in_one_line(tmp_path, where):
    (tmp_path / "a-file").write_text("not a folder\n")
    folder = where if where.startswith("/") else str(tmp_path / where)
    session = module_session(tmp_path, COINPILOT_TF_SIMULATOR_DIR=folder)

    result = session.run("retry", "--simulate", "ok")

    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("coinpilot-tf: COINPILOT_TF_SIMULATOR_DIR: ") and "give a folder" in line
    assert not (session.workdir / "simulator").exists()


def test_doctor_and_terraform_read_a_read_only_workdir_and_leave_it_read_only(won_template, tmp_path):
    session = copy_session(won_template, tmp_path)
    # The copy's own paths into terraform.rc and the provider script first (a moved workdir's are stale).
    assert session.run("terraform", "version").returncode == 0
    for path in (session.workdir, *session.workdir.rglob("*")):
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o222)  # chmod -R a-w
    modes = {path: path.stat().st_mode for path in (session.workdir, *session.workdir.rglob("*"))}
    try:
        for args in (("doctor",), ("terraform", "state", "list"), ("terraform", "show"), ("terraform", "output")):
            result = session.run(*args)
            assert result.returncode == 0, (args, result.stdout + result.stderr)
            assert args[0] == "doctor" or "203.0.113." in result.stdout or "oci_core_instance.this" in result.stdout
        # Nothing made writable again behind the user's back (the owner may chmod, even read-only).
        assert {path: path.stat().st_mode for path in modes} == modes
    finally:
        for path in modes:
            path.chmod(path.stat().st_mode | 0o200)
