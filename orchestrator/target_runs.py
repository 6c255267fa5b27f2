"""`retry --targets FILE`: every target's loop at once, in one process, one thread each.

Each target runs the loop a single `retry` runs (loop/), with its own session (settings, workdir,
lock, state, journal, key, cloud and, in a rehearsal, its own simulated provider), its own reporter
and notifier. What a process has only once is here: the signal handlers (they interrupt every
target) and stdout (each target writes whole lines, named). Targets in one tenancy share a gate
(tenancy_gate.py): its pacing and its launch budget. A target that stops stops alone; the others go on.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .errors import ExitCode, ToolError, UsageError, disk_problem, most_severe
from .launch_budget import journal_call_times
from .launch_inputs import Prepared, prepare
from .lock import LockCommand, workdir_lock
from .loop import Ending, RetryLoop, RetryOutcome
from .notify import Notifier
from .policy import Policy, PolicyConfig, Waiter
from .progress import Reporter
from .targets import Target, tenancy_of
from .tenancy_gate import Seat, TenancyGate

INTERRUPTED_BEFORE = RetryOutcome(Ending.INTERRUPTED, "interrupted before the first attempt; nothing was launched")
DIED = RetryOutcome(Ending.STOPPED, "ended by an unexpected error (its traceback is above)")
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@dataclass(frozen=True)
class TargetEnd:
    target: str
    outcome: RetryOutcome
    exit_code: ExitCode
    result_path: Path  # where the won instance's details are (launch_result.json)


def exit_code(ends: list[TargetEnd]) -> ExitCode:
    """0 when every target has its instance, else the most severe of the others' (errors.SEVERITY)."""
    return most_severe(end.exit_code for end in ends)


class TargetStream:
    """One target's share of stdout: whole lines, each named: `[NAME] ` before a text line, a
    `target` field in a JSON line. One lock for all targets, so that lines never mix."""

    def __init__(self, stream: TextIO, name: str, json_lines: bool, lock: threading.Lock):
        self.stream, self.name, self.json_lines, self.lock = stream, name, json_lines, lock
        self._pending = ""

    def write(self, text: str) -> None:
        *lines, self._pending = (self._pending + text).split("\n")
        with self.lock:
            for line in lines:
                self.stream.write(self._named(line) + "\n")
            self.stream.flush()

    def _named(self, line: str) -> str:
        if self.json_lines and line.startswith("{"):
            return json.dumps({"target": self.name, **json.loads(line)})
        return f"[{self.name}] {line}" if line else line

    def flush(self) -> None:
        """Lines go out whole, as soon as they end."""

    def isatty(self) -> bool:
        return False  # no live line: several targets share the screen


