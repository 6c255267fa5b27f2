"""The README covers every command the tool has."""

import re
import subprocess
from pathlib import Path

from .session import COINPILOT

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_command_in_help_appears_in_the_readme():
    help_text = subprocess.run([COINPILOT, "--help"], capture_output=True, text=True, check=True).stdout
    commands = re.findall(r"^  (\S+)\s", help_text.split("Commands:", 1)[1], flags=re.MULTILINE)
    assert {"retry", "status", "output", "destroy", "ssh", "terraform"} <= set(commands)
    readme = README.read_text()
    missing = [name for name in commands if f"`coinpilot-tf {name}" not in readme]
    assert missing == []
