"""doctor: each check passing and failing with its message, through the real oci SDK against the
simulated REST endpoint (and a local HTTP server standing in for Discord)."""

import configparser
import contextlib
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from orchestrator import checks, doctor, oci_api
from orchestrator.checks import CheckStatus
from orchestrator.cli import main
from orchestrator.errors import UsageError
from orchestrator.journal import Event, Journal
from orchestrator.simulator import rest_routes
from orchestrator.simulator.cloud import SimulatedCloud
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore
from orchestrator.size import Size
from orchestrator.workdir import Workdir

from .session import command_session, real_cloud_on
from .test_config import SUBNET

ADS = PLACEHOLDERS["availability_domains"]
CHECKS = {check.name: check for check in (*doctor.ALL_CHECKS, doctor.NOTIFY_CHECK)}
X86_IMAGE = "ocid1.image.oc1.sim-region-1.aaaaaaaapf2silbjy4gekblwdite5dyfdmjhcun55i5kv7ad4bqf2vj3laba"


@pytest.fixture
def workdir(tmp_path):
    workdir = Workdir(tmp_path / "workdir")
    workdir.create()
    CloudStore.ensure(workdir.path / "simulator")
    return workdir


@pytest.fixture
def store(workdir):
    return CloudStore(workdir.path / "simulator")


def simulated_cloud(workdir):
    return SimulatedCloud(workdir.path / "simulator", workdir)


def run(workdir, *names, env=None, clock=time.time, cloud=None):
    """The named checks (all but notifications if none), as {name: Outcome}."""
    chosen = tuple(CHECKS[name] for name in names) or doctor.ALL_CHECKS
    session = command_session(workdir.path, {**os.environ, **(env or {})})
    if cloud is not None:
        session.cloud = cloud
    context = checks.context_for(session, clock=clock)
    return {outcome.name: outcome for outcome in checks.run_checks(context, chosen)}


def edit_profile(workdir, **values):
    path = simulated_cloud(workdir).config_path("DEFAULT")
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    parser["DEFAULT"].update(values)
    with open(path, "w") as handle:
        parser.write(handle)
    return parser["DEFAULT"]


def new_key(path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)
    return path


def edit_cloud(store, change):
    path = store.directory / "cloud.json"
    cloud = json.loads(path.read_text())
    change(cloud)
    path.write_text(json.dumps(cloud))


def launch(store, name="coinpilot-ins", tags=None, ocpus=2, memory=12):
    return store.launch_instance(
        {
            "availability_domain": ADS[0],
            "compartment_id": PLACEHOLDERS["compartment_ocid"],
            "display_name": name,
            "shape": "VM.Standard.A1.Flex",
            "shape_config": {"ocpus": ocpus, "memory_in_gbs": memory},
            "source_details": {"source_type": "image", "source_id": PLACEHOLDERS["image_ocid"]},
            "create_vnic_details": {"subnet_id": PLACEHOLDERS["subnet_ocid"], "assign_public_ip": True},
            "freeform_tags": {"coinpilot-tf": name} if tags is None else tags,
        }
    ).instance


# ----- the whole run -----


def test_a_provider_that_cannot_load_fails_with_its_error_and_the_fix(workdir, tmp_path, monkeypatch):
    # A partial install: grpc's compiled part is not there (what `pip install .` without the
    # simulator's dependencies looked like).
    broken = tmp_path / "partial-install" / "grpc"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text('raise ImportError("cygrpc is not compiled for this architecture")\n')
    monkeypatch.setenv("PYTHONPATH", str(broken.parent))

    [outcome] = run(workdir, "provider").values()

    assert outcome.status == CheckStatus.FAIL
    assert outcome.detail.endswith("ImportError: cygrpc is not compiled for this architecture")
    assert outcome.fix.startswith("reinstall coinpilot-tf in a fresh venv")


def test_a_healthy_simulated_setup_passes_every_check(workdir, store):
    outcomes = run(workdir)
    assert list(outcomes) == [check.name for check in doctor.ALL_CHECKS]
    assert {name: o.status for name, o in outcomes.items() if o.status != "ok"} == {}
    assert all(o.line().startswith("ok    ") for o in outcomes.values())
    assert "LaunchInstance" not in [call["op"] for call in store.calls()]


