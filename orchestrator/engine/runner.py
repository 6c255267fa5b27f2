"""Run one Terraform command in the workdir with the tool's environment."""

from __future__ import annotations

import atexit
import contextlib
import errno
import json
import os
import re
import select
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import python_terraform
from python_terraform import IsFlagged

from ..errors import ToolError
from ..failures import Category, Failure, classify
from ..humanize import duration
from ..path_settings import plugin_cache_dir
from ..workdir import Workdir, write_private
from . import Engine
from .environment import child_environment, say_ignored

if TYPE_CHECKING:
    from ..cloud import Cloud

# python-terraform's marker for a flag without a value (-json, -auto-approve...).
FLAG = IsFlagged

# State, backups and plans that Terraform writes are for the user's eyes only (0600).
PRIVATE_UMASK = 0o077
# How long an interrupted Terraform gets to write its state before it is killed.
INTERRUPT_GRACE_SECONDS = 120
# How long a command waits for the state lock another run holds (-lock-timeout). With a shared
# backend that run may be in the middle of a launch, which waits for RUNNING: a minute or two.
STATE_LOCK_TIMEOUT_SECONDS = 600
STATE_LOCK_WAITING = (
    f"waiting for the state lock held by another run (up to {duration(STATE_LOCK_TIMEOUT_SECONDS)}); "
    "going on once that run lets go"
)
# The commands that take the state lock, and so accept -lock-timeout.
LOCKING_COMMANDS = ("plan", "apply", "import", "untaint", "destroy", "state rm", "state push")
# Terraform prints this when it waited for the state lock (after 400 ms; `-json`: state_lock_acquire).
STATE_LOCK_WAIT_MARKER = "Acquiring state lock"
# How often a running locking command's output is read for that line, so the wait shows while it lasts.
STATE_LOCK_LOOK_SECONDS = 1.0
# Terraform takes the lock before it prints anything else: the line is near the start.
MARKER_WINDOW_BYTES = 4096


@dataclass(frozen=True)
class Run:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def waited_for_state_lock(self) -> bool:
        return STATE_LOCK_WAIT_MARKER in self.stdout


# Commands that read or write the state alone and start no provider: the simulated cloud then
# starts none for them (a provider costs a Python process and grpc's imports).
STATE_ONLY_COMMANDS = ("version", "output", "state pull", "state push", "state list", "force-unlock")


def _reads_the_state_only(args: Sequence[str]) -> bool:
    words = [arg for arg in args if not arg.startswith("-")]
    return bool(words) and (words[0] in STATE_ONLY_COMMANDS or " ".join(words[:2]) in STATE_ONLY_COMMANDS)


def _takes_the_lock(argv: Sequence[str]) -> bool:
    return argv[1] in LOCKING_COMMANDS or " ".join(argv[1:3]) in LOCKING_COMMANDS


@contextlib.contextmanager
def _exit_watch(process: subprocess.Popen[str]) -> Iterator[Callable[[float], bool]]:
    """ended_within(seconds): whether the command ended meanwhile, told the moment it ends (a
    pidfd, Linux): Popen.wait(timeout) polls, up to 50 ms late for commands that take 100 ms."""
    try:
        pidfd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # no pidfd (macOS, an old kernel): Popen's own polling

        def polled(seconds: float) -> bool:
            try:
                process.wait(timeout=seconds)
            except subprocess.TimeoutExpired:
                return False
            return True

        yield polled
        return
    try:
        yield lambda seconds: bool(select.select([pidfd], [], [], seconds)[0])
    finally:
        os.close(pidfd)


class TerraformError(ToolError):
    """An engine command failed; `failure` is its output classified (failures.py)."""

    def __init__(self, what: str, failure: Failure, run: Run | None = None):
        super().__init__(
            f"{what} failed ({failure.category}): {failure.message or failure.first_line}" + _what_to_do(failure)
        )
        self.what = what
        self.failure = failure
        self.run = run


def read_json(run: Run, what: str) -> dict:
    """A command's `-json` stdout as one document ({} when empty); TerraformError if it is not one
    (an engine that printed something else: the command's meaning is unknown)."""
    return _json_object(run.stdout or "{}", run, what)


def read_json_lines(run: Run, what: str) -> list[dict]:
    """A command's streamed `-json` stdout, one message a line; TerraformError on a line that is not one."""
    return [_json_object(line, run, what) for line in run.stdout.splitlines() if line.strip()]


