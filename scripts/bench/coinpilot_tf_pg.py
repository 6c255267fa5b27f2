"""coinpilot-tf's `retry` on the pg state backend: the same loop, STATE_BACKEND=pg, against a throwaway
PostgreSQL server on 127.0.0.1 (scripts/postgres.py) or one already running (--postgres), in a schema
of its own, in a thread that runs only while the main loop waits between its attempts, so attempt k
with pg and attempt k with local state see the same load."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from orchestrator.loop import RetryOutcome
from scripts.postgres import server_binaries

from .coinpilot_tf import AttemptMarks, retry_loop, retry_results
from .processes import BACKGROUND

# A schema of this run's own: the server may hold other runs' states (the tests share theirs).
PG_BACKEND_CONFIG = f"schema_name=coinpilot_bench_{os.getpid()}"


@contextmanager
def exported(name: str, value: str) -> Iterator[None]:
    """name=value in this process's environment while the block runs."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            del os.environ[name]
        else:
            os.environ[name] = previous


def server_version(conn_str: str) -> dict[str, str]:
    """The version the server itself reports (`15.18 (Debian 15.18-0+deb12u1)`), and its host."""
    binaries = server_binaries()
    psql = binaries / "psql" if binaries and (binaries / "psql").exists() else shutil.which("psql")
    if psql is None:
        raise RuntimeError("psql is missing: it asks the PostgreSQL server for its version")
    said = subprocess.run(
        [str(psql), "-X", "-A", "-t", "-d", conn_str, "-c", "SHOW server_version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {"server": said.strip(), "host": urlsplit(conn_str).hostname or "the host of --postgres"}


class SteppedRetry:
    """coinpilot-tf's loop in a thread, one attempt per attempt() call: it runs only while that call
    waits, so it never overlaps the loop in the main thread, and its attempts interleave with the others'."""

    def __init__(
        self, workdir: Path, environ: dict[str, str], scenario: str, stream, spans: list[tuple[float, float]]
    ) -> None:
        self.marks = AttemptMarks(stream, set(), self._pause, BACKGROUND)
        self.loop = retry_loop(workdir, environ, scenario, self.marks)
        self.spans = spans
        self.called = 0.0
        self.outcome: RetryOutcome | None = None
        self._error: BaseException | None = None
        self._resume, self._paused = threading.Semaphore(0), threading.Semaphore(0)
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def done(self) -> bool:
        return self.outcome is not None

    def _run(self) -> None:
        try:
            self.called = time.time()
            self.marks.open_window()
            self.outcome = self.loop.run()
            self.marks.close_window()
        except BaseException as error:  # raised again in the main thread, by attempt()
            self._error = error
        finally:
            self._paused.release()

    def _pause(self) -> None:
        """After each attempt, in the thread: until the next attempt() call."""
        self._paused.release()
        self._resume.acquire()

    def attempt(self) -> None:
        """The next attempt; after the last one, the rest of the run."""
        if self.done:
            return
        if self._thread.ident is None:
            self._thread.start()
        else:
            self._resume.release()
        self._paused.acquire()
        if self._error is not None:
            raise self._error

    def results(self) -> dict:
        """The run to its end, then its exit code, setup time and attempts."""
        while not self.done:
            self.attempt()
        self._thread.join()
        return retry_results(self.loop, self.marks, self.spans, self.called, self.outcome)


def pg_retry(
    stack: ExitStack,
    workdir: Path,
    environ: dict[str, str],
    scenario: str,
    conn_str: str,
    stream,
    spans: list[tuple[float, float]],
) -> SteppedRetry:
    """The loop on the pg backend, its state on the server `conn_str` names while `stack` is open."""
    # The tool gives Terraform PG_CONN_STR from its own process's environment (engine/environment.py).
    stack.enter_context(exported("PG_CONN_STR", conn_str))
    pg_environ = {
        **environ,
        "STATE_BACKEND": "pg",
        "STATE_BACKEND_CONFIG": PG_BACKEND_CONFIG,
        "PG_CONN_STR": conn_str,
    }
    return SteppedRetry(workdir, pg_environ, scenario, stream, spans)
