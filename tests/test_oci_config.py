"""The user's OCI config: found as oci-cli finds it, and each mistake in it one line with its line
number, for doctor and retry alike."""

import pytest

from orchestrator.cloud import OciCloud
from orchestrator.errors import UsageError
from orchestrator.oci_config import config_file, read_config

from .session import new_session
from .test_config import RUNBOOK_ENV

SECRET = "hunter2-pass-phrase"
# Each mistake: the file's bytes, the line at fault, and words of the explanation.
MALFORMED = {
    "no section header": (f"user=ocid1.user.oc1..a\npass_phrase={SECRET}\n".encode(), 1, "no [PROFILE] header"),
    "duplicate key": (
        f"[DEFAULT]\nuser=ocid1.user.oc1..a\npass_phrase={SECRET}\nregion=eu-frankfurt-1\npass_phrase={SECRET}\n".encode(),
        5,
        "'pass_phrase' is set a second time in [DEFAULT]",
    ),
    "line without =": (f"[DEFAULT]\npass_phrase={SECRET}\n{SECRET}\n".encode(), 3, "not `key=value`"),
    "non-UTF-8 byte": (
        f"[DEFAULT]\npass_phrase={SECRET}\nregion=eu-frankfurt-1\n".encode() + b"tenancy=caf\xe9\n",
        4,
        "byte 0xe9 is not UTF-8",
    ),
}


@pytest.mark.parametrize("mistake", MALFORMED)
def test_a_malformed_file_names_its_line_and_never_its_values(tmp_path, mistake):
    content, line, words = MALFORMED[mistake]
    path = tmp_path / "config"
    path.write_bytes(content)
    with pytest.raises(UsageError) as caught:
        read_config(path)
    assert caught.value.field == f"{path}, line {line}"
    assert words in caught.value.problem and ";" in caught.value.problem  # then the fix
    assert SECRET not in str(caught.value)


def test_a_byte_order_mark_is_named_too(tmp_path):
    path = tmp_path / "config"
    path.write_bytes(b"\xef\xbb\xbf[DEFAULT]\nregion=eu-frankfurt-1\n")
    with pytest.raises(
        UsageError, match=r"line 1: the file starts with a byte order mark; save it as UTF-8 without BOM"
    ):
        read_config(path)


def test_a_well_formed_file_is_read_as_the_sdk_reads_it(tmp_path):
    path = tmp_path / "config"
    path.write_text("[DEFAULT]\nregion=eu-frankfurt-1\n\n[WORK]\nregion=us-ashburn-1\n")
    parser = read_config(path)
    assert parser["WORK"]["region"] == "us-ashburn-1" and parser["DEFAULT"]["region"] == "eu-frankfurt-1"


def test_oci_cli_config_file_names_the_file_in_place_of_the_default(isolated_home, monkeypatch):
    assert config_file({}) == isolated_home / ".oci" / "config"
    assert config_file({"OCI_CLI_CONFIG_FILE": ""}) == isolated_home / ".oci" / "config"
    assert config_file({"OCI_CLI_CONFIG_FILE": "~/work/oci.conf"}) == isolated_home / "work" / "oci.conf"
    monkeypatch.setenv("OCI_CLI_CONFIG_FILE", "/etc/oci/config")
    assert str(OciCloud().config_path("DEFAULT")) == "/etc/oci/config"


# ----- as a user meets it: one line on stderr, exit 2, nothing sent -----


@pytest.mark.parametrize("command", ["doctor", "retry"])
@pytest.mark.parametrize("mistake", MALFORMED)
def test_a_malformed_users_config_is_one_line_and_exit_2(tmp_path, isolated_home, command, mistake):
    content, line, _ = MALFORMED[mistake]
    config = isolated_home / ".oci" / "config"
    config.parent.mkdir()
    config.write_bytes(content)
    result = new_session(tmp_path).run(command, extra_env=RUNBOOK_ENV)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"coinpilot-tf: {config}, line {line}: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stdout + result.stderr and SECRET not in result.stdout + result.stderr
    assert not (tmp_path / "workdir" / "terraform.tfstate").exists()


def test_the_file_oci_cli_config_file_names_is_the_one_read(tmp_path):
    elsewhere = tmp_path / "oci.conf"
    elsewhere.write_text("[DEFAULT]\nregion\n")
    result = new_session(tmp_path, OCI_CLI_CONFIG_FILE=str(elsewhere)).run("retry", extra_env=RUNBOOK_ENV)
    assert result.returncode == 2
    assert result.stderr.startswith(f"coinpilot-tf: {elsewhere}, line 2: this line is not `key=value`")
