import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from orchestrator.errors import UsageError
from orchestrator.ssh_keys import default_key_path, ensure_key_pair

# Made with `ssh-keygen -t ed25519 -N "test passphrase" -C ""`; a throwaway test key.
PASSPHRASE_PROTECTED_KEY = b"""-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABDoPjWyAG
iejUJxx3UQxuZnAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAINkdBYVo8Rzdbm+h
8EwFyjLoUdiav8yjCnA96X9W9wneAAAAkJwnI7A5fcXamB2b1kloodXddnd1Bhmu0fqEL0
Jij7uMvMS180gkYFYwUqnhFlk3rxergFOFMnFIPo1rXnLlc9Yl8e4HLy3FUWnAcZqeaj2t
9AGwbB4wa+rlmUBQ4KRYdIKpOlCvB2X7ZhQWE5wctxYL1QfHKRSvB5BGdDZYmuHxSvfgGy
ruoN4EIATVQHbYag==
-----END OPENSSH PRIVATE KEY-----
"""
PASSPHRASE_PROTECTED_PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINkdBYVo8Rzdbm+h8EwFyjLoUdiav8yjCnA96X9W9wne"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def public_line_of(private_path):
    private_key = serialization.load_ssh_private_key(private_path.read_bytes(), password=None)
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def test_default_path_is_the_runbooks(home):
    assert default_key_path("box") == home / ".ssh" / "coinpilot-oci" / "box_a1_flex"


def test_creates_a_private_pair_in_openssh_format(home):
    pair = ensure_key_pair(default_key_path("box"))

    assert pair.created
    assert pair.private_path == home / ".ssh" / "coinpilot-oci" / "box_a1_flex"
    assert pair.public_path == home / ".ssh" / "coinpilot-oci" / "box_a1_flex.pub"
    assert pair.private_path.read_bytes().startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----")
    assert pair.public_key == pair.public_path.read_text().strip()
    assert pair.public_key.startswith(public_line_of(pair.private_path) + " ")
    assert pair.public_key.startswith("ssh-ed25519 ")
    assert mode(pair.private_path) == 0o600
    assert mode(pair.public_path) == 0o644
    assert mode(home / ".ssh" / "coinpilot-oci") == 0o700
    assert mode(home / ".ssh") == 0o700
    assert "PRIVATE" not in repr(pair)


def test_reuses_an_existing_pair(home):
    first = ensure_key_pair(default_key_path("box"))
    private_bytes = first.private_path.read_bytes()

    second = ensure_key_pair(default_key_path("box"))

    assert not second.created
    assert second.public_key == first.public_key
    assert second.private_path.read_bytes() == private_bytes
    assert second.repairs == ()


def test_tightens_loose_permissions_and_says_so(home):
    pair = ensure_key_pair(default_key_path("box"))
    pair.private_path.parent.chmod(0o755)
    pair.private_path.chmod(0o644)
    pair.public_path.chmod(0o666)

    repaired = ensure_key_pair(pair.private_path)

    assert mode(pair.private_path.parent) == 0o700
    assert mode(pair.private_path) == 0o600
    assert mode(pair.public_path) == 0o644
    assert len(repaired.repairs) == 3
    assert any("755 -> 700" in repair for repair in repaired.repairs)
    assert repaired.public_key == pair.public_key


def test_leaves_stricter_permissions_alone(home):
    pair = ensure_key_pair(default_key_path("box"))
    pair.private_path.chmod(0o400)

    assert ensure_key_pair(pair.private_path).repairs == ()
    assert mode(pair.private_path) == 0o400


def test_refuses_a_public_key_that_does_not_match(home):
    pair = ensure_key_pair(default_key_path("box"))
    other = ensure_key_pair(home / "other" / "key")
    pair.public_path.write_text(other.public_key + "\n")

    with pytest.raises(UsageError) as refused:
        ensure_key_pair(pair.private_path)

    assert refused.value.field == "SSH key"
    assert str(pair.private_path) in refused.value.problem
    assert str(pair.public_path) in refused.value.problem
    assert "do not match" in refused.value.problem


def test_rebuilds_a_missing_public_key_from_the_private_key(home):
    pair = ensure_key_pair(default_key_path("box"))
    pair.public_path.unlink()

    rebuilt = ensure_key_pair(pair.private_path)

    assert not rebuilt.created
    assert rebuilt.public_key == pair.public_key
    assert pair.public_path.read_text().strip() == pair.public_key
    assert mode(pair.public_path) == 0o644
    assert any(str(pair.public_path) in repair for repair in rebuilt.repairs)


def test_refuses_a_public_key_without_its_private_key(home):
    pair = ensure_key_pair(default_key_path("box"))
    pair.private_path.unlink()

    with pytest.raises(UsageError) as refused:
        ensure_key_pair(pair.private_path)

    assert str(pair.public_path) in refused.value.problem
    assert pair.public_path.exists()


def test_refuses_a_file_that_is_not_a_key(home):
    not_a_key = home / "notes.txt"
    not_a_key.write_text("not a key\n")

    with pytest.raises(UsageError) as refused:
        ensure_key_pair(not_a_key)

    assert refused.value.field == "SSH key"
    assert str(not_a_key) in refused.value.problem


def test_refuses_a_public_file_that_is_not_a_key(home):
    pair = ensure_key_pair(default_key_path("box"))
    pair.public_path.write_text("hello\n")

    with pytest.raises(UsageError) as refused:
        ensure_key_pair(pair.private_path)

    assert str(pair.public_path) in refused.value.problem


def test_refuses_an_unreadable_key_path(home):
    folder_in_the_way = home / "key"
    folder_in_the_way.mkdir()

    with pytest.raises(UsageError) as refused:
        ensure_key_pair(folder_in_the_way)

    assert str(folder_in_the_way) in refused.value.problem


def test_accepts_a_passphrase_protected_key_without_its_passphrase(home):
    private_path = home / "protected"
    private_path.write_bytes(PASSPHRASE_PROTECTED_KEY)
    private_path.chmod(0o600)

    rebuilt = ensure_key_pair(private_path)
    reused = ensure_key_pair(private_path)

    assert rebuilt.public_key.startswith(PASSPHRASE_PROTECTED_PUBLIC + " ")
    assert reused.public_key == rebuilt.public_key
    assert private_path.read_bytes() == PASSPHRASE_PROTECTED_KEY


def test_refuses_a_passphrase_protected_key_that_does_not_match(home):
    private_path = home / "protected"
    private_path.write_bytes(PASSPHRASE_PROTECTED_KEY)
    other = ensure_key_pair(home / "other" / "key")
    (home / "protected.pub").write_text(other.public_key + "\n")

    with pytest.raises(UsageError, match="do not match"):
        ensure_key_pair(private_path)


def test_accepts_an_rsa_key_in_pem_format(home):
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_path = home / "id_rsa"
    private_path.write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    private_path.chmod(0o600)
    expected = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )

    assert ensure_key_pair(private_path).public_key.startswith(expected + " ")


def test_leaves_folders_outside_dot_ssh_alone(home):
    shared = home / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)

    pair = ensure_key_pair(shared / "key")
    pair.private_path.chmod(0o644)

    assert ensure_key_pair(shared / "key").repairs == (f"{pair.private_path}: permissions 644 -> 600",)
    assert mode(shared) == 0o755


def test_refuses_a_key_path_it_cannot_create(home):
    in_the_way = home / "file"
    in_the_way.write_text("")

    with pytest.raises(UsageError, match="cannot create"):
        ensure_key_pair(in_the_way / "key")
