"""The targets file: each target's settings checked by config.py, with the target and key named."""

from __future__ import annotations

import io
import threading

import pytest

from orchestrator.errors import ExitCode, UsageError, most_severe
from orchestrator.session import Session
from orchestrator.target_runs import TargetStream
from orchestrator.targets import load_targets, pick_target, read_targets, tenancy_of


def _load(tmp_path, text: str, environ: dict | None = None):
    path = tmp_path / "targets.toml"
    path.write_text(text)
    return load_targets(Session(dict(environ or {})), path)


def test_the_name_is_the_instance_name_and_the_defaults_fill_in_what_a_table_leaves_out(tmp_path):
    targets = _load(
        tmp_path,
        '[defaults]\nocpus = 1\nmemory_gbs = 6\n[targets.a]\n[targets.b]\nocpus = 2\ninstance_name = "b-vm"\n',
        {"COINPILOT_TF_WORKDIR": str(tmp_path / "one-for-all")},  # each target has its own all the same
    )
    settings = {target.name: target.session.settings for target in targets}
    assert (settings["a"].instance_name, settings["a"].ocpus) == ("a", 1)
    assert (settings["b"].instance_name, settings["b"].ocpus, settings["b"].memory_gbs) == ("b-vm", 2, 6)
    assert [target.session.workdir.path.name for target in targets] == ["a", "b-vm"]


@pytest.mark.parametrize(
    ("text", "named", "says"),
    [
        ('[targets.a]\nocpus = "two"\n', "targets.a.ocpus in", "must be a whole number"),
        ("[targets.a]\ncolour = 1\n", "targets.a", "unknown key 'colour'"),
        ('[targets.a]\nsimulate = ""\n', "targets.a.simulate", "non-empty string"),
        ("[targets.a]\n[targets.b]\ninstance_name = 'a'\n", "targets.b", "uses the workdir"),
        ("[target.a]\n", "--targets", "unknown table 'target'"),
        ("[defaults]\nocpus = 1\n", "--targets", "no [targets.NAME] table"),
        ("targets = 1\n", "--targets", "no [targets.NAME] table"),
    ],
)
def test_a_bad_key_or_value_names_the_target_the_key_and_the_fix(tmp_path, text, named, says):
    with pytest.raises(UsageError) as raised:
        _load(tmp_path, text)
    assert raised.value.field.startswith(named)
    assert says in raised.value.problem


def test_a_simulator_dir_is_read_from_beside_the_file(tmp_path):
    [target] = _load(tmp_path, '[targets.a]\nsimulate = "ok"\nsimulator_dir = "sim"\n')
    assert target.session.cloud.status_fields["simulator_dir"] == str(tmp_path / "sim")


def test_read_targets_keeps_the_files_order(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text("[targets.z]\n[targets.a]\n")
    assert list(read_targets(path)) == ["z", "a"]


def test_the_run_exits_with_the_most_severe_code_of_its_targets():
    codes = [ExitCode.OK, ExitCode.GAVE_UP, ExitCode.INTERRUPTED]
    assert most_severe(codes) == ExitCode.INTERRUPTED
    assert most_severe([*codes, ExitCode.STOPPED]) == ExitCode.STOPPED
    assert most_severe([ExitCode.STOPPED, ExitCode.USAGE]) == ExitCode.USAGE
    assert most_severe([ExitCode.OK, ExitCode.OK]) == ExitCode.OK


def test_each_target_writes_whole_lines_with_its_name():
    out = io.StringIO()
    lock = threading.Lock()
    text, json_lines = TargetStream(out, "a", False, lock), TargetStream(out, "b", True, lock)
    text.write("attempt 1: capac")
    json_lines.write('{"event": "note"}\n')
    text.write("ity\n")
    assert out.getvalue().splitlines() == ['{"target": "b", "event": "note"}', "[a] attempt 1: capacity"]


def test_target_picks_one_target_and_names_the_others_when_it_is_missing_or_unknown(tmp_path):
    path = tmp_path / "targets.toml"
    path.write_text("[targets.alice]\n[targets.bob]\n")
    assert pick_target(Session({}), path, "bob").session.settings.instance_name == "bob"
    for name, says in ((None, "which one"), ("carol", "'carol' is not one of them")):
        with pytest.raises(UsageError) as raised:
            pick_target(Session({}), path, name)
        assert raised.value.field == "--target"
        assert raised.value.problem == f"{path} has the targets alice, bob: {says}; give --target NAME"


def test_targets_share_a_tenancy_when_their_profiles_name_the_same_one(tmp_path):
    oci_config = tmp_path / "oci-config"
    oci_config.write_text(
        "[ALICE]\ntenancy = ocid1.tenancy.oc1..one\n[BOB]\ntenancy = ocid1.tenancy.oc1..one\n"
        "[CAROL]\ntenancy = ocid1.tenancy.oc1..two\n"
    )
    targets = _load(
        tmp_path,
        '[targets.a]\noci_profile = "ALICE"\n[targets.b]\noci_profile = "BOB"\n[targets.c]\noci_profile = "CAROL"\n'
        '[targets.d]\nsimulate = "ok"\nsimulator_dir = "s"\n[targets.e]\nsimulate = "ok"\nsimulator_dir = "s"\n',
        {"OCI_CLI_CONFIG_FILE": str(oci_config)},
    )
    tenancies = [tenancy_of(target.session) for target in targets]
    assert tenancies[0] == tenancies[1] == "ocid1.tenancy.oc1..one"
    assert tenancies[2] == "ocid1.tenancy.oc1..two"
    assert tenancies[3] == tenancies[4] != tenancies[0]
