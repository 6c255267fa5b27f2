"""`--help` as a user reads it: real types, defaults and environment names, each command's own
options, the commands in the order of use, the exit codes; and shell completion."""

import re

import pytest
from click.testing import CliRunner

from orchestrator.cli import main
from orchestrator.config import FIELDS, SettingGroup
from orchestrator.errors import EXIT_CODE_MEANINGS

from ..session import new_session

ORDER_OF_USE = [
    "retry",
    "status",
    "output",
    "ssh",
    "destroy",
    "grow",
    "doctor",
    "capacity",
    "notify",
    "classify",
    "render",
    "terraform",
    "simulate",
    "unattended",
]
LOOP_ONLY = ["--once", "--max-attempts", "--retry-interval-seconds", "--log-format", "--throttle-retry-base-seconds"]


def help_of(*command: str, width: int = 80) -> str:
    result = CliRunner().invoke(main, [*command, "--help"], terminal_width=width)
    assert result.exit_code == 0, result.output
    return result.output


def options_of(*command: str) -> set[str]:
    """Every flag the command's --help lists."""
    options = help_of(*command).split("Options:", 1)[1]
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", options.split("\n\n", 1)[0])) - {"--help"}


def option_line(help_text: str, flag: str) -> str:
    """The option's entry, its wrapped lines joined."""
    entries = re.split(r"\n  (?=-)", help_text.split("Options:", 1)[1])
    [entry] = [entry for entry in entries if entry.strip().startswith(flag + " ")]
    return " ".join(entry.split())


def test_retry_shows_each_setting_with_its_type_environment_name_and_default():
    text = help_of("retry")
    assert option_line(text, "--max-attempts").startswith("--max-attempts INTEGER ")
    assert "[env MAX_ATTEMPTS; default: 0]" in option_line(text, "--max-attempts")
    assert option_line(text, "--memory-gbs").startswith("--memory-gbs FLOAT ")
    assert option_line(text, "--grow-after-win").startswith("--grow-after-win BOOLEAN ")
    assert option_line(text, "--state-backend").startswith("--state-backend [local|oci|s3|pg] ")
    assert option_line(text, "--ssh-key-path").startswith("--ssh-key-path FILE ")
    assert option_line(text, "--compartment-ocid").startswith("--compartment-ocid OCID ")
    assert "[env IMAGE_COMPARTMENT_OCID; default: the compartment]" in option_line(text, "--image-compartment-ocid")
    assert " TEXT " not in text


def test_retry_and_grow_list_every_setting():
    every_flag = {flag for field in FIELDS for flag in field.flags}
    assert every_flag <= options_of("retry")
    assert every_flag <= options_of("grow")


def test_doctor_lists_what_it_checks_and_no_retry_option():
    options = options_of("doctor")
    assert {"--oci-profile", "--compartment-ocid", "--subnet-ocid", "--availability-domain", "--notify-test"} <= options
    assert options.isdisjoint(LOOP_ONLY)


def test_notify_test_lists_only_the_notification_settings():
    notification_flags = {flag for field in FIELDS if field.group == SettingGroup.NOTIFY for flag in field.flags}
    assert options_of("notify", "test") == notification_flags | {"--config", "--env-file", "--json"}


def test_render_lists_what_renders_the_module_and_no_loop_or_notification_setting():
    options = options_of("render")
    assert {"--size", "--ssh-key-path", "--state-backend", "--simulate", "--migrate-state"} <= options
    assert options.isdisjoint(LOOP_ONLY + ["--notify", "--discord-webhook-url"])


def test_the_commands_are_listed_in_the_order_of_use_each_with_a_whole_summary():
    text = help_of()
    rows = re.findall(r"^  (\S+)  +(.+)$", text.split("Commands:", 1)[1].split("\n\n", 1)[0], flags=re.MULTILINE)
    assert [name for name, _ in rows] == ORDER_OF_USE
    for name, summary in rows:
        assert main.commands[name].short_help == summary
        assert not summary.endswith("...")


@pytest.mark.parametrize("command", [(), ("retry",), ("grow",)])
def test_the_epilog_lists_the_exit_codes(command):
    text = " ".join(help_of(*command).split("Exit codes:", 1)[1].split())
    for code, meaning in EXIT_CODE_MEANINGS.items():
        assert f"{code} {meaning}" in text


def test_a_bad_flag_value_is_still_one_line_naming_the_flag(tmp_path):
    result = new_session(tmp_path).run("render", "--simulate", "ok", "--ocpus", "many")
    assert result.returncode == 2
    assert result.stderr == "coinpilot-tf: --ocpus: must be a whole number, got 'many'\n"


def test_the_shell_completes_commands_and_choices():
    def complete(words: str) -> list[str]:
        cword = str(len(words.split()) - (0 if words.endswith(" ") else 1))
        env = {"_COINPILOT_TF_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
        result = CliRunner().invoke(main, [], prog_name="coinpilot-tf", env=env)
        return [line.split(",", 1)[1] for line in result.output.splitlines()]

    assert complete("coinpilot-tf re") == ["retry", "render"]
    assert complete("coinpilot-tf retry --state-backend ") == ["local", "oci", "s3", "pg"]
