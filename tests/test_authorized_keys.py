import pytest

from orchestrator.authorized_keys import among, described, fingerprint, identity, key_lines, parse_file
from orchestrator.errors import UsageError

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINkdBYVo8Rzdbm+h8EwFyjLoUdiav8yjCnA96X9W9wne"
# What `ssh-keygen -lf` prints for KEY.
KEY_FINGERPRINT = "SHA256:R+z7udU4hvU99Z/iQ5VBOwd+Ibhu2s8/ONyP12OmhJg"


def test_the_fingerprint_is_ssh_keygens():
    assert fingerprint(KEY) == fingerprint(KEY + " laptop") == KEY_FINGERPRINT
    assert described(KEY + " me@laptop") == f"{KEY_FINGERPRINT} (me@laptop)"


def test_keys_compare_by_type_and_blob_never_by_comment():
    assert among(KEY + " one", (KEY + " two",))
    assert not among(KEY, ())
    assert identity("ssh-rsa " + KEY.split()[1]) is None  # the blob names its own type
    assert identity("not a key") is None


def test_comments_and_blank_lines_are_not_keys():
    assert key_lines(f"# the laptop\n\n{KEY} a\n  {KEY} b  \n") == (f"{KEY} a", f"{KEY} b")


def test_the_keys_file_is_checked_line_by_line(tmp_path):
    good = tmp_path / "keys"
    good.write_text(f"# every machine\n{KEY} laptop\n")
    assert parse_file("SSH_AUTHORIZED_KEYS_FILE", str(good)) == good

    bad = tmp_path / "bad"
    bad.write_text(f"{KEY}\n-----BEGIN OPENSSH PRIVATE KEY-----\n")
    with pytest.raises(UsageError, match=r"SSH_AUTHORIZED_KEYS_FILE: .*bad: key 2 is not an SSH public key line"):
        parse_file("SSH_AUTHORIZED_KEYS_FILE", str(bad))
    with pytest.raises(UsageError, match="is not a file"):
        parse_file("SSH_AUTHORIZED_KEYS_FILE", str(tmp_path / "missing"))
