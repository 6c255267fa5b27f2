from pathlib import Path

import pytest

from orchestrator.cloud import OciCloud
from orchestrator.config import default_config_file, load_settings, read_env_file
from orchestrator.errors import UsageError
from orchestrator.size import Size

from .session import command_session, new_session

COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaa2x7yq4tzq3l5m6n7o8p9q0r1s2t3u4v5w6x7y8z9a0b1c2d3e4f5"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaa9z8y7x6w5v4u3t2s1r0q9p8o7n6m5l4k3j2i1h0g9f8e7d6c5b4a"
SUBNET = "ocid1.subnet.oc1.iad.aaaaaaaab1c2d3e4f5g6h7i8j9k0l1m2n3o4p5q6r7s8t9u0v1w2x3y4z5a6"
IMAGE = "ocid1.image.oc1.iad.aaaaaaaac1d2e3f4g5h6i7j8k9l0m1n2o3p4q5r6s7t8u9v0w1x2y3z4a5b6"
AD = "kIdk:US-ASHBURN-AD-1"
WEBHOOK = "https://discord.com/api/webhooks/123456789012345678/AbCdEf_GhIj-KlMn"

RUNBOOK_ENV = {
    "COMPARTMENT_OCID": COMPARTMENT,
    "SUBNET_OCID": SUBNET,
    "AVAILABILITY_DOMAIN": AD,
    "IMAGE_OCID": IMAGE,
}


def test_runbook_environment_names_and_defaults():
    settings = load_settings({}, RUNBOOK_ENV)
    OciCloud().prepare(settings)
    assert settings.compartment_ocid == COMPARTMENT
    assert settings.availability_domains == (AD,)
    assert settings.oci_profile == "DEFAULT"
    assert (settings.ocpus, settings.memory_gbs) == (2, 12)
    assert settings.retry_interval_seconds == 600
    assert settings.max_attempts == 0
    assert (settings.throttle_retry_base_seconds, settings.throttle_retry_max_seconds) == (900, 3600)
    assert settings.throttle_jitter_max_seconds == 120
    assert settings.notify_every_n_attempts == 10
    assert settings.discord_webhook_url is None
    assert settings.provider_auto_retries is False
    assert (settings.limit_rechecks, settings.limit_recheck_seconds) == (6, 3600)


def test_flag_beats_environment_beats_file_beats_default(tmp_path):
    config = tmp_path / "coinpilot.toml"
    config.write_text(
        'retry_interval_seconds = 300\nmax_attempts = 7\nOCI_PROFILE = "FROMFILE"\ninstance_name = "file-name"\n'
    )
    env = {**RUNBOOK_ENV, "MAX_ATTEMPTS": "5", "INSTANCE_NAME": "env-name"}
    settings = load_settings({"instance_name": "flag-name"}, env, config)
    assert settings.instance_name == "flag-name"
    assert settings.max_attempts == 5
    assert settings.retry_interval_seconds == 300
    assert settings.oci_profile == "FROMFILE"
    assert settings.throttle_jitter_max_seconds == 120


def test_sizes_are_tried_largest_first_and_a_big_size_is_no_error():
    settings = load_settings({"sizes": ("1:6", "2:12")}, RUNBOOK_ENV)
    assert settings.size_list() == (Size(2, 12.0), Size(1, 6.0))
    # Whether 4/24 is beyond the allowance is the tenancy's to say (allowance.py), not the settings'.
    big = load_settings({}, {**RUNBOOK_ENV, "OCPUS": "4", "MEMORY_GBS": "24"})
    assert big.size_list() == (Size(4, 24),)


def test_several_availability_domains_and_all():
    settings = load_settings({"availability_domains": (AD, "kIdk:US-ASHBURN-AD-2")}, RUNBOOK_ENV)
    assert settings.availability_domains == (AD, "kIdk:US-ASHBURN-AD-2")
    assert load_settings({}, {**RUNBOOK_ENV, "AVAILABILITY_DOMAIN": "all"}).availability_domains == ("all",)
    env_list = load_settings({}, {**RUNBOOK_ENV, "AVAILABILITY_DOMAIN": f"{AD}, kIdk:US-ASHBURN-AD-3"})
    assert env_list.availability_domains == (AD, "kIdk:US-ASHBURN-AD-3")


