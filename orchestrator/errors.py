"""Errors the CLI turns into exit codes, and the exit codes; everything else is a bug (or the
machine's: see disk_problem)."""

import errno
from enum import IntEnum


class ExitCode(IntEnum):
    """The tool's exit codes: EXIT_CODE_MEANINGS says what each means (README, "Exit codes")."""

    OK = 0
    STOPPED = 1
    USAGE = 2
    GAVE_UP = 3
    INTERRUPTED = 130
    CLOSED_STDOUT = 141  # the reader of stdout went away (`| head`), as after SIGPIPE


# What each code means, for every command; --help's epilogs show this table.
EXIT_CODE_MEANINGS = {
    ExitCode.OK: "done: the instance exists; nothing failed (doctor, notify test)",
    ExitCode.STOPPED: "stopped: a failure retrying cannot fix; a check or channel failed",
    ExitCode.USAGE: "bad input or refused; nothing was sent to OCI",
    ExitCode.GAVE_UP: "gave up for now: MAX_ATTEMPTS, or --once without a win",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C, SIGTERM, SIGHUP); the next run continues",
}


class UsageError(Exception):
    """Bad input: exit 2, one line naming the field (or all the fields at fault) and the fix,
    nothing sent to OCI."""

    def __init__(self, field: str | tuple[str, ...], problem: str):
        self.fields = (field,) if isinstance(field, str) else tuple(field)
        self.field = ", ".join(self.fields)
        self.problem = problem
        super().__init__(f"{self.field}: {problem}")

    def __reduce__(self):  # raised in a child process (in_child.py), raised again here
        return type(self), (self.fields, self.problem)


class ToolError(Exception):
    """A failure retrying cannot fix (missing engine, broken workdir...): exit 1."""


# What to do when the machine refuses a file operation, by errno; the path is said with it, and
# {setting}, the setting that moves that path (path_settings.moved_by).
_DISK_FIXES = {
    errno.ENOSPC: "the disk is full: free some space there (or move it with {setting}), then run again",
    errno.EDQUOT: "your disk quota is used up: free some space there, then run again",
    errno.EROFS: "that file system is read-only: make it writable, or move it elsewhere ({setting})",
    errno.EACCES: "you may not write there: fix its owner or permissions, or move it elsewhere ({setting})",
    errno.EPERM: "you may not change that: fix its owner or permissions, or move it elsewhere ({setting})",
    errno.EISDIR: "a folder is in the way of that file: move the folder away, then run again",
    errno.ENOTDIR: "a file is in the way of that folder: move the file away (or move it elsewhere: {setting}), "
    "then run again",
}


def disk_problem(error: OSError, setting: str = "--workdir") -> str:
    """One line for an OSError the tool did not expect: the path, what the system said, and the
    fix; `setting` moves that path (--workdir for the workdir's own files)."""
    where = error.filename if error.filename is not None else "a file of the workdir"
    fix = _DISK_FIXES.get(error.errno, "fix that path (or move it elsewhere: {setting}), then run again")
    return f"{where}: {error.strerror or error}; {fix.format(setting=setting)}"


# `retry --targets` runs several loops and exits with one code: every target's, the most severe
# first in this order. Bad input, then a stop retrying cannot fix (both need the user), then an
# interrupt, then giving up for now; 0 only when every target has its instance.
SEVERITY = (ExitCode.USAGE, ExitCode.STOPPED, ExitCode.INTERRUPTED, ExitCode.GAVE_UP, ExitCode.OK)


def most_severe(codes) -> ExitCode:
    """The code `retry --targets` exits with, of its targets' codes (0 when there are none)."""
    return min(codes, key=SEVERITY.index, default=ExitCode.OK)
