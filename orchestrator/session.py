"""One command's session: its settings, workdir, cloud and engine, each made once, when first asked for.

The click group creates it; option callbacks fill in the flags; the commands receive it
(commands/). It alone chooses the cloud: OCI, or the simulated OCI of a rehearsal.
Making the session, or any part of it, writes nothing: the commands that change the workdir do.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Settings
from .workdir import Workdir

if TYPE_CHECKING:
    from .cloud import Cloud


class Session:
    def __init__(self, environ: MutableMapping[str, str]):
        self.environ = environ  # the process's own (cli.py): what it gains, the children get too
        self.flags: dict[str, Any] = {}  # the settings flags given, by setting name
        self.scenario: str | None = None  # launch outcomes to rehearse, when the command was given some
        self.fixed: dict[str, tuple[Any, str]] = {}  # a targets file's values for its target (targets.py)

    def add_env_file(self, path: Path) -> None:
        """--env-file: its variables, as if exported; one the environment has already wins (as
        python-dotenv's load_dotenv(override=False) does)."""
        from .config import read_env_file

        for name, value in read_env_file(path).items():
            self.environ.setdefault(name, value)

    @functools.cached_property
    def _loaded(self) -> tuple[Settings, Workdir]:
        from .config import load_settings

        config_file = self.flags.get("config")
        settings = load_settings(self.flags, self.environ, Path(config_file) if config_file else None, self.fixed)
        return settings, Workdir.locate(settings.instance_name, self.flags.get("workdir"), self.environ)

    @property
    def settings(self) -> Settings:
        return self._loaded[0]

    @property
    def workdir(self) -> Workdir:
        return self._loaded[1]

    @functools.cached_property
    def cloud(self) -> Cloud:
        return pick_cloud(self.workdir, self.scenario, self.environ)

    @functools.cached_property
    def engine(self):
        """The Terraform engine (finding it runs `terraform version`, once per session)."""
        from .engine import find_engine

        return find_engine(self.flags.get("engine"), self.environ)

    @functools.cached_property
    def terraform(self):
        """The engine bound to the workdir and the cloud."""
        from .engine.runner import Terraform

        return Terraform(self.engine, self.workdir, self.cloud)

    def close(self) -> None:
        """The command is over: the cloud lets go of what it runs for it (the simulated provider)."""
        if "cloud" in self.__dict__:
            self.cloud.close()

    def existing_workdir(self, hint: str = "run `coinpilot-tf retry` first") -> Workdir:
        from .errors import UsageError

        if not self.workdir.path.is_dir():
            raise UsageError(self.workdir.source, f"{self.workdir.described} does not exist yet; {hint}")
        return self.workdir


def pick_cloud(workdir: Workdir, scenario: str | None, environ: Mapping[str, str]) -> Cloud:
    """The simulated cloud if --simulate was given or the workdir was simulated before; else OCI."""
    from .cloud import OciCloud
    from .simulator.cloud import SimulatedCloud

    return SimulatedCloud.pick(workdir, scenario, environ) or OciCloud()
