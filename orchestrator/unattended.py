"""Recipes to run coinpilot-tf unattended: a systemd user unit, a crontab line and a GitHub Actions
workflow. The unit and the cron line name this install's executable and the user's settings file,
so they work for a clone's venv, pip and pipx alike; coinpilot-tf reads that file itself (one
parser: --config's TOML, or --env-file's NAME=value lines)."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .config import default_config_file, read_config_file, read_env_file
from .errors import ToolError

COMMAND = "coinpilot-tf"
# Every 10 minutes: one sweep of the ADs and sizes per run (OCI throttles below about 5 minutes).
CRON_SCHEDULE = "*/10 * * * *"
_RECIPES = resources.files("orchestrator") / "recipes"


@dataclass(frozen=True)
class Install:
    """This install's executable and the settings file(s) a recipe passes to it."""

    executable: Path
    config: Path | None
    env_file: Path | None
    targets: Path | None = None  # a targets file (targets.py): the whole file runs as one service

    @classmethod
    def this(
        cls, config: str | None, env_file: str | None, targets: str | None = None, argv0: str = sys.argv[0]
    ) -> Install:
        """The running executable, and the files given (checked now, so that a typo fails here and
        not in the scheduler); with none, the default config file."""
        env_path = Path(env_file).expanduser().absolute() if env_file else None
        if env_path:
            read_env_file(env_path)
        targets_path = Path(targets).expanduser().absolute() if targets else None
        if targets_path:
            _check_targets(targets_path)
        config_path = Path(config).expanduser().absolute() if config else None
        if config_path or not (env_path or targets_path):
            read_config_file(config_path)
            config_path = config_path or default_config_file()
        return cls(running_executable(argv0), config_path, env_path, targets_path)

    @property
    def settings_files(self) -> list[Path]:
        return [path for path in (self.targets, self.env_file, self.config) if path]

    def arguments(self, *args: str) -> list[str]:
        """The executable, `args`, and the settings files as options."""
        command = [str(self.executable), *args]
        if self.env_file:
            command += ["--env-file", str(self.env_file)]
        if self.config:
            command += ["--config", str(self.config)]
        if self.targets:
            command += ["--targets", str(self.targets)]
        return command


def _check_targets(path: Path) -> None:
    """Every target's settings, as `retry --targets` will check them."""
    from .session import Session
    from .targets import load_targets

    load_targets(Session(dict(os.environ)), path)


def running_executable(argv0: str) -> Path:
    """coinpilot-tf as the shell found it; symlinks are kept (pipx's ~/.local/bin/coinpilot-tf is
    one, and stays when pipx upgrades the venv behind it)."""
    if Path(argv0).name == COMMAND:
        found = argv0 if os.sep in argv0 else shutil.which(argv0)
    else:  # python -m orchestrator.cli: the console script on PATH, if there is one
        found = shutil.which(COMMAND)
    if not found:
        raise ToolError(
            f"no {COMMAND} command to schedule; install it (pipx install . or pip install .), then run again"
        )
    return Path(os.path.abspath(found))


def missing_settings_note(install: Install) -> str | None:
    """A note when the default config file the recipe names does not exist yet."""
    if install.env_file or install.config is None or install.config.exists():
        return None
    return f"{install.config} does not exist yet: write your settings there (docs/configuration.md) or use --env-file"


def _systemd_word(word: str) -> str:
    """A word of ExecStart: systemd expands % specifiers and splits on spaces."""
    word = word.replace("%", "%%")
    return f'"{word}"' if any(char in word for char in " \"\\'") else word


def systemd_unit(install: Install) -> str:
    """A user unit that runs the loop (`retry`), restarted after anything but a final exit code."""
    exec_start = " ".join(_systemd_word(word) for word in install.arguments("retry", "--log-format", "text"))
    template = (_RECIPES / "coinpilot-tf.service").read_text()
    settings = " and ".join(str(path) for path in install.settings_files)
    return template.format(executable=install.executable, settings=settings, exec_start=exec_start)


def cron_line(install: Install) -> str:
    """One sweep of ADs and sizes (`retry --once`) per run; the log goes beside the settings."""
    log = install.settings_files[0].parent / "cron.log"
    words = [*install.arguments("retry", "--once", "--log-format", "text"), ">>", str(log), "2>&1"]
    command = " ".join(word if word in (">>", "2>&1") else shlex.quote(word) for word in words)
    return (
        f"# coinpilot-tf from cron: one attempt per AD and size every 10 minutes (`retry --once`); add it with\n"
        f"# `crontab -e`. Once the instance is won each run only refreshes it and exits 0. Log: {log}\n"
        f"{CRON_SCHEDULE} {command.replace('%', chr(92) + '%')}\n"  # cron reads a bare % as a newline
    )


def github_workflow() -> str:
    """Each scheduled run is a fresh runner that installs coinpilot-tf from the repository, so the
    workflow names no local path: its settings are the repository's variables and secrets."""
    return (_RECIPES / "coinpilot-tf.yml").read_text()
