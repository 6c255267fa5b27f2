"""The README covers every command the tool has; docs/configuration.md every setting."""

import re
import subprocess
from pathlib import Path

from .session import COINPILOT

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
CONFIGURATION = REPO / "docs" / "configuration.md"


def test_every_command_in_help_appears_in_the_readme():
    help_text = subprocess.run([COINPILOT, "--help"], capture_output=True, text=True, check=True).stdout
    commands = re.findall(r"^  (\S+)\s", help_text.split("Commands:", 1)[1].split("\n\n", 1)[0], flags=re.MULTILINE)
    assert {"retry", "status", "output", "destroy", "ssh", "terraform"} <= set(commands)
    readme = README.read_text()
    missing = [name for name in commands if f"`coinpilot-tf {name}" not in readme]
    assert missing == []


def test_the_settings_table_names_every_setting_and_nothing_else():
    from orchestrator.config import FIELDS

    page = CONFIGURATION.read_text()
    table = page.split("## Settings", 1)[1].split("\n\n|", 1)[1].split("\n\n", 1)[0]
    rows = {name.strip() for line in table.splitlines()[2:] for name in line.split("|")[1].split(",")}
    settings = {env for field in FIELDS for env in field.env_names}
    where = {
        "COINPILOT_TF_WORKDIR",
        "COINPILOT_TF_TERRAFORM",
        "COINPILOT_TF_SIMULATOR_DIR",
        "COINPILOT_TF_SIM_ALLOWANCE",
    }
    assert rows == settings | where


def test_the_troubleshooting_table_gives_the_advice_classify_prints():
    from orchestrator.failures import TROUBLESHOOTING

    table = README.read_text().split("## Troubleshooting", 1)[1].split("\n\n|", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        seen = line.split("|")[1].strip().split(",")[0]
        advice = line.split("|", 2)[2].rsplit("|", 1)[0].strip()
        rows[seen] = re.sub(r"\[([^]]+)\]\([^)]+\)", r"\1", advice)  # a link reads as its text
    assert rows == {str(category): advice for category, advice in TROUBLESHOOTING.items()}
