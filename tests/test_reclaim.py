"""Reclaim risk: the 7-day 95th percentile against Oracle's 20% line; Monitoring failures are told, never raised."""

from orchestrator.errors import ToolError, UsageError
from orchestrator.reclaim import percentile, reclaim_risk


def test_nearest_rank_percentile():
    assert percentile([5.0], 95) == 5.0
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([30.0] * 94 + [1.0] * 6, 95) == 30.0


def test_under_the_idle_line_warns():
    risk = reclaim_risk(lambda: [5.0] * 2016)
    assert (risk.cpu_p95, risk.samples, risk.warning) == (5.0, 2016, True)
    assert "under Oracle's 20% line" in risk.describe()
    assert risk.to_dict()["warning"] is True and risk.to_dict()["cpu_p95_7d"] == 5.0


def test_a_busy_instance_does_not_warn():
    risk = reclaim_risk(lambda: [3.0] * 90 + [45.0] * 10)
    assert risk.cpu_p95 == 45.0 and not risk.warning


def test_monitoring_that_cannot_be_read_is_reported_not_raised():
    def no_policy():
        raise ToolError("SummarizeMetricsData: 404 NotAuthorizedOrNotFound: Authorization failed\n<html>...</html>")

    def no_config():
        raise UsageError("OCI_PROFILE", "~/.oci/config does not exist")

    for read in (no_policy, no_config, list):
        risk = reclaim_risk(read)
        assert risk.cpu_p95 is None and not risk.warning
        assert risk.describe().startswith("CPU use unknown (")
        assert "\n" not in risk.describe()
    assert "Compute Instance Monitoring plugin" in reclaim_risk(list).describe()
