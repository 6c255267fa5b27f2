"""Image discovery through the real oci SDK against the simulated REST endpoint."""

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from orchestrator import images
from orchestrator.errors import ToolError
from orchestrator.launch_inputs import prepare
from orchestrator.simulator.cloud import SimulatedCloud
from orchestrator.simulator.store import PLACEHOLDERS, REGION
from orchestrator.workdir import Workdir

from .session import REPOSITORY, command_session, real_cloud_on

COMPARTMENT = PLACEHOLDERS["compartment_ocid"]
TENANCY = PLACEHOLDERS["tenancy_ocid"]
NEWEST_SEEDED = PLACEHOLDERS["image_ocid"]  # Canonical-Ubuntu-22.04-Minimal-aarch64-2026.10.31-0


def image(suffix, name, version, shapes, created, compartment=None):
    return {
        "id": f"ocid1.image.oc1.{REGION}.aaaaaaaa{suffix}",
        "compartment_id": compartment,
        "display_name": name,
        "operating_system": "Canonical Ubuntu",
        "operating_system_version": version,
        "time_created": created,
        "compatible_shapes": shapes,
    }


def edit_cloud(store, change):
    path = store.directory / "cloud.json"
    cloud = json.loads(path.read_text())
    change(cloud)
    path.write_text(json.dumps(cloud))


def add_images(store, *new):
    edit_cloud(store, lambda cloud: cloud["images"].extend(new))


A1 = ["VM.Standard.A1.Flex", "BM.Standard.A1.160"]
DECOYS = (  # all newer than the newest seeded match, none acceptable
    image(
        "x86minimal",
        "Canonical-Ubuntu-22.04-Minimal-2026.11.20-0",
        "22.04 Minimal",
        ["VM.Standard.E4.Flex"],
        "2026-11-20T00:00:00.000Z",
    ),
    image("armfull", "Canonical-Ubuntu-22.04-aarch64-2026.11.21-0", "22.04", A1, "2026-11-21T00:00:00.000Z"),
    image(
        "bmonly",
        "Canonical-Ubuntu-22.04-Minimal-aarch64-2026.11.22-0",
        "22.04 Minimal aarch64",
        ["BM.Standard.A1.160"],
        "2026-11-22T00:00:00.000Z",
    ),
    image(
        "noble",
        "Canonical-Ubuntu-24.04-Minimal-aarch64-2026.11.23-0",
        "24.04 Minimal aarch64",
        A1,
        "2026-11-23T00:00:00.000Z",
    ),
)


def test_discovery_picks_the_newest_minimal_aarch64_image_that_fits_a1(store, api):
    add_images(store, *DECOYS)
    found, where = images.discover(api, COMPARTMENT)
    assert found.id == NEWEST_SEEDED
    assert where == COMPARTMENT
    ops = [call["op"] for call in store.calls()]
    assert ops == ["ListImages", "ListImageShapeCompatibilityEntries"]


def test_a_newer_match_wins(store, api):
    newer = image(
        "newer",
        "Canonical-Ubuntu-22.04-Minimal-aarch64-2026.11.28-0",
        "22.04 Minimal aarch64",
        A1,
        "2026-11-28T00:00:00.000Z",
    )
    add_images(store, *DECOYS, newer)
    assert images.discover(api, COMPARTMENT)[0].id == newer["id"]


def test_an_unreadable_compartment_falls_back_to_the_tenancy(store, api):
    unreadable = "ocid1.compartment.oc1..aaaaaaaanotreadablebyyou"
    found, where = images.discover(api, unreadable)
    assert (found.id, where) == (NEWEST_SEEDED, TENANCY)
    assert [(c["op"], c["status"], c.get("compartment_id")) for c in store.calls() if c["op"] == "ListImages"] == [
        ("ListImages", 404, None),
        ("ListImages", 200, TENANCY),
    ]


