"""OCI's request signing, checked as OCI checks it (draft-cavage HTTP signatures, as the SDKs make them).

The signature must verify against the API key "uploaded" to the simulated tenancy, the keyId
must name that key's tenancy, user and fingerprint, and the Date must be within 5 minutes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from email.message import Message
from email.utils import parsedate_to_datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from orchestrator.simulator.rest_protocol import ApiError

_SIGNATURE_FIELD = re.compile(r'(\w+)="([^"]*)"')
# OCI refuses a request whose Date is further than this from its clock.
MAX_CLOCK_SKEW_SECONDS = 300
BODY_METHODS = ("POST", "PUT", "PATCH")
_SIGNED_ALWAYS = ("(request-target)", "host")
_SIGNED_WITH_BODY = ("content-length", "content-type", "x-content-sha256")
_NOT_AUTHENTICATED = "The required information to complete authentication was not provided or was incorrect."


def authenticate(
    method: str, target: str, headers: Message, body: bytes, key_id: tuple[str, str, str], public_key: RSAPublicKey
) -> None:
    """401 NotAuthenticated unless the request is signed with `public_key`'s private key under
    `key_id` (tenancy, user, fingerprint), covers what OCI requires and is dated within the skew."""
    fields = dict(_SIGNATURE_FIELD.findall(headers.get("authorization", "")))
    signed_headers = fields.get("headers", "").split()
    required = _SIGNED_ALWAYS + (_SIGNED_WITH_BODY if method in BODY_METHODS else ())
    date_header = "x-date" if "x-date" in signed_headers else "date"
    try:
        if tuple(fields["keyId"].split("/")) != key_id or not set(required) <= {*signed_headers, date_header}:
            raise ValueError("the keyId or the signed headers are not OCI's")
        signing_string = "\n".join(
            f"(request-target): {method.lower()} {target}" if name == "(request-target)" else f"{name}: {headers[name]}"
            for name in signed_headers
        )
        public_key.verify(
            base64.b64decode(fields["signature"]), signing_string.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        if (
            method in BODY_METHODS
            and headers["x-content-sha256"] != base64.b64encode(hashlib.sha256(body).digest()).decode()
        ):
            raise ValueError("the body is not the one signed")
        sent = parsedate_to_datetime(headers[date_header]).timestamp()
    except (KeyError, ValueError, TypeError, InvalidSignature, binascii.Error):
        raise ApiError(401, "NotAuthenticated", _NOT_AUTHENTICATED) from None
    if abs(time.time() - sent) > MAX_CLOCK_SKEW_SECONDS:
        raise ApiError(
            401,
            "NotAuthenticated",
            f"The {date_header} header is more than {MAX_CLOCK_SKEW_SECONDS // 60} minutes away from the server's clock.",
        )


def key_fingerprint(public_key: RSAPublicKey) -> str:
    """OCI's fingerprint of an API key: MD5 of the public key (DER), colon separated."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()  # OCI's fingerprint format, not a security use
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
