"""What an operation means: grow only makes the instance larger; done is read from the outputs."""

import pytest

from orchestrator.errors import UsageError
from orchestrator.instance import Instance
from orchestrator.operation import Kind, grow, grow_request, launch, smaller, start
from orchestrator.size import Size

AD = "SiMu:SIM-REGION-1-AD-1"


def in_state(ocpus, memory_gbs):
    return Instance.from_state(
        {"id": "ocid1.instance.oc1..x", "shape_config": [{"ocpus": ocpus, "memory_in_gbs": memory_gbs}]}
    )


@pytest.mark.parametrize(
    ("current", "wanted", "expected"),
    [
        (Size(1, 6), Size(2, 12), True),
        (Size(1, 6), Size(1, 12), True),
        (Size(2, 12), Size(2, 12), False),
        (Size(2, 12), Size(1, 6), False),
        (Size(1, 12), Size(2, 6), False),  # more OCPUs but less memory is not "larger"
    ],
)
def test_smaller_means_larger_in_one_dimension_and_no_smaller_in_the_other(current, wanted, expected):
    assert smaller(current, wanted) is expected


def test_grow_request_from_the_state_alone():
    assert grow_request(None, Size(2, 12)).nothing_to_do.startswith("nothing to grow: the state holds no instance")
    assert (
        grow_request(in_state(2.0, 12.0), Size(2, 12)).nothing_to_do
        == "nothing to grow: the instance is 2 OCPUs / 12 GB already"
    )
    request = grow_request(in_state(1.0, 6.0), Size(2, 12))
    assert (request.current, request.wanted, request.nothing_to_do) == (Size(1, 6), Size(2, 12), None)


def test_a_first_size_that_is_not_larger_is_bad_input():
    with pytest.raises(UsageError) as raised:
        grow_request(in_state(2.0, 12.0), Size(1, 6))
    assert raised.value.field == "--size"
    assert "not larger than the instance's 2 OCPUs / 12 GB" in str(raised.value)


def test_each_operation_says_when_it_is_done_and_names_its_own_plans():
    launching = launch((Size(2, 12), Size(1, 6)), (AD, "SiMu:SIM-REGION-1-AD-2"))
    assert [t.size.spec for t in launching.targets] == ["2:12", "2:12", "1:6", "1:6"]
    assert launching.done({"instance_id": "ocid1..x"}) and not launching.done({})
    growing = grow("ocid1..x", AD, Size(2, 12))
    assert growing.manage_size and growing.kind == Kind.GROW
    assert growing.done({"ocpus": 2, "memory_gbs": 12}) and not growing.done({"ocpus": 1, "memory_gbs": 6})
    starting = start("ocid1..x", AD, Size(1, 6))
    assert starting.done({"state": "RUNNING"}) and not starting.done({"state": "STOPPED"})
    assert not starting.manage_size
    assert {
        launching.plan_label(launching.targets[0]),
        growing.plan_label(growing.targets[0]),
        starting.plan_label(starting.targets[0]),
    } == {"2:12", "grow-2:12", "start-1:6"}


def test_a_launch_is_told_as_a_win_in_one_word():
    op = launch((Size(2, 12),), (AD,))

    assert op.success_note == "won the instance"
    assert op.success_message(1) == "won the instance after 1 attempt"
    assert op.success_message(2) == "won the instance after 2 attempts"
