"""Which key opens the won instance: only one that is on it is ever recorded or offered."""

from __future__ import annotations

import json
from pathlib import Path

from orchestrator.authorized_keys import fingerprint
from orchestrator.key_truth import KeyTruth, key_to_record
from orchestrator.launch_result import LaunchResult, write_launch_result
from orchestrator.ssh_keys import ensure_key_pair
from orchestrator.workdir import Workdir

from .session import new_session

INSTANCE = "ocid1.instance.oc1.sim-region-1.anexample"


def _recorded(key: str | None, instance_id: str = INSTANCE) -> LaunchResult:
    values = {"instance_id": instance_id, "public_ip": "203.0.113.10"}
    return LaunchResult.from_outputs(values, key, attempts=3)


def test_only_a_key_on_the_instance_is_recorded_and_a_recorded_one_stays(tmp_path):
    on, off = ensure_key_pair(tmp_path / "on"), ensure_key_pair(tmp_path / "off")
    truth = KeyTruth(INSTANCE, (on.public_key,), off.public_key, off.private_path)
    assert key_to_record(truth, None, INSTANCE, off.private_path) is None
    # SSH_KEY_PATH moved after the win: the key recorded for this instance stays.
    assert key_to_record(truth, _recorded(str(on.private_path)), INSTANCE, off.private_path) == str(on.private_path)
    # A record an older version made with a key that is not on the instance does not.
    assert key_to_record(truth, _recorded(str(off.private_path)), INSTANCE, off.private_path) is None
    mine = KeyTruth(INSTANCE, (on.public_key,), on.public_key, on.private_path)
    assert key_to_record(mine, _recorded(None), INSTANCE, on.private_path) == str(on.private_path)
    # Both open it (a copied workdir, a second listed key): the local one, the one SSH_KEY_PATH names.
    both = KeyTruth(INSTANCE, (on.public_key, off.public_key), off.public_key, off.private_path)
    assert key_to_record(both, _recorded(str(on.private_path)), INSTANCE, off.private_path) == str(off.private_path)
    # Another instance's record is not this one's; nothing known about the keys: the local one.
    assert key_to_record(None, _recorded("/other", "ocid1.instance.other"), INSTANCE, on.private_path) == str(
        on.private_path
    )
    assert "is not on the instance, which accepts " + fingerprint(on.public_key) in truth.not_yours()


def test_the_record_names_no_key_when_none_is_on_the_instance(tmp_path):
    workdir = Workdir(tmp_path)
    workdir.create()
    write_launch_result(workdir, _recorded("/keys/old"))
    written = write_launch_result(workdir, _recorded(None))
    record = json.loads(workdir.launch_result.read_text())
    assert record["ssh_private_key"] is None and record["ssh_command"] is None
    assert written.ssh_private_key is None and record["attempts"] == 3


def _session(base: Path, cloud: Path, **env: str):
    return new_session(base, COINPILOT_TF_SIMULATOR_DIR=str(cloud), **env)


def test_a_workdir_that_adopts_the_instance_offers_only_a_key_that_is_on_it(tmp_path):
    cloud = tmp_path / "cloud"
    # The second machine's key, listed for the first one's launch.
    second_key = ensure_key_pair(tmp_path / "keys" / "second")
    every_machine = tmp_path / "every-machine.pub"
    every_machine.write_text(f"# the second machine\n{second_key.public_key}\n")
    first = _session(tmp_path / "first", cloud, SSH_AUTHORIZED_KEYS_FILE=str(every_machine))
    won = first.run("retry", "--simulate", "ok")
    assert won.returncode == 0, won.stdout + won.stderr
    first_key = json.loads((first.workdir / "launch_result.json").read_text())["ssh_private_key"]
    first_public = Path(first_key + ".pub").read_text().strip()

    # The second workdir, with a key of its own that is not on the instance: no connect line.
    second = _session(tmp_path / "second", cloud)
    adopted = second.run("retry", "--simulate", "ok")

    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    assert "adopted" in adopted.stdout and "connect:" not in adopted.stdout
    assert f"is not on the instance, which accepts {fingerprint(first_public)}" in adopted.stdout
    assert fingerprint(second_key.public_key) in adopted.stdout
    record = json.loads((second.workdir / "launch_result.json").read_text())
    assert record["ssh_private_key"] is None and record["ssh_command"] is None
    refused = second.run("ssh", "--print")
    assert refused.returncode == 2 and "none of your SSH keys is on the instance" in refused.stderr
    doctor = second.run("doctor")
    assert "warn  SSH key: your SSH key " in doctor.stdout and "SSH_AUTHORIZED_KEYS_FILE" in doctor.stdout
    assert len(second.calls("LaunchInstance")) == 1

    # With the key SSH_AUTHORIZED_KEYS_FILE put on the instance, the connect line works.
    second.env["SSH_KEY_PATH"] = str(second_key.private_path)
    listed = second.run("retry")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert f"connect:      ssh -i {second_key.private_path} ubuntu@" in listed.stdout
    assert second.run("ssh", "--print").stdout.startswith(f"ssh -i {second_key.private_path} ")

    # SSH_KEY_PATH moved after the win (a new pair is made there): the recorded key stays.
    second.env["SSH_KEY_PATH"] = str(tmp_path / "keys" / "new")
    moved = second.run("retry")
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert f"connect:      ssh -i {second_key.private_path} ubuntu@" in moved.stdout
    record = json.loads((second.workdir / "launch_result.json").read_text())
    assert record["ssh_private_key"] == str(second_key.private_path)
    assert len(second.calls("LaunchInstance")) == 1
