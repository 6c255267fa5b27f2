"""What Terraform printed -> Failure: the category the retry policy acts on, plus the fields a user needs.

Input is `terraform apply -json` lines (preferred), plain text as printed or pasted (box prefixes,
`-no-color` wrapping, colour codes), or a mix. Every provider error format seen in the wild is read
by its shape -- HTTP status, OCI error code, message -- not by exact strings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """What the retry loop does next; meanings in the README, "Failure categories and what the loop does"."""

    CAPACITY = "capacity"
    THROTTLE = "throttle"
    TRANSIENT = "transient"
    LIMIT = "limit"
    UNAVAILABLE = "unavailable"
    AUTH = "auth"
    INVALID = "invalid"
    UNCERTAIN = "uncertain"
    LOCKED = "locked"
    STATE_WRITE = "state_write"
    BACKEND = "backend"
    UNKNOWN = "unknown"


# What to do about each category: the README's troubleshooting table says the same, word for word
# (a test compares them), and `coinpilot-tf classify` prints the line for what it found.
TROUBLESHOOTING: dict[Category, str] = {
    Category.CAPACITY: "nothing is wrong: this is the wait. List more ADs (`AVAILABILITY_DOMAIN=all`) or add a smaller size (`--size 2:12 --size 1:6`)",
    Category.THROTTLE: "something else calls the same tenancy (another tool, a second loop): stop it. Keep `RETRY_INTERVAL_SECONDS` at 300 or more",
    Category.TRANSIENT: "your network or OCI's API is down; the loop keeps going on its own",
    Category.LIMIT: "the loop names every A1 instance in the tenancy that uses the allowance: terminate the one you do not need. If it names none, OCI still counts a terminated one (up to about an hour): the loop checks again on its own",
    Category.UNAVAILABLE: "A1 is not offered in that AD: name another AD of your region",
    Category.AUTH: "check `~/.oci/config` (the `OCI_PROFILE` section): `key_file` exists, `fingerprint` matches the key uploaded in the console, `tenancy`, `user` and `region` are right, and your group may manage instances in the compartment",
    Category.INVALID: "the message names the field: a wrong OCID (copy it again), an x86 image instead of aarch64, a subnet in another region",
    Category.UNCERTAIN: "nothing: the next step checks whether the instance exists, and keeps it if it does",
    Category.LOCKED: "another run held the state for over 10 minutes. If none does (it crashed): `coinpilot-tf terraform force-unlock <ID>` with the ID from the message",
    Category.STATE_WRITE: "OCI has the instance but Terraform could not save it: fix the disk (or the state backend), then run `coinpilot-tf retry`: it adopts the instance, launching nothing (docs/guarantees.md)",
    Category.BACKEND: "the shared state's server or bucket is down or refuses you: check it, `STATE_BACKEND_CONFIG` and its credentials (docs/shared-state.md)",
    Category.UNKNOWN: "it stops after 5 in a row and shows the text; run it through `coinpilot-tf classify` and report the first line and request id",
}


class AttemptOutcome(StrEnum):
    """What the journal records as an attempt's or a stop's `category` when it is not a failure
    Category (`status` and users' scripts read these back: the values never change)."""

    SUCCESS = "success"
    INTERRUPTED = "interrupted"
    REFUSED = "refused"  # a saved plan would have deleted or replaced the instance
    RECONCILE = "reconcile"  # Terraform could not read or record our instance


# Every value a journal entry's `category` can hold.
Recorded = Category | AttemptOutcome


@dataclass(frozen=True)
class Failure:
    """One classified failure; `raw` is the text as given, the other fields are None/"" when absent."""

    category: Category
    status: int | None
    code: str | None
    message: str
    request_id: str | None
    address: str | None
    raw: str

    @property
    def first_line(self) -> str:
        body, _ = _readable_body(self.raw)
        return next((line.strip() for line in body.splitlines() if line.strip()), "")

    def to_dict(self) -> dict:
        """JSON-ready; `raw` is left out because it can be long (the caller has it)."""
        return {
            "category": str(self.category),
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
            "address": self.address,
            "first_line": self.first_line,
        }


# Each service error is summarised as a token "⟨<status> <code>⟩" (status "?" when the format has
# none) put in front of the normalised text, so one table row can match the status or code whatever
# the provider format was. The text is lower-cased with whitespace collapsed.
# Order matters: a state that cannot be written wins over everything (whatever else failed, what
# Terraform knows is not on disk), then capacity (it hides inside 500s and work-request failures),
# then the most specific shapes; the first matching row decides.
CLASSIFICATION_TABLE: tuple[tuple[str, Category, str], ...] = (
    (
        (
            r"\bfailed to (?:save|persist) state\b|\berror saving state\b|\berrored\.tfstate\b"
            r"|\bfailed to (?:create|write) (?:the )?local state\b|\bfailed to write (?:the )?state\b"
            r"|\berror writing (?:the )?state\b"
        ),
        Category.STATE_WRITE,
        (
            "Terraform could not write the state: 'Failed to save state' / 'Failed to persist state to backend' "
            "(local backend, Terraform >= 0.12 and OpenTofu; the state then goes to errored.tfstate or stdout); "
            "'Error writing state file' from import, state rm, untaint"
        ),
    ),
    (
        r"\bno space left on device\b|\bread-only file system\b|\bdisk quota exceeded\b",
        Category.STATE_WRITE,
        "ENOSPC / EROFS / EDQUOT on any file Terraform writes in the workdir (state, its lock info, a plan)",
    ),
    (
        r"\bout of (?:host )?capacity\b",
        Category.CAPACITY,
        "LaunchInstance 500 InternalError, every provider format; also inside work-request errors",
    ),
    # A backend that could not write the state is the state_write row above (errored.tfstate).
    (
        r"\bfailed to get existing workspaces\b|\berror (?:loading|refreshing) state\b"
        r"|\bbackend initialization required\b",
        Category.BACKEND,
        "the state backend could not be read or set up (Terraform's backend errors at init, plan or refresh)",
    ),
    # The pg backend (lib/pq) dials PostgreSQL itself: its errors are a bare "Error: dial tcp <addr>:
    # ..." or "pq: ...", where the provider's always name the API's URL first ("Post https://...: dial
    # tcp"). Before the lock row: a lock the server could not even be asked for is the server's fault.
    (
        r"\berror: dial tcp [^\s:]+:\d+: (?:connect|i/o timeout|read|write)\b|\berror: pq: "
        r"|\bacquiring the state lock\b.{0,300}?\berror message: (?:dial tcp|pq:|read tcp|write tcp)",
        Category.BACKEND,
        (
            "pg backend with PostgreSQL stopped: 'Error: dial tcp 127.0.0.1:5432: connect: connection refused' "
            "from terraform show, state pull, plan and apply (Terraform 1.11.4, measured here); 'pq: the database "
            "system is shutting down / starting up' while it stops or starts; 'Error acquiring the state lock' "
            "with 'Error message: dial tcp ...' when the lock query cannot reach it (pg client.go Lock)"
        ),
    ),
    (
        r"\bacquiring the state lock\b|\berror locking state\b",
        Category.LOCKED,
        "Terraform state lock, any backend (terraform-exec stateLockErrRegexp)",
    ),
    (
        r"\boperation timeout\b|\btimeout while waiting for state\b",
        Category.UNCERTAIN,
        "provider Operation Timeout after the create was accepted",
    ),
    (r"\bwork ?request (?:error|did not succeed|failed)\b", Category.UNCERTAIN, "provider Work Request error"),
    (
        r"\bexpected the resource to reach state.*\bunexpected state\b|\bunexpected state '[^']*', wanted target\b",
        Category.UNCERTAIN,
        "provider lifecycle wait: unexpected state after create",
    ),
    (
        r"\bshape \S+ not found\b",
        Category.UNAVAILABLE,
        "404 NotAuthorizedOrNotFound for a shape not offered in this AD",
    ),
    (
        r"\bcan ?not create client\b|\bdid not find a proper configuration for\b",
        Category.AUTH,
        "provider configuration: bad ~/.oci/config profile or key",
    ),
    (
        r"⟨401 |\snotauthenticated⟩|\s(?:relatedresource)?notauthorizedornotfound⟩",
        Category.AUTH,
        "provider service error 401 NotAuthenticated / NotAuthorizedOrNotFound",
    ),
    (
        r"\s(?:invalidparameter|cannotparserequest|missingparameter)⟩",
        Category.INVALID,
        "provider service error 400 InvalidParameter / CannotParseRequest",
    ),
    (
        r"\bunsupported (?:argument|block type)\b|\bmissing required argument\b"
        r"|\binvalid value for (?:input )?variable\b|\bno value for required variable\b"
        r"|\breference to undeclared\b|\bincorrect attribute value type\b|\binvalid reference\b"
        r"|\bthere are some problems with the configuration\b",
        Category.INVALID,
        "Terraform configuration errors (terraform-exec configInvalid/missingVar)",
    ),
    (
        r"⟨429 |\btoo ?many ?requests\b",
        Category.THROTTLE,
        "429 TooManyRequests, every provider format; Terragrunt-style '429 Too Many Requests' note",
    ),
    (
        r"\b(?:limitexceeded|quotaexceeded)\b|\bservice limits? (?:were|was) exceeded\b",
        Category.LIMIT,
        "400 LimitExceeded / QuotaExceeded, provider error or API body",
    ),
    (r"⟨400 ", Category.INVALID, "any other 400: the request itself is wrong"),
    (
        r"⟨5\d\d |⟨409 |\b(?:bad gateway|service unavailable|gateway time-?out)\b",
        Category.TRANSIENT,
        "other 5xx and 409 Conflict service errors",
    ),
    (
        r"\bdial tcp\b|\bno such host\b|\btls handshake timeout\b|\bconnection (?:refused|reset)\b"
        r"|\bi/o timeout\b|\bclient\.timeout exceeded\b|\btimeout awaiting response headers\b"
        r"|\btemporary failure in name resolution\b|\bnetwork is unreachable\b"
        r"|\bcontext deadline exceeded\b|\beof\b",
        Category.TRANSIENT,
        "Go network/DNS/TLS errors talking to the API (as in Terragrunt's retryable_errors)",
    ),
)
_ROWS = tuple((re.compile(pattern, re.IGNORECASE), category) for pattern, category, _ in CLASSIFICATION_TABLE)

# Any text between two parts of one error, bounded so a long log with many errors stays linear.
_GAP = r"[\s\S]{0,2000}?"

# Where a service error states its status and code, by provider/SDK format.
_STATUS_CODE_FORMATS = (
    # provider >= 4.14: "Error: 500-InternalError, ..." (in -json the summary starts "500-...")
    r"(?:^|error:)[ \t]*(?P<status>[1-5]\d\d)[ \t]*-[ \t]*(?P<code>[a-z]\w*)\b",
    # provider < 4.14: "Service error:InternalError. Out of host capacity. http status code: 500."
    rf"service\s+error:\s*(?P<code>[a-z]\w*)\.{_GAP}http\s+status\s+code:\s*(?P<status>\d{{3}})",
    # oci-go-sdk: "Http Status Code: 500. Error Code: InternalError."
    r"http\s+status\s+code:\s*(?P<status>\d{3})\.\s*error\s+code:\s*(?P<code>[a-z]\w*)",
    # API error body {"code": ..., "message": ...}; oci Python SDK {'status': 500, 'code': ...}
    r"""(?:['"]status['"]\s*:\s*(?P<status>\d{3})\s*,\s*)?['"]code['"]\s*:\s*['"](?P<code>[a-z]\w*)['"]""",
)
_STATUS_CODE_RES = tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in _STATUS_CODE_FORMATS)

