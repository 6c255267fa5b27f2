"""The shell blocks of README.md and docs/*.md marked `<!-- runnable -->` run as they are written:
in order, one shell per file (as a reader pastes them into one terminal), with the installed
coinpilot-tf on PATH, a new HOME and an empty folder, against the simulated OCI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

from .conftest import TOOL_VARIABLES
from .session import COINPILOT

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
MARKER = "<!-- runnable -->"
# The marker, then the block right under it: ```sh, its lines, ```.
RUNNABLE_BLOCK = re.compile(r"^<!-- runnable -->\n```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def runnable_blocks(page: Path) -> list[str]:
    return RUNNABLE_BLOCK.findall(page.read_text())


def test_every_marker_marks_a_shell_block():
    for page in PAGES:
        markers = [line for line in page.read_text().splitlines() if line == MARKER]
        assert len(markers) == len(runnable_blocks(page)), page.name


def test_the_readme_quick_start_is_runnable():
    [quick_start, *_] = runnable_blocks(REPO / "README.md")
    assert "coinpilot-tf retry --simulate" in quick_start


def run_blocks(page: Path, tmp_path: Path) -> None:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in TOOL_VARIABLES and not name.startswith(("XDG_", "COINPILOT_TF_"))
    }
    env = {
        **inherited,
        "HOME": str(home),
        "PATH": f"{Path(COINPILOT).parent}{os.pathsep}{os.environ['PATH']}",
        "RETRY_INTERVAL_SECONDS": "0",
        "NO_COLOR": "1",
    }
    script = "\n".join(runnable_blocks(page))
    # Its own session, so whatever a block left running in the background is stopped at the end.
    process = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=600)  # a guard only: the blocks take seconds
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    assert process.returncode == 0, output


# One class per page: pytest-xdist's --dist loadscope sends each class to its own worker, so the pages
# run side by side (the tests of one module, parametrized or not, all go to one worker).
for _page in PAGES:
    if runnable_blocks(_page):
        _name = "TestRunnableBlocksOf" + "".join(part.title() for part in re.split(r"\W+", _page.stem))
        globals()[_name] = type(_name, (), {"test_run": lambda self, tmp_path, page=_page: run_blocks(page, tmp_path)})