def test_the_cli_prints_one_line_per_check_and_exits_1_on_a_failure(workdir, store):
    runner = CliRunner()
    env = {"COINPILOT_TF_WORKDIR": str(workdir.path)}
    passing = runner.invoke(main, ["doctor"], env=env)
    assert passing.exit_code == 0, passing.output
    assert "ok    subnet: sim-public-subnet (regional)" in passing.output.splitlines()
    failing = runner.invoke(
        main, ["doctor", "--subnet-ocid", "ocid1.subnet.oc1.sim-region-1.aaaaaaaaunknownsubnet"], env=env
    )
    assert failing.exit_code == 1
    [line] = [line for line in failing.output.splitlines() if line.startswith("FAIL")]
    assert line.startswith(
        "FAIL  subnet: ocid1.subnet.oc1.sim-region-1.aaaaaaaaunknownsubnet was not found in sim-region-1"
    )
    assert "; fix: use a subnet of sim-region-1" in line


# ----- local checks -----


def test_one_line_names_every_missing_target(tmp_path):
    real = Workdir(tmp_path / "real")  # not simulated: no placeholders fill them in
    outcome = run(real, "required settings", env={"SUBNET_OCID": SUBNET})["required settings"]
    assert outcome.line() == (
        "FAIL  required settings: COMPARTMENT_OCID, AVAILABILITY_DOMAIN are not set; "
        "fix: export what is missing (see the README), or try --simulate ok"
    )


def test_a_missing_config_file_fails_with_how_to_create_it(tmp_path):
    real = Workdir(tmp_path / "real")  # not simulated: ~/.oci/config, absent in this HOME
    outcomes = run(real, "oci config", "key file", "region")
    assert outcomes["oci config"].status == "FAIL"
    assert outcomes["oci config"].detail.endswith(".oci/config does not exist")
    assert "API keys" in outcomes["oci config"].fix
    assert outcomes["key file"].status == outcomes["region"].status == "skip"
    assert outcomes["key file"].detail == "needs oci config to pass first"


def test_a_missing_profile_lists_the_ones_there_are(tmp_path, isolated_home):
    (isolated_home / ".oci").mkdir()
    (isolated_home / ".oci" / "config").write_text("[OTHER]\nregion = eu-frankfurt-1\n")
    outcomes = run(Workdir(tmp_path / "real"), "oci config", env={"OCI_PROFILE": "WORK"})
    assert "no profile [WORK]" in outcomes["oci config"].detail and "(it has: OTHER)" in outcomes["oci config"].detail
    assert "set OCI_PROFILE" in outcomes["oci config"].fix
    outcomes = run(Workdir(tmp_path / "real"), "oci config", env={"OCI_PROFILE": "OTHER"})
    assert outcomes["oci config"].detail.endswith("lacks user, tenancy, fingerprint, key_file")


def test_a_missing_key_file_fails(workdir, tmp_path):
    edit_profile(workdir, key_file=str(tmp_path / "nowhere.pem"))
    outcomes = run(workdir, *(c.name for c in checks.LOCAL_CHECKS))
    assert outcomes["key file"].status == "FAIL"
    assert outcomes["key file"].detail == f"{tmp_path / 'nowhere.pem'} does not exist"
    assert outcomes["key permissions"].status == outcomes["fingerprint"].status == "skip"


def test_a_key_readable_by_others_is_a_warning_with_chmod(workdir):
    key = simulated_cloud(workdir).api_key_path
    simulated_cloud(workdir).config_path("DEFAULT")
    key.chmod(0o644)
    outcome = run(workdir, "key permissions")["key permissions"]
    assert (outcome.status, outcome.fix) == ("warn", f"chmod 600 {key}")
    assert outcome.passed


def test_a_fingerprint_that_does_not_match_the_key_fails_and_stops_the_api_checks(workdir, store):
    profile = edit_profile(workdir, fingerprint="00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff")
    actual = oci_api.api_key_fingerprint(profile["key_file"])
    outcomes = run(workdir)
    assert outcomes["fingerprint"].status == "FAIL"
    assert (
        outcomes["fingerprint"].detail
        == f"the profile says 00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff, the key file's is {actual}"
    )
    assert f"set fingerprint={actual}" in outcomes["fingerprint"].fix
    assert all(outcomes[c.name].status == "skip" for c in doctor.API_CHECKS)
    assert store.calls() == []  # nothing was sent


def test_preflight_runs_only_local_checks_and_refuses_a_broken_config(workdir, store):
    session = command_session(workdir.path)
    assert {o.name for o in checks.preflight(session)} == {c.name for c in checks.LOCAL_CHECKS}
    edit_profile(workdir, fingerprint="00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff")
    with pytest.raises(UsageError) as caught:
        checks.preflight(session)
    assert caught.value.field == "fingerprint"
    assert "fix: " in caught.value.problem
    assert store.calls() == []


