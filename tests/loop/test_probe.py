"""CAPACITY_PROBE's pick against the simulated OCI: each report is journaled before the attempt it
orders; a report that fails is journaled and told once, and the sweep keeps its own order."""

import io
from types import SimpleNamespace

from orchestrator.journal import Journal
from orchestrator.loop.probe import CapacityProbe
from orchestrator.notify import Notifier
from orchestrator.progress import Reporter
from orchestrator.render import Target
from orchestrator.run_events import RunEvents
from orchestrator.simulator.cloud import SimulatedCloud
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore
from orchestrator.size import Size
from orchestrator.workdir import Workdir

AD1, AD2 = PLACEHOLDERS["availability_domains"][:2]
BIG, SMALL = Size(2, 12), Size(1, 6)


def probe(store, tmp_path):
    """The probe with what it uses of a run: its events (a real journal) and the cloud."""
    output = io.StringIO()
    events = RunEvents(
        Journal(tmp_path / "journal.jsonl"), Reporter(output), Notifier(None), once=False, notify_every=10
    )
    cloud = SimulatedCloud(store.directory, Workdir(store.directory))
    context = SimpleNamespace(
        events=events, tf=SimpleNamespace(cloud=cloud), settings=SimpleNamespace(oci_profile="DEFAULT")
    )
    return CapacityProbe(context), events, output


def test_the_report_for_the_first_size_is_asked_in_its_ads_and_journaled(store, tmp_path):
    CloudStore.ensure(store.directory, "capacity,ok")
    capacity_probe, events, _ = probe(store, tmp_path)

    picked = capacity_probe.pick([Target(AD1, BIG), Target(AD2, BIG), Target(AD1, SMALL)])

    assert picked == Target(AD1, BIG)  # no AD available: the sweep's own order
    [entry] = list(events.journal.entries())
    assert (entry["event"], entry["size"], entry["tried"]) == ("capacity_report", "2:12", AD1)
    assert entry["availability"] == {AD1: "OUT_OF_HOST_CAPACITY", AD2: "OUT_OF_HOST_CAPACITY"}
    assert events.last_capacity_report == entry
    assert [call["op"] for call in store.calls()] == ["CreateComputeCapacityReport"] * 2


def test_a_failing_report_is_journaled_each_time_told_once_and_keeps_the_order(store, tmp_path):
    capacity_probe, events, output = probe(store, tmp_path)
    unknown = Target("SiMu:SIM-REGION-1-AD-9", BIG)  # the endpoint refuses an AD it does not have

    assert capacity_probe.pick([unknown, Target(AD1, BIG)]) == unknown
    assert capacity_probe.pick([unknown]) == unknown

    entries = list(events.journal.entries())
    assert [entry["tried"] for entry in entries] == [unknown.availability_domain] * 2
    assert all("400 InvalidParameter" in entry["error"] and "availability" not in entry for entry in entries)
    assert output.getvalue().count("capacity report failed") == 1
