import json
import re
import textwrap
from pathlib import Path

import pytest

from orchestrator.failures import CLASSIFICATION_TABLE, Category, Failure, classify

CORPUS = Path(__file__).resolve().parent / "data" / "oci_errors.jsonl"
SAMPLES = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
BY_ID = {sample["id"]: sample for sample in SAMPLES}
TEXT_SAMPLES = [s for s in SAMPLES if not s["text"].lstrip().startswith('{"@')]
BOX = "│ "


def wrap_like_no_color(text: str, width: int = 78) -> str:
    """Terraform's -no-color wrapping: at whitespace only, long words (URLs, IDs) on their own line."""
    return "\n".join(
        textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False) for line in text.splitlines()
    )


def without_box(text: str) -> str:
    return "\n".join(re.sub(r"^[│╷╵] ?", "", line) for line in text.splitlines())


def with_box(text: str) -> str:
    return "\n".join(["╷", *(BOX + line for line in without_box(text).splitlines()), "╵"])


def as_json_diagnostic(summary: str, detail: str = "", address: str | None = None) -> str:
    """The two lines `terraform apply -json` prints for a failed create."""
    start = {"@level": "info", "@message": "oci_core_instance.this: Creating...", "type": "apply_start"}
    diagnostic = {"severity": "error", "summary": summary, "detail": detail}
    if address:
        diagnostic["address"] = address
    error = {"@level": "error", "@message": f"Error: {summary}", "diagnostic": diagnostic, "type": "diagnostic"}
    return json.dumps(start) + "\n" + json.dumps(error)


def test_the_corpus_has_every_category():
    assert {s["category"] for s in SAMPLES} == {c.value for c in Category} - {"unknown"}


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["id"] for s in SAMPLES])
def test_every_corpus_sample_classifies_to_its_category(sample):
    assert classify(sample["text"]).category == sample["category"]


@pytest.mark.parametrize("sample", TEXT_SAMPLES, ids=[s["id"] for s in TEXT_SAMPLES])
@pytest.mark.parametrize("transform", [wrap_like_no_color, str.upper, str.lower, without_box, with_box])
def test_category_and_fields_survive_wrapping_case_and_box_prefixes(sample, transform):
    original = classify(sample["text"])
    changed = classify(transform(sample["text"]))
    assert changed.category == sample["category"]
    assert changed.status == original.status
    assert (changed.code or "").lower() == (original.code or "").lower()
    assert (changed.request_id or "").lower() == (original.request_id or "").lower()
    assert (changed.address or "").lower() == (original.address or "").lower()
    assert changed.message.lower() == original.message.lower()


@pytest.mark.parametrize(
    "sample_id, status, code, message, request_id, address",
    [
        (
            "capacity-v4-box",
            500,
            "InternalError",
            "Out of host capacity.",
            "eaa9b21c32b7fcc32a520238f55b1cab/D199650646225322F1AF2C738B577E99/08135539C3A16382DE8607B840801F2A",
            'oci_core_instance._["2"]',
        ),
        (
            "capacity-nocolor-wrapped",
            500,
            "InternalError",
            "Out of host capacity.",
            "68E739C95E069C508D0197F08C9D32BE/FA6DD990ABA2D1CB7600B528B2F91815",
            "oci_core_instance.this",
        ),
        (
            "capacity-json",
            500,
            "InternalError",
            "Out of host capacity.",
            "0F3B1C2D3E4F/228F9A8B7C6D/11AA22BB33CC",
            "oci_core_instance.this",
        ),
        (
            "throttle-sdk-user",
            429,
            "TooManyRequests",
            "Too many requests for the user.",
            "9c8d7e6f5a4b3c2d1e0f/ABCDEF0123456789/0123456789ABCDEF",
            None,
        ),
        (
            "auth-404-midformat",
            404,
            "NotAuthorizedOrNotFound",
            "Authorization failed or requested resource not found.",
            "7a6b5c4d3e2f/1029384756/ABCDEF",
            None,
        ),
        (
            "auth-401",
            401,
            "NotAuthenticated",
            "The required information to complete authentication was not provided or was incorrect.",
            "5f4e3d2c1b0a",
            None,
        ),
        ("limit-a1-body", None, "LimitExceeded", None, None, None),
        (
            "unavailable-shape-404",
            404,
            "NotAuthorizedOrNotFound",
            "shape VM.Standard.E2.1.Micro not found.",
            "2d3c4b5a69788796/AB12CD34/EF56",
            None,
        ),
        (
            "auth-private-key",
            None,
            None,
            "can not create client, bad configuration: did not find a proper configuration for private key",
            None,
            'provider["registry.terraform.io/oracle/oci"]',
        ),
        ("uncertain-timeout", None, None, "Operation Timeout", None, None),
        ("locked-state", None, None, "state lock 4f1a7a1e-2b7c-9d3e-5f60-718293a4b5c6 held by user@laptop", None, None),
    ],
)
def test_extracted_fields(sample_id, status, code, message, request_id, address):
    failure = classify(BY_ID[sample_id]["text"])
    assert (failure.status, failure.code, failure.request_id, failure.address) == (status, code, request_id, address)
    if message is not None:
        assert failure.message == message