def _json_object(text: str, run: Run, what: str) -> dict:
    try:
        document = json.loads(text)
    except ValueError as error:
        problem = f"its output is not JSON ({error})"
    else:
        if isinstance(document, dict):
            return document
        problem = f"its output is JSON but not an object ({type(document).__name__})"
    raise TerraformError(what, Failure(Category.UNKNOWN, None, None, problem, None, None, text), run)


# Terraform's words for a state file it cannot load (cut short, emptied to {}, not JSON).
_DAMAGED_STATE = re.compile(
    r"unsupported state file format|failed to load state|state snapshot was created by", re.IGNORECASE
)


def _what_to_do(failure: Failure) -> str:
    """The fix for the failures a user can act on whatever the command was: a damaged state, a disk."""
    if _DAMAGED_STATE.search(" ".join(failure.raw.split())):
        return (
            "; the state file is damaged: run `coinpilot-tf retry`, which sets it aside, goes back to "
            "terraform.tfstate.backup and finds the instance again"
        )
    if failure.category == Category.STATE_WRITE:
        return "; make the workdir writable first (free space, remove what is in the way), then run again"
    return ""


def cli_config(provider_overrides: Mapping[str, Path], provider_mirrors: Sequence[Path] = ()) -> str:
    """Terraform's CLI config: a shared plugin cache, and the cloud's providers in place of the registry's."""
    lines = [
        f'plugin_cache_dir = "{_hcl_path(plugin_cache_dir())}"',
        "disable_checkpoint = true",
    ]
    if provider_overrides:
        sources = ", ".join(f'"{source}"' for source in sorted(provider_overrides))
        lines += ["provider_installation {", "  dev_overrides {"]
        lines += [f'    "{source}" = "{_hcl_path(path)}"' for source, path in sorted(provider_overrides.items())]
        lines += ["  }"]
        # `terraform init` (a remote state backend needs it) installs them from a mirror beside them.
        for path in provider_mirrors:
            lines += [
                "  filesystem_mirror {",
                f'    path    = "{_hcl_path(path)}"',
                f"    include = [{sources}]",
                "  }",
            ]
        lines += ["  direct {", f"    exclude = [{sources}]", "  }", "}"]
    return "\n".join(lines) + "\n"


# A workdir the user made read-only (chmod -R a-w, a read-only mount).
_READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)


def _outside_copy(content: str) -> Path:
    """The CLI config in a private temporary file (removed at exit), for a workdir it cannot be written in."""
    descriptor, name = tempfile.mkstemp(prefix="coinpilot-tf.", suffix=".tfrc")
    with os.fdopen(descriptor, "w") as handle:
        handle.write(content)
    atexit.register(os.unlink, name)
    return Path(name)


def _hcl_path(path: Path) -> str:
    return str(path).replace("\\", "/")


class _ArgvBuilder(python_terraform.Terraform):
    """python-terraform for its command lines only. It would also parse the state file, and a
    Terraform killed mid-run can leave that empty (it creates it to lock it)."""

    def read_state_file(self, file_path=None) -> None:
        self.tfstate = None