class TargetRuns:
    """Prepare every target (a bad one ends the whole run before anything is sent), then run them
    all; `ended` is told each target's end as it comes."""

    def __init__(
        self,
        targets: list[Target],
        reporters: dict[str, Reporter],
        ended: Callable[[TargetEnd, Reporter], None],
        *,
        once: bool,
        refresh_image: bool,
        on_signal: Callable[[int], None] = lambda signum: None,
    ):
        """on_signal: told first of a stop signal (the command leaves a closed terminal)."""
        self.on_signal = on_signal
        self.targets = targets
        self.reporters = reporters
        self.ended = ended
        self.once = once
        self.refresh_image = refresh_image
        self._seats = self._seat_targets()
        self._loops: dict[str, RetryLoop] = {}
        self._guard = threading.Lock()
        self._interrupted = False

    def _seat_targets(self) -> dict[str, Seat]:
        gates: dict[str, TenancyGate] = {}
        seats = {}
        for target in self.targets:
            tenancy = tenancy_of(target.session)
            gate = gates.setdefault(tenancy, TenancyGate(tenancy))
            journal = target.session.workdir.journal  # its calls count against the tenancy's budget
            seats[target.name] = gate.seat(
                target.name, self.reporters[target.name].note, lambda path=journal: journal_call_times(path)
            )
        return seats

    def run(self) -> list[TargetEnd]:
        ends: list[TargetEnd] = []
        with contextlib.ExitStack() as held:
            held.callback(self._close_sessions)
            _on_stop_signals(self._stop_before_the_loops)
            try:
                ready = [(target, self._prepare(target, held)) for target in self.targets]
            except KeyboardInterrupt:
                ready = []
                ends += [self._end(target, INTERRUPTED_BEFORE) for target in self.targets]
            _on_stop_signals(self._interrupt)
            threads = [
                threading.Thread(target=lambda t=target, p=prepared: ends.append(self._run(t, p)), name=target.name)
                for target, prepared in ready
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        ended = {end.target for end in ends}
        return ends + [self._end(target, DIED) for target in self.targets if target.name not in ended]

    def _prepare(self, target: Target, held: contextlib.ExitStack) -> Prepared | TargetEnd:
        """Lock and prepare the target's workdir, as `retry` does; a UsageError ends the whole run
        (nothing sent yet); any other failure ends this target only."""
        reporter = self.reporters[target.name]
        try:
            lock = held.enter_context(workdir_lock(target.session.workdir, LockCommand.RETRY, reporter.note))
            prepared = prepare(target.session, self.refresh_image)
            for notice in prepared.notices:
                reporter.note(f"warning: {notice}")
            target.session.terraform.on_process = lock.record_terraform
            return prepared
        except UsageError as error:
            raise UsageError(error.fields, f"{error.problem} (target {target.name})") from None
        except (ToolError, OSError) as error:
            return self._failed(target, error)

    def _run(self, target: Target, prepared: Prepared | TargetEnd) -> TargetEnd:
        if isinstance(prepared, TargetEnd):
            return prepared
        try:
            loop = self._loop(target, prepared)
            with self._guard:
                self._loops[target.name] = loop
                if self._interrupted:
                    loop.interrupt()
            return self._end(target, loop.run())
        except (UsageError, ToolError, OSError) as error:
            return self._failed(target, error)

    def _loop(self, target: Target, prepared: Prepared) -> RetryLoop:
        """RetryLoop.build's loop, with the tenancy's gate and notifications that name the target."""
        settings, tf, reporter = prepared.settings, target.session.terraform, self.reporters[target.name]
        return RetryLoop(
            prepared,
            tf,
            policy=Policy(PolicyConfig.from_settings(settings, once=self.once)),
            waiter=Waiter(),
            notifier=Notifier.from_settings(
                settings, log=reporter.note, simulated=tf.cloud.simulated, target=target.name
            ),
            reporter=reporter,
            once=self.once,
            gate=self._seats[target.name],
        )

    def _failed(self, target: Target, error: Exception) -> TargetEnd:
        usage = isinstance(error, UsageError)
        message = f"coinpilot-tf: {disk_problem(error) if isinstance(error, OSError) else error}"
        outcome = RetryOutcome(Ending.STOPPED, message)
        code = ExitCode.USAGE if usage else ExitCode.STOPPED
        end = TargetEnd(target.name, outcome, code, target.session.workdir.launch_result)
        self.ended(end, self.reporters[target.name])
        return end

    def _end(self, target: Target, outcome: RetryOutcome) -> TargetEnd:
        end = TargetEnd(target.name, outcome, outcome.exit_code, target.session.workdir.launch_result)
        self.ended(end, self.reporters[target.name])
        return end

    def _stop_before_the_loops(self, signum: int, _: Any) -> None:
        self.on_signal(signum)
        raise KeyboardInterrupt

    def _interrupt(self, signum: int, _: Any) -> None:
        """Every target: end its wait, let its running Terraform save the state."""
        self.on_signal(signum)
        with self._guard:
            self._interrupted = True
            loops = list(self._loops.values())
        for loop in loops:
            loop.interrupt()
        for seat in self._seats.values():
            seat.interrupt()

    def _close_sessions(self) -> None:
        for target in self.targets:
            target.session.close()


def _on_stop_signals(handler: Callable[[int, Any], None]) -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, handler)