# Lines that start a new field in the provider's error block; a message stops before them.
_FIELD_LABELS = (
    r"suggestion|documentation|api reference|request target|provider version|service"
    r"|operation name|opc request id|resource ocid|error message|timestamp|client version"
    r"|request endpoint|troubleshooting tips|lock info"
)
# A message: the rest of its line plus wrapped continuation lines, up to a blank line, a field
# label, the next "Error:", or Terraform's "with <address>," line.
_PARAGRAPH = (
    rf"(?P<message>.+(?:\n(?![ \t]*$|[ \t]*(?:{_FIELD_LABELS}|error)[ \t]*:|[ \t]*with \S+,[ \t]*$)"
    r".+)*)"
)
_INLINE_LABEL = re.compile(rf"\s(?:{_FIELD_LABELS}):\s.*", re.IGNORECASE | re.DOTALL)

# The human message, by format; the first that matches wins. Templates use the named groups.
_MESSAGE_FORMATS = (
    (
        rf"acquiring\s+the\s+state\s+lock{_GAP}^\s*id:\s*(?P<id>\S+){_GAP}^\s*who:\s*(?P<who>\S+)",
        "state lock {id} held by {who}",
    ),
    (rf"(?:^|error:)[ \t]*[1-5]\d\d[ \t]*-[ \t]*[a-z]\w*[ \t]*,[ \t]*{_PARAGRAPH}", "{message}"),
    (
        rf"(?:^|error:)[ \t]*[1-5]\d\d[ \t]*-[ \t]*[a-z]\w*[ \t]*${_GAP}^[ \t]*error message:[ \t]*{_PARAGRAPH}",
        "{message}",
    ),
    (rf"service\s+error:\s*[a-z]\w*\.\s*(?P<message>{_GAP})\s*http\s+status\s+code:", "{message}"),
    (rf"http\s+status\s+code:{_GAP}\bmessage:[ \t]*{_PARAGRAPH}", "{message}"),
    (r"""['"]message['"]\s*:\s*"(?P<message>(?:[^"\\]|\\.)*)\"""", "{message}"),
    (r"""['"]message['"]\s*:\s*'(?P<message>(?:[^'\\]|\\.)*)'""", "{message}"),
    (rf"^[ \t]*error:[ \t]*{_PARAGRAPH}", "{message}"),
)
_MESSAGE_RES = tuple((re.compile(p, re.IGNORECASE | re.MULTILINE), t) for p, t in _MESSAGE_FORMATS)