def test_tenancy_is_accepted_as_compartment():
    assert load_settings({}, {**RUNBOOK_ENV, "COMPARTMENT_OCID": TENANCY}).compartment_ocid == TENANCY


BAD_INPUTS = [
    # (environment overrides, flags, field named in the message, words in the fix)
    ({"COMPARTMENT_OCID": "compartment-123"}, {}, "COMPARTMENT_OCID", "well-formed"),
    ({"COMPARTMENT_OCID": SUBNET}, {}, "COMPARTMENT_OCID", "subnet OCID"),
    ({"COMPARTMENT_OCID": "ocid1.compartment.oc1..short"}, {}, "COMPARTMENT_OCID", "well-formed"),
    ({"SUBNET_OCID": COMPARTMENT}, {}, "SUBNET_OCID", "compartment OCID"),
    ({"SUBNET_OCID": "ocid1.subnet"}, {}, "SUBNET_OCID", "well-formed"),
    ({"SUBNET_OCID": SUBNET + " trailing"}, {}, "SUBNET_OCID", "well-formed"),
    ({"IMAGE_OCID": SUBNET}, {}, "IMAGE_OCID", "subnet OCID"),
    ({"IMAGE_OCID": "ubuntu-22.04"}, {}, "IMAGE_OCID", "well-formed"),
    ({"IMAGE_COMPARTMENT_OCID": IMAGE}, {}, "IMAGE_COMPARTMENT_OCID", "image OCID"),
    ({"AVAILABILITY_DOMAIN": "AD-1"}, {}, "AVAILABILITY_DOMAIN", "availability domain"),
    ({"AVAILABILITY_DOMAIN": "kIdk:US-ASHBURN-1"}, {}, "AVAILABILITY_DOMAIN", "availability domain"),
    ({"AVAILABILITY_DOMAIN": ","}, {}, "AVAILABILITY_DOMAIN", "empty"),
    ({}, {"availability_domains": ("us-ashburn-1",)}, "--availability-domain", "availability domain"),
    ({"OCPUS": "0"}, {}, "OCPUS", ">= 1"),
    ({"OCPUS": "-2"}, {}, "OCPUS", ">= 1"),
    ({"OCPUS": "two"}, {}, "OCPUS", "whole number"),
    ({"OCPUS": "81", "MEMORY_GBS": "100"}, {}, "OCPUS", "80"),
    ({"MEMORY_GBS": "0"}, {}, "MEMORY_GBS", "positive"),
    ({"MEMORY_GBS": "lots"}, {}, "MEMORY_GBS", "number"),
    ({"OCPUS": "1", "MEMORY_GBS": "65"}, {}, "MEMORY_GBS", "1..64 GB per OCPU"),
    ({"OCPUS": "2", "MEMORY_GBS": "1.5"}, {}, "MEMORY_GBS", "1..64 GB per OCPU"),
    ({}, {"sizes": ("2x12",)}, "--size", "OCPUS:MEMORY_GBS"),
    ({}, {"sizes": ("1:100",)}, "--size", "GB per OCPU"),
    ({"RETRY_INTERVAL_SECONDS": "-1"}, {}, "RETRY_INTERVAL_SECONDS", ">= 0"),
    ({"RETRY_INTERVAL_SECONDS": "10m"}, {}, "RETRY_INTERVAL_SECONDS", "whole number"),
    ({"MAX_ATTEMPTS": "-3"}, {}, "MAX_ATTEMPTS", ">= 0"),
    ({"THROTTLE_RETRY_BASE_SECONDS": "-5"}, {}, "THROTTLE_RETRY_BASE_SECONDS", ">= 0"),
    ({"THROTTLE_RETRY_MAX_SECONDS": "60"}, {}, "THROTTLE_RETRY_MAX_SECONDS", ">= THROTTLE_RETRY_BASE_SECONDS"),
    ({"THROTTLE_JITTER_MAX_SECONDS": "-1"}, {}, "THROTTLE_JITTER_MAX_SECONDS", ">= 0"),
    (
        {"DISCORD_WEBHOOK_URL": "http://discord.com/api/webhooks/1/abc"},
        {},
        "DISCORD_WEBHOOK_URL",
        "https://discord.com/api/webhooks",
    ),
    (
        {"DISCORD_WEBHOOK_URL": "https://example.com/api/webhooks/1/abc"},
        {},
        "DISCORD_WEBHOOK_URL",
        "https://discord.com/api/webhooks",
    ),
    (
        {"DISCORD_WEBHOOK_URL": "https://discord.com/channels/1/2"},
        {},
        "DISCORD_WEBHOOK_URL",
        "https://discord.com/api/webhooks",
    ),
    ({"DISCORD_NOTIFY_EVERY_N_ATTEMPTS": "0"}, {}, "DISCORD_NOTIFY_EVERY_N_ATTEMPTS", ">= 1"),
    ({"NOTIFY_EVERY_N_ATTEMPTS": "0"}, {}, "NOTIFY_EVERY_N_ATTEMPTS", ">= 1"),
    ({"NOTIFY_URLS": "json://127.0.0.1/a nothing-known"}, {}, "NOTIFY_URLS", "URL 2 of 2, *** is not an Apprise URL"),
    ({}, {"notify_urls": ("bogus://x",)}, "--notify", "URL 1 of 1, bogus://***: Apprise knows no service"),
    ({"NOTIFY_EVENTS": "success,win"}, {}, "NOTIFY_EVENTS", "'win' is not an event; use some of started,progress"),
    ({"INSTANCE_NAME": "../escape"}, {}, "INSTANCE_NAME", "letters, digits"),
    ({"INSTANCE_NAME": "has space"}, {}, "INSTANCE_NAME", "letters, digits"),
    ({"OCI_PROFILE": "bad profile!"}, {}, "OCI_PROFILE", "profile name"),
    ({"BOOT_VOLUME_SIZE_GBS": "20"}, {}, "BOOT_VOLUME_SIZE_GBS", ">= 50"),
    ({"OCI_PROVIDER_AUTO_RETRIES": "maybe"}, {}, "OCI_PROVIDER_AUTO_RETRIES", "true or false"),
]


