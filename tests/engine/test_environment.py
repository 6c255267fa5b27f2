"""What Terraform and the provider get of the tool's environment."""

from orchestrator.engine.environment import child_environment


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