def test_an_unusable_engine_fails(workdir, tmp_path):
    context = checks.context_for(command_session(workdir.path, engine=str(tmp_path / "no-terraform")))
    [outcome] = checks.run_checks(context, (CHECKS["engine"],))
    assert outcome.status == "FAIL" and "is not an executable" in outcome.detail


def test_terraform_variables_the_tool_sets_itself_are_a_warning_by_name(workdir):
    clean = run(workdir, "engine environment")["engine environment"]
    assert clean.status == "ok"
    env = {"TF_WORKSPACE": "staging", "TF_CLI_ARGS_plan": "-refresh=false", "TF_LOG": "DEBUG"}
    outcome = run(workdir, "engine environment", env=env)["engine environment"]
    assert outcome.status == "warn" and outcome.passed
    assert "TF_CLI_ARGS_plan: " in outcome.detail and "TF_WORKSPACE: " in outcome.detail
    assert "TF_LOG" not in outcome.detail and "staging" not in outcome.detail


# ----- OCI checks -----


def test_a_key_oci_does_not_know_is_refused_by_the_api(workdir, tmp_path):
    stranger = new_key(tmp_path / "stranger.pem")
    edit_profile(workdir, key_file=str(stranger), fingerprint=oci_api.api_key_fingerprint(stranger))
    outcomes = run(workdir, *(c.name for c in checks.LOCAL_CHECKS), "region", "compartment")
    assert outcomes["fingerprint"].status == "ok"
    assert outcomes["region"].status == "FAIL"
    assert outcomes["region"].detail == "OCI refused the API key (NotAuthenticated)"
    assert "upload the key's public half" in outcomes["region"].fix
    assert outcomes["compartment"].status == "skip"


def test_availability_domains_must_exist_in_the_region(workdir):
    assert run(workdir, "availability domains", env={"AVAILABILITY_DOMAIN": "all"})[
        "availability domains"
    ].detail == ", ".join(ADS)
    outcome = run(workdir, "availability domains", env={"AVAILABILITY_DOMAIN": "SiMu:SIM-REGION-1-AD-9"})[
        "availability domains"
    ]
    assert (outcome.status, outcome.detail) == ("FAIL", "SiMu:SIM-REGION-1-AD-9 not in this region")
    assert ADS[0] in outcome.fix


def test_an_unknown_compartment_fails_and_skips_what_needs_it(workdir):
    unknown = "ocid1.compartment.oc1..aaaaaaaaunknowncompartment"
    outcomes = run(workdir, "compartment", "existing instances", "A1 limits", env={"COMPARTMENT_OCID": unknown})
    assert outcomes["compartment"].detail == f"{unknown} was not found, or your user may not read it"
    assert outcomes["existing instances"].status == outcomes["A1 limits"].status == "skip"
    tenancy = run(workdir, "compartment", env={"COMPARTMENT_OCID": PLACEHOLDERS["tenancy_ocid"]})["compartment"]
    assert tenancy.status == "ok" and tenancy.detail.startswith("sim-tenancy")


def test_an_ad_specific_subnet_must_match_the_availability_domain(workdir, store):
    edit_cloud(store, lambda cloud: cloud["subnets"][0].update(availability_domain=ADS[1]))
    outcome = run(workdir, "subnet")["subnet"]
    assert (outcome.status, outcome.detail) == ("FAIL", f"sim-public-subnet exists only in {ADS[1]}, not in {ADS[0]}")
    assert outcome.fix.startswith(f"set AVAILABILITY_DOMAIN={ADS[1]}")
    assert (
        run(workdir, "subnet", env={"AVAILABILITY_DOMAIN": ADS[1]})["subnet"].detail
        == f"sim-public-subnet (in {ADS[1]} only)"
    )


def test_a_private_subnet_fails(workdir, store):
    edit_cloud(store, lambda cloud: cloud["subnets"][0].update(prohibit_public_ip_on_vnic=True))
    outcome = run(workdir, "subnet")["subnet"]
    assert outcome.status == "FAIL" and "is private" in outcome.detail and "public subnet" in outcome.fix