def test_request_id_broken_by_a_terminal_is_joined_back():
    request_id = "68E739C95E069C508D0197F08C9D32BE/FA6DD990ABA2D1CB7600B528B2F91815"
    line = f"OPC request ID: {request_id}"
    hard_wrapped = "\n".join(line[i : i + 60] for i in range(0, len(line), 60))
    text = "Error: 500-InternalError, Out of host capacity.\n" + hard_wrapped + "\nSuggestion: retry later"
    failure = classify(text)
    assert failure.request_id == request_id
    assert failure.category == Category.CAPACITY


def test_request_id_label_on_one_line_and_value_on_the_next():
    text = (
        "Error: 429-TooManyRequests, Too many requests for the tenant\nOPC request ID:\n"
        "3b0a8d5c1e2f/4A5B6C7D8E9F/0A1B2C3D4E5F\n"
    )
    assert classify(text).request_id == "3b0a8d5c1e2f/4A5B6C7D8E9F/0A1B2C3D4E5F"


def test_a_label_without_an_id_does_not_borrow_the_next_field():
    text = "Error: 500-InternalError, An internal error occurred.\nOPC request ID:\nSuggestion: retry"
    assert classify(text).request_id is None


@pytest.mark.parametrize(
    "sample_id",
    [
        "capacity-v4-box",
        "throttle-tenant",
        "limit-v5",
        "auth-401",
        "invalid-shapeconfig",
        "transient-409-conflict",
        "uncertain-workrequest",
    ],
)
def test_the_same_errors_as_json_diagnostics(sample_id):
    """-json puts the whole provider error in diagnostic.summary; the category must not change."""
    summary = re.sub(r"^Error:\s*", "", without_box(BY_ID[sample_id]["text"]).strip())
    text = as_json_diagnostic(summary, address="oci_core_instance.this")
    failure = classify(text)
    assert failure.category == BY_ID[sample_id]["category"]
    assert failure.address == "oci_core_instance.this"
    assert failure.first_line.startswith("Error: ")


def test_json_summary_and_detail_are_both_read():
    text = as_json_diagnostic("Work Request error", "Error Message: work request did not succeed")
    assert classify(text).category == Category.UNCERTAIN


def test_json_warnings_and_progress_lines_are_not_errors():
    warning = {
        "@level": "warn",
        "type": "diagnostic",
        "diagnostic": {"severity": "warning", "summary": "Out of host capacity"},
    }
    text = json.dumps({"@level": "info", "@message": "Apply complete!", "type": "apply_complete"})
    assert classify(text + "\n" + json.dumps(warning)).category == Category.UNKNOWN


def test_mixed_json_and_text_lines():
    text = (
        as_json_diagnostic("429-TooManyRequests, Too many requests for the tenant")
        + '\nnot json {\n{"broken": \n[1, 2]\n│ some pasted line\n'
    )
    failure = classify(text)
    assert failure.category == Category.THROTTLE
    assert failure.status == 429


def test_capacity_inside_a_work_request_error_wins():
    text = textwrap.dedent("""\
        │ Error: Work Request error
        │ Provider version: 7.7.0, released on 2025-06-24.
        │ Service: Core Instance
        │ Error Message: work request did not succeed, workId: ocid1.coreservicesworkrequest.oc1.aaaa, entity: instance, action: CREATED. Message: Out of host capacity.
        │ Resource OCID: ocid1.instance.oc1.aaaa
        """)
    assert classify(text).category == Category.CAPACITY
    assert classify(wrap_like_no_color(without_box(text))).category == Category.CAPACITY


def test_capacity_wins_over_other_errors_in_the_same_output():
    text = BY_ID["throttle-tenant"]["text"] + "\n" + BY_ID["capacity-nocolor-wrapped"]["text"]
    assert classify(text).category == Category.CAPACITY


