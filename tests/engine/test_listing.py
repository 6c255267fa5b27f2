"""engine/listing.py: the compartment's instances, through the module's data source, read by a
refresh-only plan that writes nothing."""

from orchestrator.engine.listing import LISTING_PLAN, listed_instances
from orchestrator.launch_inputs import prepare
from orchestrator.ownership import OWNERSHIP_TAG_KEY
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore
from orchestrator.size import Size

from ..session import command_session
from ..workdirs import copy_session


def test_every_instance_of_the_compartment_is_listed_and_nothing_is_written(won_template, tmp_path, monkeypatch):
    session = copy_session(won_template, tmp_path)
    CloudStore.ensure(session.workdir / "simulator", allowance=Size(4, 24))
    occupied = session.run("simulate", "occupy", "1:6", "--compartment", PLACEHOLDERS["compartment_ocid"])
    assert occupied.returncode == 0, occupied.stderr  # someone else's instance
    [ours] = [found for found in session.live_instances() if found["freeform_tags"]]
    state, calls = (session.workdir / "terraform.tfstate").read_bytes(), len(session.calls("ListInstances"))
    monkeypatch.setenv("COINPILOT_TF_WORKDIR", str(session.workdir))
    command = command_session(session.workdir)
    prepare(command)

    listed = {found.id: found for found in listed_instances(command.terraform)}

    assert set(listed) == {found["id"] for found in session.live_instances()} and len(listed) == 2
    assert listed[ours["id"]].freeform_tags == {OWNERSHIP_TAG_KEY: ours["display_name"]}
    assert (listed[ours["id"]].lifecycle_state, listed[ours["id"]].time_created is not None) == ("RUNNING", True)
    assert len(session.calls("ListInstances")) == calls + 1
    assert (session.workdir / "terraform.tfstate").read_bytes() == state
    assert not (session.workdir / LISTING_PLAN).exists()