def test_network_create_checks_the_vcn_quota_instead_of_a_subnet(workdir, store):
    env = {"NETWORK": "create", "SUBNET_OCID": ""}
    outcome = run(workdir, "subnet", env=env)["subnet"]
    assert (outcome.status, outcome.detail) == (
        "ok",
        "NETWORK=create: a VCN and public subnet of its own (1 of 50 VCNs used)",
    )
    edit_cloud(store, lambda cloud: cloud["limits"].update({"vcn-count": 1}))
    full = run(workdir, "subnet", env=env)["subnet"]
    assert full.status == "FAIL" and "all 1 of the region's are used" in full.detail and "NETWORK=existing" in full.fix


def test_an_image_that_does_not_fit_the_shape_or_does_not_exist_fails(workdir):
    x86 = run(workdir, "image", env={"IMAGE_OCID": X86_IMAGE})["image"]
    assert (x86.status, x86.detail) == (
        "FAIL",
        "Canonical-Ubuntu-22.04-Minimal-2026.10.31-0 (IMAGE_OCID) is not compatible with VM.Standard.A1.Flex",
    )
    unknown = "ocid1.image.oc1.sim-region-1.aaaaaaaaunknownimage"
    missing = run(workdir, "image", env={"IMAGE_OCID": unknown})["image"]
    assert (missing.status, missing.detail) == ("FAIL", f"{unknown} (IMAGE_OCID) was not found in sim-region-1")
    assert "images are regional" in missing.fix


def test_limits_with_no_room_for_the_size_are_reported_before_any_launch(workdir, store):
    launch(store, name="someone-else", tags={}, ocpus=1, memory=6)
    outcome = run(workdir, "A1 limits")["A1 limits"]
    assert outcome.status == "FAIL"
    assert outcome.detail == (
        "allowance 2 OCPUs / 12 GB (the tenancy's A1 limits), 1 OCPU / 6 GB used; "
        "no requested size (2 OCPUs / 12 GB) fits what is left (1 OCPU / 6 GB)"
    )
    assert "terminate the A1 instance" in outcome.fix
    smaller = run(workdir, "A1 limits", env={"OCPUS": "1", "MEMORY_GBS": "6"})["A1 limits"]
    assert (smaller.status, smaller.detail) == (
        "ok",
        "allowance 2 OCPUs / 12 GB (the tenancy's A1 limits), 1 OCPU / 6 GB used; 1 OCPU / 6 GB fits",
    )
    assert "LaunchInstance" not in [call["op"] for call in store.calls()]


def test_limits_held_by_our_own_instance_are_fine(workdir, store):
    launch(store)
    outcome = run(workdir, "A1 limits")["A1 limits"]
    assert (outcome.status, outcome.detail) == (
        "ok",
        "allowance 2 OCPUs / 12 GB (the tenancy's A1 limits), 2 OCPUs / 12 GB used, by coinpilot-ins (ours)",
    )


def test_the_allowance_is_the_tenancys_own(workdir, store):
    CloudStore.ensure(store.directory, allowance=Size(4, 24))
    outcome = run(workdir, "A1 limits", env={"OCPUS": "4", "MEMORY_GBS": "24"})["A1 limits"]
    assert (outcome.status, outcome.detail) == (
        "ok",
        "allowance 4 OCPUs / 24 GB (the tenancy's A1 limits), 0 OCPUs / 0 GB used; 4 OCPUs / 24 GB fits",
    )


def test_limits_the_user_may_not_read_fall_back_to_the_published_figure(workdir, monkeypatch):
    # A user without the policy gets a 404 from the Limits service: here it answers nothing at all.
    monkeypatch.setattr(
        rest_routes, "ROUTES", tuple(r for r in rest_routes.ROUTES if "/20190729/" not in r.path.pattern)
    )
    outcome = run(workdir, "A1 limits")["A1 limits"]
    assert (outcome.status, outcome.detail) == (
        "warn",
        "the tenancy's A1 limits could not be read (404 NotAuthorizedOrNotFound); using the published Always Free figure, 2 OCPUs / 12 GB",
    )
    assert "inspect resource-availability in tenancy" in outcome.fix


def test_another_workdirs_instance_is_not_ours(workdir, store):
    """Tagged by coinpilot-tf for another instance name: it holds the allowance, and it is not ours."""
    launch(store, name="coinpilot-other", tags={"coinpilot-tf": "coinpilot-other"})
    outcomes = run(workdir, "A1 limits", "existing instances")
    assert outcomes["A1 limits"].status == "FAIL" and "(ours)" not in outcomes["A1 limits"].detail
    assert outcomes["existing instances"].status == "ok"


