"""USER_DATA_FILE: the file's bytes in base64, or one line naming the setting and the fix."""

import base64

import pytest

from orchestrator.errors import UsageError
from orchestrator.user_data import MAX_ENCODED_BYTES, encoded


def test_the_file_goes_as_base64_byte_for_byte(tmp_path):
    script = tmp_path / "cloud-init.yaml"
    script.write_bytes(b"#cloud-config\nruncmd:\n  - [sh, -c, 'echo \xc3\xa9t\xc3\xa9']\n")
    assert base64.b64decode(encoded(script)) == script.read_bytes()
    assert encoded(None) is None


def test_the_largest_file_oci_takes_passes_and_one_byte_more_does_not(tmp_path):
    largest = tmp_path / "largest.sh"
    largest.write_bytes(b"#" * (MAX_ENCODED_BYTES * 3 // 4))
    assert len(encoded(largest)) == MAX_ENCODED_BYTES
    largest.write_bytes(b"#" * (MAX_ENCODED_BYTES * 3 // 4 + 1))
    with pytest.raises(UsageError) as refused:
        encoded(largest)
    assert refused.value.field == "USER_DATA_FILE"
    assert "at most 32,000" in refused.value.problem and "shorten it" in refused.value.problem


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda path: None, "does not exist"),
        (lambda path: path.mkdir(), "is a folder"),
    ],
)
def test_a_file_that_cannot_be_passed_is_named_with_the_fix(tmp_path, make, says):
    path = tmp_path / "user-data"
    make(path)
    with pytest.raises(UsageError) as refused:
        encoded(path)
    assert refused.value.field == "USER_DATA_FILE" and says in refused.value.problem
