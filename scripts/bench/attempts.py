"""A contender's attempts: the scenario they run, what each one cost and which API calls it made, and the
loop that runs one command per attempt (the terraform apply loop's and the runbook's)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from orchestrator.simulator.scenario import MAX_REPEAT
from orchestrator.simulator.store import CloudStore

from .processes import Run, run_measured


@dataclass
class Attempt:
    number: int
    outcome: str | None  # what the simulated LaunchInstance answered (first call of the attempt)
    wall_seconds: float
    calls: dict[str, int]
    cpu_seconds: float
    peak_rss_kb: int  # everything the attempt started, summed
    terraform_seconds: float | None = None
    own_seconds: float | None = None


def launch_scenario(attempts: int) -> str:
    """N-1 capacity failures, then ok, within the simulator's repeat limit."""
    parts, left = [], attempts - 1
    while left:
        count = min(left, MAX_REPEAT)
        parts.append(f"capacity*{count}")
        left -= count
    return ",".join(parts + ["ok"])


def calls_between(calls: list[dict], after: float, until: float) -> dict[str, int]:
    return dict(Counter(call["op"] for call in calls if after < call["ts"] <= until))


def launch_outcome(calls: list[dict], after: float, until: float) -> str | None:
    return next((c.get("outcome") for c in calls if c["op"] == "LaunchInstance" and after < c["ts"] <= until), None)


class CommandLoop:
    """One command per attempt until it succeeds, as a shell loop runs it (the loop's `sleep` aside)."""

    def __init__(
        self,
        argv: list[str],
        cwd: Path | None,
        env: dict[str, str],
        store: CloudStore,
        attempts: int,
        before_last: Callable[[], None] | None = None,
    ):
        self.argv, self.cwd, self.env, self.store, self.attempts = argv, cwd, env, store, attempts
        self.before_last = before_last
        self.runs: list[Run] = []

    @property
    def done(self) -> bool:
        return len(self.runs) >= self.attempts or bool(self.runs and self.runs[-1].returncode == 0)

    def attempt(self) -> None:
        if self.done:
            return
        if self.before_last and len(self.runs) == self.attempts - 1:
            self.before_last()
        self.runs.append(run_measured(self.argv, self.cwd, self.env))

    def results(self) -> dict:
        """The loop's last exit code and its attempts, with the calls its cloud saw in each one's window."""
        calls = self.store.calls()
        attempts = [
            Attempt(
                number,
                launch_outcome(calls, run.began, run.ended),
                run.ended - run.began,
                calls_between(calls, run.began, run.ended),
                run.cpu_seconds,
                run.peak_rss_kb,
            )
            for number, run in enumerate(self.runs, start=1)
        ]
        return {"returncode": self.runs[-1].returncode if self.runs else None, "attempts": attempts}
