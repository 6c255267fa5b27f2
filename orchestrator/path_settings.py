"""Which setting moves a path the tool or Terraform writes: said with every error about that path.

The workdir is moved with --workdir; the rest lives in the user's folders, which XDG_* (or HOME)
place; Terraform's plugin cache has a variable of its own.
"""

from __future__ import annotations

import os
from pathlib import Path

from .workdir import data_dir

PLUGIN_CACHE_SETTING = "TF_PLUGIN_CACHE_DIR"


def plugin_cache_dir() -> Path:
    """Terraform's shared plugin cache: TF_PLUGIN_CACHE_DIR, else <user cache dir>/coinpilot-tf/plugin-cache
    (XDG_CACHE_HOME, else ~/.cache): a cache, so never under the workdir nor the data folder."""
    given = os.environ.get(PLUGIN_CACHE_SETTING, "").strip()
    if given:
        return Path(given).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("coinpilot-tf", appauthor=False)) / "plugin-cache"


def moved_by(path: str | os.PathLike | None) -> str:
    """The setting that puts `path` elsewhere; --workdir for the workdir's own files (and unknowns)."""
    if path is None:
        return "--workdir"
    where = Path(os.path.abspath(path))
    places = (
        (plugin_cache_dir(), f"{PLUGIN_CACHE_SETTING} or XDG_CACHE_HOME"),
        (data_dir(), "--workdir, or XDG_DATA_HOME (HOME)"),
    )
    for place, setting in places:
        if where.is_relative_to(Path(os.path.abspath(place))):
            return setting
    return "--workdir"
