"""Run one Terraform command in the workdir with the tool's environment."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import python_terraform
from python_terraform import IsFlagged

from ..errors import ToolError
from ..failures import Failure, classify
from ..workdir import Workdir, data_dir, write_private
from . import Engine

if TYPE_CHECKING:
    from ..cloud import Cloud

# python-terraform's marker for a flag without a value (-json, -auto-approve...).
FLAG = IsFlagged

# State, backups and plans that Terraform writes are for the user's eyes only (0600).
PRIVATE_UMASK = 0o077
# How long an interrupted Terraform gets to write its state before it is killed.
INTERRUPT_GRACE_SECONDS = 120


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


class TerraformError(ToolError):
    """An engine command failed; `failure` is its output classified (failures.py)."""

    def __init__(self, what: str, failure: Failure, run: Run | None = None):
        super().__init__(f"{what} failed ({failure.category}): {failure.first_line}")
        self.what = what
        self.failure = failure
        self.run = run


def cli_config(provider_overrides: Mapping[str, Path]) -> str:
    """Terraform's CLI config: a shared plugin cache, and the cloud's providers in place of the registry's."""
    lines = [
        f'plugin_cache_dir = "{_hcl_path(data_dir() / "plugin-cache")}"',
        "disable_checkpoint = true",
    ]
    if provider_overrides:
        lines += ["provider_installation {", "  dev_overrides {"]
        lines += [f'    "{source}" = "{_hcl_path(path)}"' for source, path in sorted(provider_overrides.items())]
        lines += ["  }", "  direct {}", "}"]
    return "\n".join(lines) + "\n"


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
        # Told each command's pid as it starts and None as it ends: the workdir lock records it,
        # so that if this process dies the next run waits for that Terraform to finish.
        self.on_process: Callable[[int | None], None] = lambda pid: None

    def write_cli_config(self) -> None:
        """The workdir, the plugin cache, the cloud's provider and terraform.rc pointing at it."""
        self.workdir.create()
        (data_dir() / "plugin-cache").mkdir(parents=True, exist_ok=True)
        self.cloud.install_provider()
        write_private(self.workdir.cli_config, cli_config(self.cloud.provider_overrides()))

    @property
    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            # Always explicit: an inherited TF_CLI_CONFIG_FILE may point anywhere.
            "TF_CLI_CONFIG_FILE": str(self.workdir.cli_config),
        }

    def argv(self, command: str, *args: str, **options: object) -> list[str]:
        return self._argv_builder.generate_cmd_string(command, *args, **options)

    def execute(self, argv: list[str]) -> Run:
        """Run a command line; its exit code, stdout and stderr, whatever they are."""
        # Own process group: a terminal's Ctrl-C reaches us only, and we forward exactly one
        # interrupt (a second one makes Terraform exit without saving state).
        process = subprocess.Popen(
            argv, cwd=self.workdir.path, env=self.environment, text=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, umask=PRIVATE_UMASK,
        )
        self._process = process
        self.on_process(process.pid)
        try:
            stdout, stderr = process.communicate()
        finally:
            self._process = None
            self.on_process(None)
        return Run(tuple(argv), process.returncode, stdout, stderr)

    def check(self, argv: list[str], what: str) -> Run:
        """Run a command line; unless it succeeds, TerraformError("<what> failed (category): ...")."""
        run = self.execute(argv)
        if not run.ok:
            raise TerraformError(what, classify(run.output), run)
        return run

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
        return subprocess.call([self.engine.path, *args], cwd=self.workdir.path, env=self.environment, umask=PRIVATE_UMASK)

