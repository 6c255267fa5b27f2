"""What Terraform and the provider get of the tool's environment."""

import io

from orchestrator.engine import environment
from orchestrator.engine.environment import ENGINE_OWNED, child_environment, ignored_names, owner


def test_children_get_what_they_use_and_no_secret():
    environ = {
        "PATH": "/usr/bin",
        "HOME": "/home/me",
        "LC_ALL": "C.UTF-8",
        "https_proxy": "http://proxy:3128",
        "TF_LOG": "DEBUG",
        "TF_VAR_region": "us-ashburn-1",
        "OCI_CLI_PROFILE": "DEFAULT",
        "COINPILOT_TF_SIM_KILL_AT": "apply",
        "SSL_CERT_FILE": "/etc/ssl/cert.pem",
        "DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/1/token",
        "NOTIFY_URLS": "tgram://token/1",
        "COMPARTMENT_OCID": "ocid1.compartment.oc1..x",
        "AWS_SECRET_ACCESS_KEY": "key",
        "GITHUB_TOKEN": "token",
        "PG_CONN_STR": "postgres://u:p@127.0.0.1/db",
    }

    passed = child_environment(environ)

    assert set(passed) == {
        "PATH",
        "HOME",
        "LC_ALL",
        "https_proxy",
        "TF_LOG",
        "TF_VAR_region",
        "OCI_CLI_PROFILE",
        "COINPILOT_TF_SIM_KILL_AT",
        "SSL_CERT_FILE",
        # The state backends read their own credentials (pg: PG_CONN_STR; s3: AWS_*).
        "AWS_SECRET_ACCESS_KEY",
        "PG_CONN_STR",
    }
    assert passed["TF_VAR_region"] == "us-ashburn-1"


ENGINE_OWNED_EXAMPLES = {
    "TF_WORKSPACE": "other",
    "TF_CLI_ARGS": "-lock=false",
    "TF_CLI_ARGS_output": "-state=/nonexistent",
    "TF_CLI_ARGS_plan": "-refresh=false",
    "TF_DATA_DIR": "/tmp/elsewhere",
    "TF_REATTACH_PROVIDERS": '{"registry.terraform.io/oracle/oci": {}}',
    "TF_INPUT": "1",
    "TF_IN_AUTOMATION": "",
    "TF_LOG_PATH": "/tmp/terraform.log",
}


def test_the_variables_the_engine_sets_itself_never_reach_terraform():
    passing = {
        "TF_LOG": "DEBUG",
        "TF_PLUGIN_CACHE_DIR": "/cache",
        "TF_CLI_CONFIG_FILE": "/rc",
        "TF_VAR_x": "1",
    }

    passed = child_environment({**ENGINE_OWNED_EXAMPLES, **passing, "PATH": "/usr/bin"})

    assert passed == {**passing, "PATH": "/usr/bin"}
    assert ignored_names({**ENGINE_OWNED_EXAMPLES, **passing}) == sorted(ENGINE_OWNED_EXAMPLES)


def test_each_engine_owned_variable_has_its_reason():
    assert all(reason for reason in ENGINE_OWNED.values())
    assert {owner(name) for name in ENGINE_OWNED_EXAMPLES} == set(ENGINE_OWNED)
    assert owner("TF_CLI_ARGSX") is None  # only TF_CLI_ARGS itself and TF_CLI_ARGS_*


def test_ignored_variables_are_said_once_by_name_never_by_value(monkeypatch):
    monkeypatch.setattr(environment, "_told", set())
    stream = io.StringIO()

    environment.say_ignored({"TF_WORKSPACE": "secret-workspace", "TF_LOG": "DEBUG"}, stream)
    environment.say_ignored({"TF_WORKSPACE": "secret-workspace"}, stream)

    assert stream.getvalue().splitlines() == [
        "coinpilot-tf: ignored TF_WORKSPACE from the environment: coinpilot-tf sets Terraform's environment itself"
    ]