@pytest.mark.parametrize(
    ("env", "flags", "field", "fix"), BAD_INPUTS, ids=[f"{case[2]}-{i}" for i, case in enumerate(BAD_INPUTS)]
)
def test_each_bad_value_names_the_field_and_the_fix(env, flags, field, fix):
    with pytest.raises(UsageError) as caught:
        load_settings(flags, {**RUNBOOK_ENV, **env})
    assert caught.value.field == field
    assert fix in caught.value.problem
    assert "\n" not in str(caught.value)


def test_webhook_never_echoed_in_the_error():
    secret = "https://discord.com/api/webhooks/1/SECRET-TOKEN/extra"
    with pytest.raises(UsageError) as caught:
        load_settings({}, {**RUNBOOK_ENV, "DISCORD_WEBHOOK_URL": secret})
    assert "SECRET-TOKEN" not in str(caught.value)


def test_notification_settings_from_each_source(tmp_path):
    from orchestrator.notify import Event

    urls = ("json://127.0.0.1:8080/a", "ntfy://127.0.0.1:8081/topic")
    from_env = load_settings(
        {}, {**RUNBOOK_ENV, "NOTIFY_URLS": f" {urls[0]},\n{urls[1]} ", "NOTIFY_EVENTS": "success, stop"}
    )
    assert from_env.notify_urls == urls
    assert from_env.notify_events == {Event.SUCCESS, Event.STOP}
    assert load_settings({"notify_urls": urls}, RUNBOOK_ENV).notify_urls == urls  # --notify, repeated
    config = tmp_path / "coinpilot.toml"
    config.write_text(f"notify_urls = {list(urls)!r}\ndiscord_notify_every_n_attempts = 4\n".replace("'", '"'))
    from_file = load_settings({}, RUNBOOK_ENV, config)
    assert (from_file.notify_urls, from_file.notify_every_n_attempts) == (urls, 4)
    assert load_settings({}, RUNBOOK_ENV).notify_events is None  # every event


