"""Errors the CLI turns into exit codes, and the exit codes; everything else is a bug."""

from enum import IntEnum


class ExitCode(IntEnum):
    """The tool's exit codes (README, section "retry")."""

    OK = 0  # the instance exists
    STOPPED = 1  # a failure retrying cannot fix
    USAGE = 2  # bad input or usage; nothing sent to OCI
    GAVE_UP = 3  # MAX_ATTEMPTS, or --once without an instance
    INTERRUPTED = 130


class UsageError(Exception):
    """Bad input: exit 2, one line naming the field and the fix, nothing sent to OCI."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem

    def __reduce__(self):  # raised in a child process (isolated.py), raised again here
        return type(self), (self.field, self.problem)


class ToolError(Exception):
    """A failure retrying cannot fix (missing engine, broken workdir...): exit 1."""
