"""Output for scripts: `retry`/`grow --log-format json` (JSON lines, the last one the result),
`doctor --json` and `notify test --json` (one JSON object each), read as a script would."""

import contextlib
import json

import pytest

from orchestrator import doctor
from orchestrator.checks import CheckStatus
from orchestrator.loop import Ending

from ..session import new_session
from ..webhook import Reply, WebhookServer
from ..workdirs import copy_session


@pytest.fixture
def session(tmp_path):
    return new_session(tmp_path)


def json_lines(result) -> list[dict]:
    """Every line of stdout, each of which must be one JSON object; the last must be the result."""
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(isinstance(line, dict) for line in lines), result.stdout
    assert lines and lines[-1]["event"] == "result", result.stdout
    assert [line for line in lines if line["event"] == "result"] == lines[-1:]
    assert lines[-1]["exit_code"] == result.returncode
    return lines


def test_a_won_run_prints_only_json_lines_and_ends_with_the_result(sized_json_win_run):
    session, run = sized_json_win_run  # retry --simulate capacity,ok --size 1:6 --size 2:12 --log-format json

    assert run.returncode == 0, run.stderr
    preparing, *attempts, result = json_lines(run)
    assert preparing["event"] == "note" and preparing["message"].startswith("preparing: ")
    assert [(line["event"], line["category"]) for line in attempts] == [("attempt", "capacity"), ("attempt", "success")]
    [instance] = session.live_instances()
    recorded = json.loads((session.workdir / "launch_result.json").read_text())
    assert result["outcome"] == Ending.WON and result["message"].startswith("won the instance after 2 attempts")
    assert result["instance_id"] == instance["id"] and result["public_ip"] == instance["public_ip"]
    assert (result["availability_domain"], result["ocpus"], result["memory_gbs"]) == (
        instance["availability_domain"],
        instance["shape_config"]["ocpus"],
        instance["shape_config"]["memory_in_gbs"],
    )
    assert (result["ocpus"], result["memory_gbs"]) == (1, 6)  # the size it won, the second one tried
    assert result["ssh_private_key"] == recorded["ssh_private_key"]
    assert result["ssh_command"] == f"ssh -i {recorded['ssh_private_key']} ubuntu@{instance['public_ip']}"
    assert result["result_file"] == str(session.workdir / "launch_result.json")


def test_a_stopped_run_ends_with_a_result_that_has_no_instance(session):
    run = session.run("retry", "--simulate", "auth", "--log-format", "json")

    assert run.returncode == 1
    *_, result = json_lines(run)
    assert result["outcome"] == Ending.STOPPED and result["message"].startswith("stopped: OCI refused the credentials")
    for unknown in ("instance_id", "public_ip", "ssh_private_key", "ssh_command", "result_file"):
        assert result[unknown] is None, unknown


def test_a_won_workdir_scripted_retry_grow_and_doctor(tmp_path, won_template):
    won = copy_session(won_template, tmp_path)
    [instance] = won.live_instances()

    again = won.run("retry", "--log-format", "json")
    grow = won.run("grow", "--yes", "--log-format", "json")
    healthy = won.run("doctor", "--json")
    broken = won.run("doctor", "--json", "--subnet-ocid", "ocid1.subnet.oc1.sim-region-1.aaaaaaaaunknownsubnet")

    assert again.returncode == 0, again.stderr
    *notes, exists = json_lines(again)
    assert {note["event"] for note in notes} <= {"note"}
    assert exists["outcome"] == Ending.EXISTS and "already exists" in exists["message"]
    assert exists["instance_id"] == instance["id"] and exists["ssh_command"].endswith(f"@{instance['public_ip']}")
    assert grow.returncode == 0, grow.stderr
    *notes, unchanged = json_lines(grow)
    assert {note["event"] for note in notes} <= {"note"}
    assert unchanged["outcome"] == Ending.UNCHANGED and unchanged["message"].startswith("nothing to grow")

    assert healthy.returncode == 0, healthy.stderr
    report = json.loads(healthy.stdout)
    assert report["passed"] is True and report["mode"].startswith("simulated OCI")
    names = [check.name for check in doctor.ALL_CHECKS]
    assert [check["name"] for check in report["checks"]] == names
    assert {check["status"] for check in report["checks"]} <= set(CheckStatus)
    assert all(check["fix"] is None for check in report["checks"] if check["status"] == CheckStatus.OK)
    assert broken.returncode == 1
    failed = json.loads(broken.stdout)
    [subnet] = [check for check in failed["checks"] if check["status"] == CheckStatus.FAIL]
    assert failed["passed"] is False and subnet["name"] == "subnet"
    assert subnet["detail"].endswith("was not found in sim-region-1, or your user may not read it")
    assert subnet["fix"].startswith("use a subnet of sim-region-1")


def test_notify_test_json_masks_every_channel(tmp_path):
    with contextlib.closing(WebhookServer()) as discord, contextlib.closing(WebhookServer(Reply(500))) as failing:
        session = new_session(tmp_path, DISCORD_WEBHOOK_URL=discord.url)
        result = session.run("notify", "test", "--json", "--notify", f"json://user:hunter2pass@{failing.address}/hook")

    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["passed"] is False
    ok, broken = report["channels"]
    assert ok == {"channel": f"http://{discord.address}/api/webhooks/123456789/***", "ok": True, "error": None}
    assert broken["channel"] == f"json://user:****@{failing.address}/hook" and broken["ok"] is False
    assert "500" in broken["error"]
    assert len(discord.received) == 1
    assert discord.token not in result.stdout + result.stderr
    assert "hunter2pass" not in result.stdout + result.stderr