def test_nothing_visible_in_the_compartment_falls_back_to_the_tenancy(store, api):
    # The only images are custom ones kept in the tenancy: the compartment lists none of them.
    edit_cloud(store, lambda cloud: [i.update(compartment_id=TENANCY) for i in cloud["images"]])
    assert images.newest_matching(api, COMPARTMENT) is None
    assert images.discover(api, COMPARTMENT) == (api.get_image(NEWEST_SEEDED), TENANCY)


def test_no_match_anywhere_names_the_fix(store, api):
    edit_cloud(store, lambda cloud: cloud.update(images=list(DECOYS)))
    with pytest.raises(ToolError, match="set IMAGE_OCID"):
        images.discover(api, COMPARTMENT)


def test_the_choice_is_recorded_and_reused_until_refresh(store, api, tmp_path):
    workdir = Workdir(tmp_path / "workdir")
    connects = []

    def connection():
        connects.append(1)
        return api

    chosen = images.resolve(workdir, COMPARTMENT, connection, refresh=False)
    assert chosen.image_ocid == NEWEST_SEEDED and chosen.found_in == COMPARTMENT
    path = images.record_path(workdir)
    assert json.loads(path.read_text())["image_ocid"] == NEWEST_SEEDED
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    newer = image(
        "newer",
        "Canonical-Ubuntu-22.04-Minimal-aarch64-2026.11.28-0",
        "22.04 Minimal aarch64",
        A1,
        "2026-11-28T00:00:00.000Z",
    )
    add_images(store, newer)
    calls_before = len(store.calls())
    assert images.resolve(workdir, COMPARTMENT, connection, refresh=False) == chosen
    assert len(connects) == 1 and len(store.calls()) == calls_before  # no API call at all

    assert images.resolve(workdir, COMPARTMENT, connection, refresh=True).image_ocid == newer["id"]
    assert images.recorded(workdir).image_ocid == newer["id"]


def test_a_damaged_record_says_what_to_do(tmp_path):
    workdir = Workdir(tmp_path)
    images.record_path(workdir).write_text("{not json")
    with pytest.raises(ToolError, match="--refresh-image"):
        images.recorded(workdir)


def test_prepare_in_real_mode_discovers_the_image_and_all_ads(store, monkeypatch, tmp_path):
    """The profile's API is the simulated one here; everything else is real mode."""
    # retry's local checks read ~/.oci/config before anything else: the simulated tenancy's is valid.
    home_config = Path(os.environ["HOME"]) / ".oci" / "config"
    home_config.parent.mkdir(parents=True)
    shutil.copy(SimulatedCloud(store.directory, Workdir(store.directory)).config_path("DEFAULT"), home_config)
    environ = {
        "COMPARTMENT_OCID": COMPARTMENT,
        "SUBNET_OCID": PLACEHOLDERS["subnet_ocid"],
        "AVAILABILITY_DOMAIN": "all",
        "COINPILOT_TF_WORKDIR": str(tmp_path / "workdir"),
    }
    session = command_session(tmp_path / "workdir", {**os.environ, **environ})
    session.cloud = real_cloud_on(store.directory)
    monkeypatch.setenv("PYTHONPATH", REPOSITORY)  # the lookups run in a child Python, which takes that cloud along
    prepared = prepare(session)
    assert prepared.settings.image_ocid == NEWEST_SEEDED
    assert prepared.availability_domains == tuple(PLACEHOLDERS["availability_domains"])
    assert images.recorded(prepared.workdir).image_ocid == NEWEST_SEEDED
    assert "LaunchInstance" not in [c["op"] for c in store.calls()]

    calls_before = len(store.calls())
    again = command_session(
        tmp_path / "workdir", {**os.environ, **environ, "AVAILABILITY_DOMAIN": PLACEHOLDERS["availability_domains"][1]}
    )
    again.cloud = real_cloud_on(store.directory)
    prepare(again)
    assert len(store.calls()) == calls_before  # recorded image, named AD: no connection at all
