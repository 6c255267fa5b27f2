import pytest

from orchestrator.errors import UsageError
from orchestrator.simulator.scenario import OUTCOMES, parse_scenario


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ok", ["ok"]),
        ("capacity*3,throttle,ok", ["capacity", "capacity", "capacity", "throttle", "ok"]),
        (" capacity * 2 , lost ", ["capacity", "capacity", "lost"]),
        (",".join(OUTCOMES), list(OUTCOMES)),
    ],
)
def test_parses_outcomes_and_repeats(text, expected):
    assert parse_scenario(text) == expected


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("", "empty"),
        ("capacity,,ok", "unknown outcome ''"),
        ("capcity*3", "unknown outcome 'capcity'"),
        ("capacity*", "repeat count"),
        ("capacity*0", "repeat count"),
        ("capacity*x", "repeat count"),
        ("capacity*1001", "repeat count"),
    ],
)
def test_bad_scenario_names_the_flag_and_the_problem(text, complaint):
    with pytest.raises(UsageError) as raised:
        parse_scenario(text)
    assert raised.value.field == "--simulate"
    assert complaint in raised.value.problem


def test_unknown_outcome_lists_the_valid_ones():
    with pytest.raises(UsageError) as raised:
        parse_scenario("win")
    assert all(outcome in raised.value.problem for outcome in OUTCOMES)
