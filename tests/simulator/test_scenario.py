import pytest

from orchestrator.errors import UsageError
from orchestrator.simulator.scenario import ANSWERS, OUTCOMES, parse_scenario

ALL_OK = {"launch": ["ok"], "update": ["ok"], "start": ["ok"]}


@pytest.mark.parametrize(
    "text, launch",
    [
        ("ok", ["ok"]),
        ("capacity*3,throttle,ok", ["capacity", "capacity", "capacity", "throttle", "ok"]),
        (" capacity * 2 , lost ", ["capacity", "capacity", "lost"]),
        (",".join(OUTCOMES), list(OUTCOMES)),
    ],
)
def test_a_bare_list_gives_the_launch_outcomes(text, launch):
    assert parse_scenario(text) == {**ALL_OK, "launch": launch}


def test_sections_give_each_operation_its_outcomes():
    assert parse_scenario("launch=capacity*3,ok;update=capacity*2,ok;start=capacity,ok") == {
        "launch": ["capacity", "capacity", "capacity", "ok"],
        "update": ["capacity", "capacity", "ok"],
        "start": ["capacity", "ok"],
    }
    assert parse_scenario(" start = throttle , ok ") == {**ALL_OK, "start": ["throttle", "ok"]}
    assert parse_scenario(f"update={','.join(ANSWERS)}")["update"] == list(ANSWERS)


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("", "empty"),
        ("  ", "empty"),
        ("capacity,,ok", "unknown launch outcome ''"),
        ("capcity*3", "unknown launch outcome 'capcity'"),
        ("capacity*", "repeat count"),
        ("capacity*0", "repeat count"),
        ("capacity*x", "repeat count"),
        ("capacity*1001", "repeat count"),
        # str.isdigit() says yes to these; int() does not.
        ("capacity*²", "repeat count"),
        ("capacity*٣", "repeat count"),
        ("launch=ok;resize=capacity", "unknown operation 'resize'"),
        ("launch=ok;launch=capacity", "operation 'launch' appears twice"),
        ("capacity,ok;start=capacity", "section 'capacity,ok' of"),
        ("launch=ok;", "section '' of"),
        ("update=lost", "unknown update outcome 'lost'"),
        ("start=timeout_running", "unknown start outcome 'timeout_running'"),
        ("start=", "unknown start outcome ''"),
    ],
)
def test_bad_scenario_names_the_flag_and_the_problem(text, complaint):
    with pytest.raises(UsageError) as raised:
        parse_scenario(text)
    assert raised.value.field == "--simulate"
    assert complaint in raised.value.problem
    assert "\n" not in str(raised.value)


def test_the_flag_named_is_the_one_given():
    with pytest.raises(UsageError) as raised:
        parse_scenario("win", field="--scenario")
    assert raised.value.field == "--scenario"


def test_unknown_outcome_lists_the_valid_ones():
    with pytest.raises(UsageError) as raised:
        parse_scenario("win")
    assert all(outcome in raised.value.problem for outcome in OUTCOMES)
    with pytest.raises(UsageError) as raised:
        parse_scenario("start=win")
    assert raised.value.problem.endswith(
        f"valid start outcomes: {', '.join(ANSWERS)} (each may be followed by *N, e.g. capacity*3,throttle,ok)"
    )
