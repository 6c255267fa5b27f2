"""The `terraform apply -auto-approve` loop: what Terraform-based grabbers run, again and again, on the
module `coinpilot-tf render --simulate` wrote, with the tool's engine and environment."""

from __future__ import annotations

import subprocess
from pathlib import Path

from orchestrator.session import Session
from orchestrator.simulator.store import CloudStore

from .attempts import CommandLoop
from .processes import console_script


def terraform_apply_loop(
    workdir: Path, scenario: str, attempts: int, environ: dict[str, str]
) -> tuple[CommandLoop, str]:
    """`terraform apply -auto-approve` on the module `render --simulate` wrote; and the engine's description."""
    subprocess.run(
        [console_script(), "render", "--simulate", scenario, "--workdir", str(workdir)],
        env=environ,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return _apply_loop(workdir, attempts, environ)


def terraform_apply_loop_again(workdir: Path, scenario: str, attempts: int, environ: dict[str, str]) -> CommandLoop:
    """The same loop once more in a workdir where it ran already (no second render): without the
    state it left, its next apply launches again, and its cloud answers `scenario` from the start
    (the instance it may have won stays in that cloud)."""
    for name in ("terraform.tfstate", "terraform.tfstate.backup"):
        (workdir / name).unlink(missing_ok=True)
    CloudStore.ensure(workdir / "simulator", scenario)
    return _apply_loop(workdir, attempts, environ)[0]


def _apply_loop(workdir: Path, attempts: int, environ: dict[str, str]) -> tuple[CommandLoop, str]:
    session = Session(environ)
    session.flags = {"workdir": str(workdir)}
    tool = session.terraform  # the tool's engine and environment
    # Without the tool's own running provider: a plain apply loop's Terraform starts its provider itself.
    argv = [tool.engine.path, "apply", "-auto-approve"]
    loop = CommandLoop(argv, workdir, tool.base_environment, CloudStore(workdir / "simulator"), attempts)
    return loop, tool.engine.describe()
