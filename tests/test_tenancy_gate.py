"""The tenancy's gate: one attempt at a time, and the wait an attempt's decision gave holds every target."""

from __future__ import annotations

import threading

import pytest

from orchestrator.tenancy_gate import NO_GATE, TenancyGate


def _in_thread(call) -> tuple[threading.Thread, list]:
    result: list = []
    thread = threading.Thread(target=lambda: result.append(call()))
    thread.start()
    return thread, result


def test_a_target_waits_while_another_targets_attempt_is_under_way():
    gate = TenancyGate("t")
    one, two = gate.seat("one"), gate.seat("two")
    order = []
    assert one.take_turn()
    thread, result = _in_thread(lambda: two.take_turn() and order.append("two"))
    order.append("one's attempt")
    one.hold(0)
    thread.join()
    assert order == ["one's attempt", "two"]


def test_after_a_429_every_target_of_the_tenancy_waits_for_the_backoff():
    now = [1000.0]
    gate = TenancyGate("t", clock=lambda: now[0])
    one, two = gate.seat("one"), gate.seat("two")
    assert one.take_turn()
    one.hold(900)  # the throttle backoff one's policy decided
    order = []
    thread, result = _in_thread(lambda: two.take_turn() and order.append("two"))
    order.append("the backoff is over")
    now[0] += 900
    gate.wake()
    thread.join()
    assert order == ["the backoff is over", "two"]


def test_an_interrupt_ends_the_wait_for_the_gate():
    gate = TenancyGate("t")
    one, two = gate.seat("one"), gate.seat("two")
    assert one.take_turn()
    thread, result = _in_thread(two.take_turn)
    two.interrupt()
    thread.join()
    assert result == [False]


def test_the_same_target_takes_its_turn_again_and_leaving_frees_the_gate():
    gate = TenancyGate("t")
    one, two = gate.seat("one"), gate.seat("two")
    assert one.take_turn() and one.take_turn()
    one.leave()
    assert two.take_turn()


def test_the_tenancys_calls_pool_every_seats_earlier_calls_once_and_then_this_runs():
    gate = TenancyGate("t")
    read = []
    one = gate.seat("one", earlier_calls=lambda: read.append("one") or [10.0, 20.0])
    two = gate.seat("two", earlier_calls=lambda: read.append("two") or [15.0])
    calls = one.launch_calls(lambda: pytest.fail("a target's own calls are in the pool"))
    assert sorted(calls) == [10.0, 15.0, 20.0]
    calls.append(30.0)  # a call one's budget made while holding the gate
    assert two.launch_calls(list) is calls and read == ["one", "two"]


def test_a_single_retry_counts_its_own_calls():
    assert NO_GATE.launch_calls(lambda: (5.0, 6.0)) == [5.0, 6.0]