def test_notify_every_n_attempts_keeps_its_discord_name():
    assert load_settings({}, {**RUNBOOK_ENV, "DISCORD_NOTIFY_EVERY_N_ATTEMPTS": "5"}).notify_every_n_attempts == 5
    both = {**RUNBOOK_ENV, "DISCORD_NOTIFY_EVERY_N_ATTEMPTS": "5", "NOTIFY_EVERY_N_ATTEMPTS": "7"}
    assert load_settings({}, both).notify_every_n_attempts == 7  # the new name wins


def test_notify_url_never_echoed_in_the_error():
    with pytest.raises(UsageError) as caught:
        load_settings({}, {**RUNBOOK_ENV, "NOTIFY_URLS": "tgram://SECRET-TOKEN"})
    assert str(caught.value).startswith("NOTIFY_URLS: URL 1 of 1, tgram://*** is not a valid tgram:// URL")
    assert "SECRET-TOKEN" not in str(caught.value)


@pytest.mark.parametrize("missing", ["COMPARTMENT_OCID", "SUBNET_OCID", "AVAILABILITY_DOMAIN"])
def test_a_real_launch_needs_its_target(missing):
    env = {name: value for name, value in RUNBOOK_ENV.items() if name != missing}
    with pytest.raises(UsageError) as caught:
        OciCloud().prepare(load_settings({}, env))
    assert caught.value.field == missing


def test_every_missing_target_is_named_at_once():
    with pytest.raises(UsageError) as caught:
        OciCloud().prepare(load_settings({}, {"IMAGE_OCID": IMAGE}))
    assert caught.value.fields == ("COMPARTMENT_OCID", "SUBNET_OCID", "AVAILABILITY_DOMAIN")
    assert str(caught.value).startswith("COMPARTMENT_OCID, SUBNET_OCID, AVAILABILITY_DOMAIN: not set; export them")


@pytest.mark.parametrize(
    ("content", "fix"),
    [("max_attempts = ", "not valid TOML"), ("colour = 'blue'\n", "unknown key 'colour'")],
)
def test_bad_config_file(tmp_path, content, fix):
    config = tmp_path / "c.toml"
    config.write_text(content)
    with pytest.raises(UsageError) as caught:
        load_settings({}, RUNBOOK_ENV, config)
    assert caught.value.field == "--config" and fix in caught.value.problem