_ID = r"[0-9a-z/_-]+"
# `-no-color` puts a long request ID on the line after its label, and a terminal can break the ID
# itself; continuation lines made only of ID characters are joined back.
_REQUEST_ID_RES = (
    re.compile(
        rf"opc\s+request\s+id:[ \t]*(?:\n[ \t]*)?(?P<id>{_ID}(?:[ \t]*\n[ \t]*{_ID}(?=[ \t]*$))*)(?=[\s.,'\"]|$)",
        re.IGNORECASE | re.MULTILINE,
    ),
    re.compile(rf"""['"]opc-request-id['"]\s*:\s*['"](?P<id>{_ID})""", re.IGNORECASE),
)
_ADDRESS_RE = re.compile(r"^[ \t]*with (?P<address>\S.*?),[ \t]*$", re.IGNORECASE | re.MULTILINE)

_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[a-zA-Z]")
_BOX_PREFIX_RE = re.compile(r"^[ \t]*[│╷╵](?:[ \t]|$)")


def classify(text: str) -> Failure:
    """Classify what Terraform printed. Empty or unrecognised text is `unknown`, never success."""
    body, json_address = _readable_body(text)
    pairs = _status_codes(body)
    signature = "".join(f"⟨{status or '?'} {code.lower()}⟩ " for status, code in pairs)
    signature += " ".join(body.split()).lower()
    category = next((category for row, category in _ROWS if row.search(signature)), Category.UNKNOWN)
    status, code = pairs[0] if pairs else (None, None)
    address_match = _ADDRESS_RE.search(body)
    return Failure(
        category=category,
        status=status,
        code=code,
        message=_message(body),
        request_id=_request_id(body),
        address=json_address or (address_match["address"] if address_match else None),
        raw=text,
    )


