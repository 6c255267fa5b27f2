"""coinpilot-tf's `retry` with zero waits, run in this process the way the CLI runs it, with a thin timing
wrapper around Terraform.execute. Its own time per attempt is the attempt's wall time minus the time
spent inside Terraform.execute (which includes starting the subprocess). The other contenders make
their attempt k between its attempts k and k+1, outside its timing, so all see the same load."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from orchestrator.engine.runner import Terraform
from orchestrator.journal import Journal
from orchestrator.launch_inputs import prepare
from orchestrator.loop import RetryLoop, RetryOutcome
from orchestrator.progress import Reporter
from orchestrator.session import Session
from orchestrator.simulator.store import CloudStore

from .attempts import Attempt, calls_between, launch_outcome
from .processes import BACKGROUND, TreePeak, cpu_seconds, rss_kb

# In-process RSS at these attempts and at the last one.
RSS_ATTEMPTS = (1, 10)


class AttemptMarks(Reporter):
    """The CLI's text reporter, plus: when each attempt ended, what it cost, RSS, and the others' turn.

    An attempt's window runs from when the loop resumed (or was called) to its journal line; its CPU
    is this process's and its children's, less the sampler's; `skip` are the simulated endpoints."""

    def __init__(self, stream, rss_at: set[int], between_attempts: Callable[[], None], skip: Collection[int]):
        super().__init__(stream, "text")
        self.rss_at, self.between_attempts, self.skip = rss_at, between_attempts, skip
        self.ended: list[float] = []
        self.resumed: list[float] = []
        self.cpu_seconds: list[float] = []
        self.peak_rss_kb: list[int] = []
        self.rss_kb: dict[int, int] = {}
        self._window: TreePeak | None = None
        self._cpu_at_open = 0.0

    def open_window(self) -> None:
        self._cpu_at_open = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN)
        self._window = TreePeak(os.getpid(), self.skip).__enter__()

    def close_window(self) -> None:
        if self._window is None:
            return
        self._window.__exit__()
        used = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN) - self._cpu_at_open
        self.cpu_seconds.append(used - self._window.cpu_seconds)
        self.peak_rss_kb.append(self._window.peak_kb)
        self._window = None

    def attempt(self, entry, reason):
        super().attempt(entry, reason)
        self.ended.append(time.time())
        self.close_window()
        if len(self.ended) in self.rss_at:
            self.rss_kb[len(self.ended)] = rss_kb()
        self.between_attempts()
        self.resumed.append(time.time())
        self.open_window()


@contextmanager
def timed_terraform_runs() -> Iterator[list[tuple[float, float]]]:
    """(start, end) of every Terraform.execute while the block runs: the time spent inside Terraform."""
    original = Terraform.execute
    spans: list[tuple[float, float]] = []

    def run(self, *args, **options):
        began = time.time()
        try:
            return original(self, *args, **options)
        finally:
            spans.append((began, time.time()))

    Terraform.execute = run
    try:
        yield spans
    finally:
        Terraform.execute = original


def retry_loop(workdir: Path, environ: dict[str, str], scenario: str, marks: AttemptMarks) -> RetryLoop:
    """coinpilot-tf's loop as the CLI builds it, prepared on a simulated cloud of its own."""
    session = Session(environ)
    session.flags, session.scenario = {"workdir": str(workdir)}, scenario
    return RetryLoop.build(prepare(session), session.terraform, once=False, reporter=marks)


def retry_attempts(
    loop: RetryLoop, marks: AttemptMarks, spans: list[tuple[float, float]], called: float
) -> tuple[list[Attempt], float]:
    """A coinpilot-tf run's attempts, from its journal, its marks and its cloud's calls; and its setup
    time before the first attempt."""
    workdir = loop.prepared.workdir
    loop_started = next(entry["ts"] for entry in Journal(workdir.journal).entries() if entry["event"] == "start")
    calls = CloudStore(workdir.path / "simulator").calls()
    attempts = []
    for number, ended in enumerate(marks.ended, start=1):
        # The setup before the loop calls no LaunchInstance, so the first attempt's calls (and CPU and
        # RSS) count from when run() was called; its wall time from the loop's start. With the pg
        # backend the setup runs Terraform (init, a state read): only time inside the window counts.
        after = called if number == 1 else marks.resumed[number - 2]
        began = loop_started if number == 1 else after
        inside = sum(max(0.0, min(end, ended) - max(start, began)) for start, end in spans)
        wall = ended - began
        attempts.append(
            Attempt(
                number,
                launch_outcome(calls, after, ended),
                wall,
                calls_between(calls, after, ended),
                marks.cpu_seconds[number - 1],
                marks.peak_rss_kb[number - 1],
                inside,
                wall - inside,
            )
        )
    return attempts, loop_started - called


def retry_results(
    loop: RetryLoop, marks: AttemptMarks, spans: list[tuple[float, float]], called: float, outcome: RetryOutcome
) -> dict:
    attempts, setup_seconds = retry_attempts(loop, marks, spans, called)
    return {"exit_code": outcome.exit_code, "setup_seconds": setup_seconds, "attempts": attempts}


def run_retry(
    workdir: Path,
    environ: dict[str, str],
    scenario: str,
    attempts: int,
    between_attempts: Callable[[], None],
    spans: list[tuple[float, float]],
    stream,
) -> dict:
    """coinpilot-tf's loop to its end in this thread, `between_attempts` called after each attempt."""
    marks = AttemptMarks(stream, set(RSS_ATTEMPTS) | {attempts}, between_attempts, BACKGROUND)
    loop = retry_loop(workdir, environ, scenario, marks)
    called = time.time()
    marks.open_window()
    outcome = loop.run()
    marks.close_window()
    if not marks.ended:
        raise click.ClickException(f"coinpilot-tf made no attempt: {outcome.message}")
    return {
        **retry_results(loop, marks, spans, called, outcome),
        "rss_kb_at_attempt": {str(number): kb for number, kb in sorted(marks.rss_kb.items())},
    }
