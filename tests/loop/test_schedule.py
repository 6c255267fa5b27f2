from orchestrator.loop.context import RunState
from orchestrator.loop.probe import first_available
from orchestrator.loop.schedule import schedule
from orchestrator.render import Target
from orchestrator.size import Size

BIG, SMALL = Size.of(4, 24), Size.of(2, 12)
AD1_BIG, AD2_BIG, AD1_SMALL, AD2_SMALL = (
    Target("AD-1", BIG),
    Target("AD-2", BIG),
    Target("AD-1", SMALL),
    Target("AD-2", SMALL),
)


def test_the_targets_come_in_rotation_until_the_loop_stops_asking():
    state = RunState(targets=[AD1_BIG, AD2_BIG, AD1_SMALL, AD2_SMALL])
    order = schedule(state, once=False)
    assert [next(order) for _ in range(6)] == [AD1_BIG, AD2_BIG, AD1_SMALL, AD2_SMALL, AD1_BIG, AD2_BIG]


def test_once_makes_one_sweep():
    state = RunState(targets=[AD1_BIG, AD2_BIG])
    assert list(schedule(state, once=True)) == [AD1_BIG, AD2_BIG]


def test_a_dropped_domain_is_skipped_at_once_even_within_a_sweep():
    state = RunState(targets=[AD1_BIG, AD2_BIG, AD1_SMALL, AD2_SMALL])
    order = schedule(state, once=False)
    assert next(order) == AD1_BIG
    state.targets = [t for t in state.targets if t.availability_domain != "AD-2"]  # as DROP_AD does
    assert [next(order) for _ in range(3)] == [AD1_SMALL, AD1_BIG, AD1_SMALL]


def test_the_schedule_ends_when_no_target_is_left():
    state = RunState(targets=[AD1_BIG])
    order = schedule(state, once=False)
    assert next(order) == AD1_BIG
    state.targets = []
    assert list(order) == []


def test_a_pick_reorders_a_sweep_but_every_target_is_still_tried_in_it():
    state = RunState(targets=[AD1_BIG, AD2_BIG, AD1_SMALL, AD2_SMALL])
    picked = []

    def last(pending):  # the reverse of the rotation
        picked.append(list(pending))
        return pending[-1]

    assert list(schedule(state, once=True, pick=last)) == [AD2_SMALL, AD1_SMALL, AD2_BIG, AD1_BIG]
    assert picked[0] == [AD1_BIG, AD2_BIG, AD1_SMALL, AD2_SMALL] and picked[-1] == [AD1_BIG]


def test_the_probe_tries_the_first_ad_reported_available_else_keeps_the_order():
    out, ok = "OUT_OF_HOST_CAPACITY", "AVAILABLE"
    assert first_available([AD1_BIG, AD2_BIG], {"AD-1": out, "AD-2": ok}) == AD2_BIG
    assert first_available([AD1_BIG, AD2_BIG], {"AD-1": ok, "AD-2": ok}) == AD1_BIG
    assert first_available([AD1_BIG, AD2_BIG], {"AD-1": out, "AD-2": "HARDWARE_NOT_SUPPORTED"}) == AD1_BIG
    assert first_available([AD1_BIG, AD2_BIG], {}) == AD1_BIG