def _lines(text: str) -> list[str]:
    return [_BOX_PREFIX_RE.sub("", line) for line in _ANSI_RE.sub("", text).splitlines()]


def _readable_body(text: str) -> tuple[str, str | None]:
    """Turn -json error diagnostics back into the text Terraform would print; keep plain lines.

    Returns the body and the first diagnostic's resource address. Other -json messages (progress,
    warnings) are dropped; JSON that is not a Terraform message (an API error body) stays as text.
    """
    lines: list[str] = []
    address = None
    for line in _lines(text):
        message = _json_object(line)
        if message is None or not ("@level" in message or "type" in message):
            lines.append(line)
            continue
        diagnostic = message.get("diagnostic")
        if not isinstance(diagnostic, dict) or diagnostic.get("severity") != "error":
            continue
        lines.extend(_lines(f"Error: {diagnostic.get('summary') or ''}"))
        lines.extend(_lines(str(diagnostic.get("detail") or "")))
        lines.append("")  # Terraform separates diagnostics with a blank line too
        address = address or diagnostic.get("address")
    return "\n".join(lines), address


def _json_object(line: str) -> dict | None:
    if not line.lstrip().startswith("{"):
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _status_codes(body: str) -> list[tuple[int | None, str]]:
    """(status, code) of every service error, in the order they appear."""
    matches = sorted(
        (match for regex in _STATUS_CODE_RES for match in regex.finditer(body)), key=lambda match: match.start()
    )
    return [(int(match["status"]) if match["status"] else None, match["code"]) for match in matches]


def _message(body: str) -> str:
    for regex, template in _MESSAGE_RES:
        match = regex.search(body)
        if match:
            message = template.format(**match.groupdict())
            # Cut at an inline field label: some pastes flatten the whole block onto one line.
            message = " ".join(_INLINE_LABEL.sub("", message).split())
            if message:
                return message
    # No known format: the first line that says it is an error, else the first line (not a progress line).
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    return next((line for line in lines if "error" in line.lower()), lines[0] if lines else "")


def _request_id(body: str) -> str | None:
    for regex in _REQUEST_ID_RES:
        match = regex.search(body)
        if match:
            return "".join(match["id"].split())
    return None