class Terraform:
    """The chosen engine bound to one workdir; python-terraform builds each command line.

    Creating one writes nothing: `write_cli_config()` does, for the commands that change the workdir.
    """

    def __init__(self, engine: Engine, workdir: Workdir, cloud: Cloud):
        self.engine = engine
        self.workdir = workdir
        self.cloud = cloud
        self._argv_builder = _ArgvBuilder(working_dir=str(workdir.path), terraform_bin_path=engine.path)
        self._process: subprocess.Popen[str] | None = None
        self._interrupted = False
        self.state_lock_waits = 0  # commands that waited for the state lock another run held
        # Told each command's pid as it starts and None as it ends: the workdir lock records it,
        # so that if this process dies the next run waits for that Terraform to finish.
        self.on_process: Callable[[int | None], None] = lambda pid: None
        # Told once per command when it starts waiting for the state lock another run holds.
        self.on_state_lock_wait: Callable[[], None] = lambda: None
        # terraform.rc, or a copy outside the workdir when that is read-only (write_cli_config).
        self.cli_config_path = workdir.cli_config

    def write_cli_config(self) -> None:
        """The workdir, the plugin cache, the cloud's provider and terraform.rc pointing at it."""
        self.workdir.create()
        plugin_cache_dir().mkdir(parents=True, exist_ok=True)
        self.cloud.install_provider()
        content = cli_config(self.cloud.provider_overrides(), self.cloud.provider_mirrors())
        try:
            write_private(self.workdir.cli_config, content)
        except OSError as error:
            if error.errno not in _READ_ONLY:
                raise
            self.cli_config_path = _outside_copy(content)  # a read-only workdir: read-only commands still run

    @property
    def base_environment(self) -> dict[str, str]:
        """What every command gets: the user's environment less secrets and engine-owned variables."""
        say_ignored(os.environ)
        return {
            **child_environment(os.environ),  # not the tool's secrets
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            # Always explicit: an inherited TF_CLI_CONFIG_FILE may point anywhere.
            "TF_CLI_CONFIG_FILE": str(self.cli_config_path),
        }

    def environment_for(self, args: Sequence[str]) -> dict[str, str]:
        """A command's environment; the cloud's provider only where the command may start providers."""
        if _reads_the_state_only(args):
            return self.base_environment
        return {**self.base_environment, **self.cloud.terraform_environment()}  # the simulated cloud's provider

    def argv(self, command: str, *args: str, **options: object) -> list[str]:
        if command in LOCKING_COMMANDS:
            options = {"lock_timeout": f"{STATE_LOCK_TIMEOUT_SECONDS}s", **options}
        return self._argv_builder.generate_cmd_string(command, *args, **options)

    def execute(self, argv: list[str]) -> Run:
        """Run a command line; its exit code, stdout and stderr, whatever they are."""
        # Output goes to unlinked files, not pipes: if this process dies, Terraform must not die
        # of SIGPIPE at its next line, between a launch OCI accepted and the state it writes.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            # Own process group: a terminal's Ctrl-C reaches us only, and we forward exactly one
            # interrupt (a second one makes Terraform exit without saving state).
            process = subprocess.Popen(
                argv,
                cwd=self.workdir.path,
                env=self.environment_for(argv[1:]),
                text=True,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                umask=PRIVATE_UMASK,
            )
            self._process = process
            self.on_process(process.pid)
            try:
                self._wait(process, out, watch_lock=_takes_the_lock(argv))
            finally:
                self._process = None
                self.on_process(None)
            out.seek(0)
            err.seek(0)
            run = Run(tuple(argv), process.returncode, out.read(), err.read())
        self.state_lock_waits += run.waited_for_state_lock
        return run

    def _wait(self, process: subprocess.Popen[str], out: IO[str], watch_lock: bool) -> None:
        """Wait for the command; a locking one's output is looked at meanwhile, until it shows a
        state lock wait (then on_state_lock_wait) or ends."""
        with _exit_watch(process) as ended_within:
            while watch_lock and not ended_within(STATE_LOCK_LOOK_SECONDS):
                if STATE_LOCK_WAIT_MARKER.encode() in os.pread(out.fileno(), MARKER_WINDOW_BYTES, 0):
                    self.on_state_lock_wait()
                    watch_lock = False
        process.wait()

    def check(self, argv: list[str], what: str) -> Run:
        """Run a command line; unless it succeeds, TerraformError("<what> failed (category): ...")."""
        run = self.execute(argv)
        if not run.ok:
            raise TerraformError(what, classify(run.output), run)
        return run

    @property
    def interrupted(self) -> bool:
        """Whether an interrupt was forwarded to a command (the run is ending)."""
        return self._interrupted

    def interrupt(self) -> bool:
        """Forward one interrupt to a running command; True if one was running."""
        process = self._process
        if process is None or process.poll() is not None or self._interrupted:
            return process is not None
        self._interrupted = True
        process.send_signal(signal.SIGINT)
        killer = threading.Timer(INTERRUPT_GRACE_SECONDS, process.kill)
        killer.daemon = True
        killer.start()
        return True

    def passthrough(self, args: list[str]) -> int:
        """`coinpilot-tf terraform ARGS...`: the user's own command, on their terminal."""
        return subprocess.call(
            [self.engine.path, *args], cwd=self.workdir.path, env=self.environment_for(args), umask=PRIVATE_UMASK
        )