@pytest.mark.parametrize(
    "text, category",
    [
        # The same shapes in other formats than the corpus uses.
        (
            "Error: Service error:InternalError. Out of host capacity. http status code: 500. Opc request id: abc/DEF",
            Category.CAPACITY,
        ),
        (
            "Error: 500-InternalError\nProvider version: 4.61.0\nError Message: Out of capacity for shape "
            "VM.Standard.A1.Flex in availability domain AD-1.",
            Category.CAPACITY,
        ),
        (
            "Error returned by Compute Service. Http Status Code: 429. Error Code: TooManyRequests. "
            "Opc request id: 1a2b. Message: Too many requests for the user",
            Category.THROTTLE,
        ),
        (
            "{'target_service': 'compute', 'status': 502, 'code': 'BadGateway', 'opc-request-id': 'x1/y2', "
            "'message': 'Bad gateway'}",
            Category.TRANSIENT,
        ),
        ("Error: 500-InternalError, An internal error occurred.", Category.TRANSIENT),
        ("Error: 503-ServiceUnavailable, The service is temporarily unavailable.", Category.TRANSIENT),
        ("Error: 409-IncorrectState, The instance is in an incorrect state.", Category.TRANSIENT),
        ("Error: 400-QuotaExceeded, Quota exceeded for compartment.", Category.LIMIT),
        ("Error: 404-NotAuthorizedOrNotFound, Authorization failed or requested resource not found.", Category.AUTH),
        ("Error: 404-NotAuthorizedOrNotFound, Shape VM.Standard.A1.Flex not found.", Category.UNAVAILABLE),
        ("Error: 400-MissingParameter, Missing imageId.", Category.INVALID),
        ("Error: 400-RelatedResourceNotAuthorizedOrNotFound, subnet not found", Category.AUTH),
        ("Error: 400-SomethingNew, the request is wrong in a new way", Category.INVALID),
        (
            'Error: Unsupported argument\n\n  on main.tf line 3, in resource "oci_core_instance" "this":',
            Category.INVALID,
        ),
        ("Error: Missing required argument", Category.INVALID),
        ("Error: Invalid value for input variable", Category.INVALID),
        ("Error: Reference to undeclared input variable", Category.INVALID),
        (
            'Error: Post "https://iaas.eu-frankfurt-1.oraclecloud.com/20160918/instances": '
            "net/http: request canceled (Client.Timeout exceeded while awaiting headers)",
            Category.TRANSIENT,
        ),
        ("Error: read tcp 10.0.0.2:5555->1.2.3.4:443: read: connection reset by peer", Category.TRANSIENT),
        # The API refusing the connection names its URL first: the provider's, not the state backend's.
        (
            'Error: Post "https://iaas.eu-frankfurt-1.oraclecloud.com/20160918/instances": '
            "dial tcp 1.2.3.4:443: connect: connection refused",
            Category.TRANSIENT,
        ),
        (
            "Error: error waiting for instance: unexpected state 'TERMINATED', wanted target 'RUNNING'",
            Category.UNCERTAIN,
        ),
        (
            "Error: Error locking state: Error acquiring the state lock: ConditionalCheckFailedException",
            Category.LOCKED,
        ),
        ("Error: 403-NotAllowed, something we have never seen", Category.UNKNOWN),
        ("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.", Category.UNKNOWN),
    ],
)
def test_shapes_beyond_the_corpus(text, category):
    assert classify(text).category == category


def test_colour_codes_are_ignored():
    text = "\x1b[31m│\x1b[0m \x1b[1m\x1b[31mError: \x1b[0m\x1b[1m429-TooManyRequests, Too many requests\x1b[0m"
    failure = classify(text)
    assert (failure.category, failure.status, failure.code) == (Category.THROTTLE, 429, "TooManyRequests")


@pytest.mark.parametrize("text", ["", "   \n\n  ", "│\n│ \n", "\x1b[0m"])
def test_empty_text_is_unknown(text):
    failure = classify(text)
    assert failure.category == Category.UNKNOWN
    assert failure.message == ""


def test_to_dict_is_json_ready_without_raw():
    failure = classify(BY_ID["capacity-nocolor-wrapped"]["text"])
    data = json.loads(json.dumps(failure.to_dict()))
    assert data == {
        "category": "capacity",
        "status": 500,
        "code": "InternalError",
        "message": "Out of host capacity.",
        "request_id": "68E739C95E069C508D0197F08C9D32BE/FA6DD990ABA2D1CB7600B528B2F91815",
        "address": "oci_core_instance.this",
        "first_line": "Error: 500-InternalError, Out of host capacity.",
    }


def test_failure_is_frozen():
    failure = classify("")
    with pytest.raises(AttributeError):
        failure.category = Category.CAPACITY  # type: ignore[misc]
    assert isinstance(failure, Failure)


def test_every_table_row_names_where_it_was_seen_and_compiles():
    for pattern, category, seen in CLASSIFICATION_TABLE:
        re.compile(pattern)
        assert isinstance(category, Category) and seen


def test_message_stops_at_the_next_error():
    text = (
        as_json_diagnostic("500-InternalError, An internal error occurred.")
        + "\n"
        + as_json_diagnostic("Unsupported argument").splitlines()[1]
    )
    assert classify(text).message == "An internal error occurred."
    assert classify("Error: Operation Timeout\nError: Work Request error").message == "Operation Timeout"


def test_update_and_start_failures_are_in_the_corpus_and_use_the_same_table():
    after_the_win = [
        s
        for s in SAMPLES
        if "UpdateInstance" in s["text"] or "action=START" in s["text"] or "last state: 'STARTING'" in s["text"]
    ]
    assert {s["category"] for s in after_the_win} >= {
        "capacity",
        "throttle",
        "transient",
        "invalid",
        "auth",
        "uncertain",
    }
    for sample in after_the_win:
        assert classify(sample["text"]).category == sample["category"], sample["id"]
