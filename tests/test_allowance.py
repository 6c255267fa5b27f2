"""The tenancy's A1 allowance: read from its limits, or the published figure, and what a run warns about."""

from orchestrator import allowance
from orchestrator.allowance import NOT_READ, PUBLISHED, Allowance
from orchestrator.config import load_settings
from orchestrator.oci_api import LimitUsage
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore
from orchestrator.size import Size

from .test_config import RUNBOOK_ENV

ADS = PLACEHOLDERS["availability_domains"]


def test_the_allowance_is_what_the_tenancys_limits_say(store, api):
    seeded = allowance.read(api, ADS[:1])
    assert (seeded.size, seeded.used, seeded.read) == (Size(2, 12), Size(0, 0), True)
    CloudStore.ensure(store.directory, allowance=Size(4, 24))
    four = allowance.read(api, ADS[:1])
    assert (four.size, four.read, four.described) == (Size(4, 24), True, "4 OCPUs / 24 GB, the tenancy's A1 limits")


def test_a_tenancy_with_only_per_ad_limits_counts_its_largest_ad():
    class PerAdOnly:
        def a1_limits(self, availability_domains):
            return [
                LimitUsage("standard-a1-core-count", ADS[0], 4, 1, 3),
                LimitUsage("standard-a1-memory-count", ADS[0], 24, 6, 18),
                LimitUsage("standard-a1-core-count", ADS[1], 2, 0, 2),
                LimitUsage("standard-a1-memory-count", ADS[1], 12, 0, 12),
            ]

    found = allowance.read(PerAdOnly(), ADS[:2])
    assert (found.size, found.used) == (Size(4, 24), Size(1, 6))


def test_no_a1_limits_at_all_is_the_published_figure_with_the_reason():
    class NoLimits:
        def a1_limits(self, availability_domains):
            return []

    found = allowance.read(NoLimits(), ADS[:1])
    assert (found.size, found.read, found.unread) == (PUBLISHED, False, "the tenancy shows no A1 limits")


def test_a_size_beyond_the_allowance_is_named_with_where_the_allowance_came_from():
    tenancy = Allowance(Size(2, 12), Size(0, 0))
    assert allowance.notices(tenancy, [Size(2, 12), Size(1, 6)]) == ()
    assert allowance.notices(tenancy, [Size(4, 24)]) == (
        "size 4 OCPUs / 24 GB exceeds the A1 allowance (2 OCPUs / 12 GB, the tenancy's A1 limits): "
        "OCI will refuse it (LimitExceeded) or bill it",
    )
    assert allowance.notices(Allowance(Size(4, 24), Size(0, 0)), [Size(4, 24)]) == ()
    assert "the published Always Free figure" in allowance.notices(NOT_READ, [Size(4, 24)])[0]


def test_limits_that_could_not_be_read_are_said_with_the_policy_that_lets_them_be():
    denied = Allowance(
        PUBLISHED,
        None,
        read=False,
        unread="the tenancy's A1 limits could not be read (404 X)",
        fix=allowance.READ_POLICY,
    )
    [unread] = allowance.notices(denied, [Size(1, 6)])
    assert unread.startswith(
        "the tenancy's A1 limits could not be read (404 X): using the published Always Free figure, 2 OCPUs / 12 GB; "
    )
    assert "inspect limits in tenancy" in unread


def test_only_a_ladder_beyond_the_published_figure_is_worth_asking_about():
    assert not allowance.worth_reading(load_settings({"sizes": ("2:12", "1:6")}, RUNBOOK_ENV))
    assert allowance.worth_reading(load_settings({"sizes": ("4:24", "2:12")}, RUNBOOK_ENV))