def test_an_instance_with_our_tag_is_reported_unless_this_workdir_won_it(workdir, store):
    assert (
        run(workdir, "existing instances")["existing instances"].detail
        == "none is named coinpilot-ins or tagged coinpilot-tf=coinpilot-ins"
    )
    instance = launch(store, name="renamed-by-hand", tags={"coinpilot-tf": "coinpilot-ins"})
    outcome = run(workdir, "existing instances")["existing instances"]
    assert outcome.status == "warn"
    assert (
        outcome.detail
        == f"already named coinpilot-ins or tagged coinpilot-tf=coinpilot-ins: renamed-by-hand {instance['id']} (RUNNING)"
    )
    assert "`retry` adopts it" in outcome.fix
    workdir.launch_result.write_text(json.dumps({"instance_id": instance["id"]}))
    assert (
        run(workdir, "existing instances")["existing instances"].detail
        == f"{instance['id']} is the instance this workdir won"
    )
    store.terminate_instance(instance["id"])
    assert run(workdir, "existing instances")["existing instances"].status == "ok"


def test_clock_skew_against_the_api_date_header(workdir):
    assert run(workdir, "clock")["clock"].status == "ok"
    late = run(workdir, "clock", clock=lambda: time.time() - 120)["clock"]
    assert late.status == "warn" and late.detail.startswith("the API's clock is +1")
    far = run(workdir, "clock", clock=lambda: time.time() + 600)["clock"]
    assert far.status == "FAIL" and "more than 5 minutes off" in far.detail
    assert "NTP" in far.fix


# ----- notifications -----


@contextlib.contextmanager
def webhook_server(status):
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/webhooks/123/secret-token", received
    finally:
        server.shutdown()
        server.server_close()


def test_notify_test_sends_a_message_or_says_what_is_wrong(workdir):
    unset = run(workdir, "notifications")["notifications"]
    assert (unset.status, unset.detail) == ("FAIL", "no channel is set (DISCORD_WEBHOOK_URL, NOTIFY_URLS)")
    with webhook_server(204) as (url, received):
        sent = run(workdir, "notifications", env={"DISCORD_WEBHOOK_URL": url})["notifications"]
    assert (sent.status, sent.detail) == ("ok", "test message sent to 1 channel(s)")
    assert "test message" in received[0]["content"]
    with webhook_server(404) as (url, _):
        refused = run(workdir, "notifications", env={"DISCORD_WEBHOOK_URL": url})["notifications"]
    assert refused.status == "FAIL" and "HTTP 404" in refused.detail and "secret-token" not in refused.line()


# ----- real mode -----


def test_real_mode_discovers_the_image_when_none_is_set(tmp_path, isolated_home, store, workdir, monkeypatch):
    """A real workdir whose profile's API is the simulated one: only the endpoint differs."""
    config = simulated_cloud(workdir).config_path("DEFAULT")
    (isolated_home / ".oci").mkdir()
    (isolated_home / ".oci" / "config").write_text(config.read_text())
    env = {
        "COMPARTMENT_OCID": PLACEHOLDERS["compartment_ocid"],
        "SUBNET_OCID": PLACEHOLDERS["subnet_ocid"],
        "AVAILABILITY_DOMAIN": "all",
    }
    outcomes = run(Workdir(tmp_path / "real"), env=env, cloud=real_cloud_on(workdir.path / "simulator"))
    assert {name: o.line() for name, o in outcomes.items() if o.status != "ok"} == {}
    assert (
        outcomes["image"].detail
        == "Canonical-Ubuntu-22.04-Minimal-aarch64-2026.10.31-0 (discovered; the next render records it)"
    )
    assert outcomes["availability domains"].detail == ", ".join(ADS)


def test_launch_pacing_counts_the_journals_calls_and_warns_of_a_short_interval(workdir):
    journal = Journal(workdir.journal)
    for number in (1, 2):
        journal.append(Event.ATTEMPT, operation="launch", attempt=number, category="capacity")

    [paced] = run(workdir, "launch pacing").values()
    [hurried] = run(workdir, "launch pacing", env={"RETRY_INTERVAL_SECONDS": "30"}).values()

    assert paced.status == CheckStatus.OK
    assert paced.detail.startswith("2 LaunchInstance call(s) in the last 24 h of LAUNCH_BUDGET_PER_DAY=288")
    assert hurried.status == CheckStatus.WARN and "RETRY_INTERVAL_SECONDS=30 is under 60 s" in hurried.detail
    assert hurried.line().endswith("; fix: " + doctor.PACING_CHECK.fix)
