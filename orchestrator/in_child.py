"""One-off calls in a child process, so that what they import goes back to the system when they end.

The retry loop waits for hours between attempts, often on a 1 GB machine. A lookup through the
oci SDK (ListInstances before the first launch, after an uncertain one) imports the SDK, about
40 MB that Python never gives back; in a child process it is gone once the answer is in.
A plain child Python, not multiprocessing: its spawn mode keeps a resource-tracker process
(about 13 MB) alive beside the waiting loop, and fork would copy this process and its threads.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import TypeVar

from .engine.environment import child_environment
from .errors import ToolError

T = TypeVar("T")

# -P: the user's current directory never shadows the package in the child.
_CHILD_ARGV = (sys.executable, "-P", "-c", "from orchestrator.in_child import serve; serve()")


def call(function: Callable[..., T], *args: object) -> T:
    """`function(*args)` in a fresh Python; its result, or its exception raised again here.
    `function`, `args`, the result and the exception must pickle (module-level function)."""
    # The child's environment is a Terraform child's: no webhook or notification URL reaches it.
    done = subprocess.run(
        _CHILD_ARGV,
        input=pickle.dumps((function, args)),
        stdout=subprocess.PIPE,
        check=False,
        env=child_environment(os.environ),
    )
    try:
        succeeded, value = pickle.loads(done.stdout)
    except (pickle.UnpicklingError, EOFError, ValueError):  # killed (SIGTERM to the whole service, out of memory)
        raise ToolError(f"the lookup process ended before it answered (exit code {done.returncode})") from None
    if succeeded:
        return value
    raise value


def serve() -> None:
    """The child: one call read from stdin, its outcome pickled to stdout."""
    # Ctrl-C reaches the whole process group; the parent decides to stop once this short call is back.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answer = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # nothing the call prints can corrupt the answer
    function, args = pickle.load(sys.stdin.buffer)
    try:
        outcome = (True, function(*args))
    except Exception as error:  # noqa: BLE001 - every failure goes back to the caller, raised there
        outcome = (False, error)
    with answer:
        pickle.dump(outcome, answer)