def test_missing_config_file(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        load_settings({}, RUNBOOK_ENV, tmp_path / "nope.toml")


def write_default_config(content: str) -> Path:
    """The default config file, in this test's own HOME (conftest's isolated_home sets XDG_CONFIG_HOME)."""
    path = default_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


def test_the_default_config_file_is_read_without_config_and_config_replaces_it(isolated_home, tmp_path):
    path = write_default_config('max_attempts = 4\ninstance_name = "from-default"\n')
    assert path == isolated_home / ".config" / "coinpilot-tf" / "config.toml"
    settings = load_settings({}, RUNBOOK_ENV)
    assert (settings.max_attempts, settings.instance_name) == (4, "from-default")
    assert load_settings({}, {**RUNBOOK_ENV, "MAX_ATTEMPTS": "6"}).max_attempts == 6  # the environment wins
    given = tmp_path / "given.toml"
    given.write_text("retry_interval_seconds = 30\n")
    replaced = load_settings({}, RUNBOOK_ENV, given)
    assert (replaced.retry_interval_seconds, replaced.max_attempts, replaced.instance_name) == (30, 0, "coinpilot-ins")


def test_a_bad_value_in_the_config_file_names_its_key_and_the_file(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("MAX_ATTEMPTS = -1\n")
    with pytest.raises(UsageError) as caught:
        load_settings({}, RUNBOOK_ENV, config)
    assert str(caught.value) == f"MAX_ATTEMPTS in {config}: must be >= 0, got -1"


def test_a_malformed_default_config_file_is_one_line_naming_it():
    path = write_default_config("max_attempts = \n")
    with pytest.raises(UsageError) as caught:
        load_settings({}, RUNBOOK_ENV)
    assert caught.value.field == "config file"
    assert f"{path} is not valid TOML" in caught.value.problem and "like instance_name" in caught.value.problem


URLS = ("json://127.0.0.1:8080/a", "ntfy://127.0.0.1:8081/topic")


def test_env_file_lines_count_as_exported_and_an_exported_variable_wins(tmp_path):
    env_file = tmp_path / "env"
    env_file.write_text(
        "# the runbook's variables\n"
        f'NOTIFY_URLS="{URLS[0]}, {URLS[1]}"\n'
        "export MAX_ATTEMPTS=5\n"
        "RETRY_INTERVAL_SECONDS='7'\n"
        "INSTANCE_NAME=from-env-file\n"
        "PG_CONN_STR='postgresql://u:pa$$word@127.0.0.1/db'\n"  # literally: no $ expansion
    )
    config = tmp_path / "c.toml"
    config.write_text('max_attempts = 9\nthrottle_jitter_max_seconds = 3\ninstance_name = "from-file"\n')
    session = command_session(tmp_path / "wd", {**RUNBOOK_ENV, "RETRY_INTERVAL_SECONDS": "8"}, config=str(config))
    session.flags["instance_name"] = "from-flag"
    session.add_env_file(env_file)

    settings = session.settings
    assert settings.notify_urls == URLS  # the quoted comma list, whole
    assert settings.max_attempts == 5  # env file > config file
    assert settings.retry_interval_seconds == 8  # exported > env file
    assert settings.throttle_jitter_max_seconds == 3  # config file > default
    assert settings.instance_name == "from-flag"  # flag > all
    assert session.environ["PG_CONN_STR"] == "postgresql://u:pa$$word@127.0.0.1/db"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "does not exist; give the file of NAME=value lines"),
        ("A=1\nthis is not a setting SECRET\n", "line 2 is not NAME=value; fix it"),
        (b"A=\xff\n", "cannot read"),
    ],
)
def test_a_bad_env_file_is_one_usage_error_without_its_values(tmp_path, content, problem):
    env_file = tmp_path / "env"
    if isinstance(content, bytes):
        env_file.write_bytes(content)
    elif content is not None:
        env_file.write_text(content)
    with pytest.raises(UsageError) as caught:
        read_env_file(env_file)
    assert caught.value.field == "--env-file" and problem in caught.value.problem
    assert str(env_file) in caught.value.problem and "SECRET" not in str(caught.value)


def test_env_file_on_the_command_line(tmp_path):
    """Read before anything else: a quoted list comes whole (its second URL is the bad one), and a
    missing file is one line, exit 2, on a command that needs only the workdir too."""
    session = new_session(tmp_path)
    env_file = tmp_path / "env"
    env_file.write_text(f'NOTIFY_URLS="{URLS[0]}, tgram://SECRET-TOKEN"\n')
    bad_list = session.run("render", "--simulate", "ok", "--env-file", str(env_file), extra_env=RUNBOOK_ENV)
    assert bad_list.returncode == 2
    assert bad_list.stderr.startswith("coinpilot-tf: NOTIFY_URLS: URL 2 of 2, tgram://***")
    assert "SECRET" not in bad_list.stderr
    for command in ("render", "status"):
        missing = session.run(command, "--env-file", str(tmp_path / "nope"))
        assert missing.returncode == 2, missing.stderr
        assert (
            missing.stderr
            == f"coinpilot-tf: --env-file: {tmp_path / 'nope'} does not exist; give the file of NAME=value lines\n"
        )


@pytest.mark.parametrize(
    ("size", "shown", "typed"),
    [
        (Size(1, 6), "1 OCPU / 6 GB", "1:6"),
        (Size(2, 12), "2 OCPUs / 12 GB", "2:12"),
        (Size(1, 6.5), "1 OCPU / 6.5 GB", "1:6.5"),
    ],
)
def test_a_size_shows_one_way_to_people_and_keeps_its_typed_form(size, shown, typed):
    assert str(size) == shown
    assert size.spec == typed
    assert Size.of(float(size.ocpus), float(size.memory_gbs)) == size
