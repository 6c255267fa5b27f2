"""The one route table: each method and path leads to one OCI operation, and a path knows its methods."""

import re
from pathlib import Path

import pytest
import requests

from orchestrator.simulator.rest_routes import ROUTES, methods_on, route_for

from .conftest import COMPARTMENT
from .test_rest_compute import details

DOCS = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"


def test_the_docs_list_the_route_table():
    listed = re.findall(r"^\| (\w+) \| ([A-Z]+) \| `([^`]+)` \|$", DOCS.read_text(), re.MULTILINE)
    table = [(route.op, route.method, route.template) for route in ROUTES]
    rows = "\n".join(f"| {op} | {method} | `{template}` |" for op, method, template in table)
    assert listed == table, f"docs/simulator.md's Supported operations should list:\n{rows}"


def test_each_operation_has_one_route():
    ops = [route.op for route in ROUTES]
    assert len(ops) == len(set(ops))


@pytest.mark.parametrize(
    "method, path, op, params",
    [
        ("POST", "/20160918/instances", "LaunchInstance", ()),
        ("GET", "/20160918/instances", "ListInstances", ()),
        ("POST", "/20160918/instances/ocid1.instance.oc1..x", "InstanceAction", ("ocid1.instance.oc1..x",)),
        ("GET", "/20160918/images/img/shapes", "ListImageShapeCompatibilityEntries", ("img",)),
        (
            "GET",
            "/20190729/services/compute/limits/a1/resourceAvailability",
            "GetResourceAvailability",
            ("compute", "a1"),
        ),
    ],
)
def test_the_method_and_path_pick_the_operation_and_its_parameters(method, path, op, params):
    route, found = route_for(method, path)
    assert (route.op, found) == (op, params)


def test_a_path_without_the_method_has_no_route_but_lists_the_methods_it_has():
    assert route_for("PATCH", "/20160918/instances/x") is None
    assert methods_on("/20160918/instances/x") == ["DELETE", "GET", "POST", "PUT"]


def test_an_unknown_path_has_no_methods():
    assert route_for("GET", "/20160918/nothing") is None
    assert methods_on("/20160918/nothing") == []


@pytest.mark.parametrize("collection", ["/20160918/instances", "/20160918/availabilityDomains"])
def test_a_trailing_slash_on_a_collection_gets_the_same_answer(store, compute, endpoint, collection):
    compute.launch_instance(details())
    with_slash, without = (
        requests.get(
            endpoint.url + path, params={"compartmentId": COMPARTMENT}, auth=compute.base_client.signer, timeout=10
        )
        for path in (f"{collection}/", collection)
    )
    assert with_slash.status_code == without.status_code == 200
    assert with_slash.json() == without.json() != []
    slashed, plain = store.calls()[-2:]
    assert slashed["op"] == plain["op"] != "Unrouted"
