"""OCI's request signing, checked on requests the real oci SDK's signer signs (no server involved)."""

import json

import oci
import pytest
import requests

from orchestrator.simulator.rest_protocol import ApiError
from orchestrator.simulator.rest_signing import authenticate, key_fingerprint
from orchestrator.simulator.store import PLACEHOLDERS

KEY_ID = (PLACEHOLDERS["tenancy_ocid"], PLACEHOLDERS["user_ocid"])


@pytest.fixture
def signed(keys):
    """A request signed by the SDK's own signer with the uploaded key, as a client would send it."""
    path, key = keys["uploaded"]
    signer = oci.signer.Signer(*KEY_ID, key_fingerprint(key.public_key()), str(path))

    def sign(method, body=None):
        data = None if body is None else json.dumps(body)
        request = requests.Request(method, "http://127.0.0.1:1/20160918/instances?compartmentId=c", data=data)
        return signer(request.prepare())

    return sign


def _authenticate(request, public_key, body):
    """Check `request` as the endpoint would if `body` arrived with it, against `public_key`."""
    authenticate(
        request.method, request.path_url, request.headers, body, (*KEY_ID, key_fingerprint(public_key)), public_key
    )


def test_the_fingerprint_is_md5_in_colon_separated_hex(keys):
    fingerprint = key_fingerprint(keys["uploaded"][1].public_key())
    assert len(fingerprint.split(":")) == 16 and all(len(part) == 2 for part in fingerprint.split(":"))


@pytest.mark.parametrize("method, body", [("GET", None), ("POST", {"displayName": "a1"})])
def test_a_request_the_sdk_signed_with_the_uploaded_key_passes(signed, keys, method, body):
    request = signed(method, body)
    _authenticate(request, keys["uploaded"][1].public_key(), (request.body or "").encode())


def test_a_body_changed_after_signing_is_refused(signed, keys):
    request = signed("POST", {"displayName": "a1"})
    with pytest.raises(ApiError) as refused:
        _authenticate(request, keys["uploaded"][1].public_key(), b'{"displayName": "another"}')
    assert (refused.value.status, refused.value.code) == (401, "NotAuthenticated")


def test_a_signature_by_another_key_is_refused(signed, keys):
    with pytest.raises(ApiError) as refused:
        _authenticate(signed("GET"), keys["other"][1].public_key(), b"")
    assert refused.value.code == "NotAuthenticated"
