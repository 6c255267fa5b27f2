"""The plan cache, with the real engine and simulator: a saved plan per target, made once and
checked (refuse_destructive, `terraform show`) once per run, however often it is applied."""

from __future__ import annotations

import io

from orchestrator.engine.listing import LISTING_PLAN
from orchestrator.launch_inputs import prepare
from orchestrator.loop import RetryLoop
from orchestrator.notify import Notifier
from orchestrator.policy import Policy, PolicyConfig, Waiter
from orchestrator.progress import Reporter

from ..session import command_session


def _run(tmp_path, monkeypatch, scenario: str, *, once: bool = False) -> tuple[int, list[str]]:
    """One in-process run of the loop: its exit code and the Terraform commands it ran."""
    monkeypatch.setenv("COINPILOT_TF_WORKDIR", str(tmp_path / "wd"))
    session = command_session(tmp_path / "wd", simulate=scenario)
    tf = session.terraform
    commands = []
    execute = tf.execute

    def recorded(argv):
        command = next(word for word in argv[1:] if not word.startswith("-"))
        if command == "show" and not any(word.endswith(".tfplan") for word in argv):
            command = "show state"
        if any(word.endswith(LISTING_PLAN) for word in argv):
            command = "listing"  # the compartment's instances: a refresh-only plan and its show
        commands.append("refresh" if "-refresh-only" in argv and command != "listing" else command)
        return execute(argv)

    monkeypatch.setattr(tf, "execute", recorded)
    loop = RetryLoop(
        prepare(session),
        tf,
        policy=Policy(PolicyConfig(retry_interval=0, once=once)),
        waiter=Waiter(sleep=lambda seconds: False),
        notifier=Notifier([]),
        reporter=Reporter(io.StringIO(), "text"),
        once=once,
    )
    return loop.run().exit_code, commands


def test_a_saved_plan_is_made_once_and_checked_once_per_run(tmp_path, monkeypatch):
    code, commands = _run(tmp_path, monkeypatch, "capacity*2", once=True)
    assert code == 3  # --once: one sweep of one target, out of capacity
    assert (commands.count("plan"), commands.count("show"), commands.count("apply")) == (1, 1, 1)
    assert commands.count("listing") == 2  # before the first launch: is an instance of ours there?

    code, commands = _run(tmp_path, monkeypatch, "capacity*2,ok")
    assert code == 0
    # The next run applies the same saved plan three times; it checks it again, once.
    assert (commands.count("plan"), commands.count("show"), commands.count("apply")) == (0, 1, 3)
    assert commands.count("listing") == 2
