"""The simulated Monitoring API: SummarizeMetricsData for the compute agent's CpuUtilization.

Queries are MQL of the form Metric[interval]{dimension = "value"}.statistic(argument).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from orchestrator.simulator.rest_protocol import (
    ApiError,
    Reply,
    Request,
    queried_compartment,
    required,
)
from orchestrator.simulator.store import CloudStore

COMPUTE_AGENT_NAMESPACE = "oci_computeagent"

_MQL = re.compile(r"\s*(\w+)\s*\[\s*(\d+)([mhd])\s*\]\s*(?:\{([^}]*)\})?\s*\.\s*(\w+)\s*\(\s*([^)]*?)\s*\)\s*")
_MQL_DIMENSION = re.compile(r'\s*(\w+)\s*=\s*"([^"]*)"\s*')
_MQL_STATISTICS = ("mean", "max", "min", "sum", "count", "rate", "percentile")
_INTERVAL_UNIT = {"m": "minutes", "h": "hours", "d": "days"}
# With no startTime, OCI summarizes the three hours before the call.
_DEFAULT_WINDOW = timedelta(hours=3)


def summarize_metrics_data(store: CloudStore, request: Request) -> Reply:
    """The compute agent's CpuUtilization of each instance whose series is set (`simulate cpu`):
    the same value at every point, so every statistic of it is that value."""
    compartment_id = queried_compartment(store, request.query)
    namespace = required(request.body, "namespace")
    query = required(request.body, "query")
    metric, interval, filters, statistic = _mql(query)
    end = _parse_time(request.body.get("endTime"), datetime.now(UTC))
    start = _parse_time(request.body.get("startTime"), end - _DEFAULT_WINDOW)
    fields = {"namespace": namespace, "query": query}
    if namespace != COMPUTE_AGENT_NAMESPACE or metric != "CpuUtilization":
        return Reply([], {**fields, "series": 0})
    series = {
        instance_id: percent
        for instance_id, percent in store.cpu_utilisation(compartment_id).items()
        if filters.get("resourceId", instance_id) == instance_id
    }
    stamps = _timestamps(start, end, interval)
    resolution = request.body.get("resolution") or f"{int(interval.total_seconds() // 60)}m"
    body = [
        {
            "namespace": namespace,
            "resourceGroup": None,
            "compartmentId": compartment_id,
            "name": metric,
            "dimensions": {"resourceId": instance_id},
            "metadata": {"unit": "percent", "displayName": "CPU Utilization"},
            "resolution": resolution,
            "aggregatedDatapoints": [
                {"timestamp": stamp, "value": _statistic(statistic, percent, interval)} for stamp in stamps
            ],
        }
        for instance_id, percent in series.items()
    ]
    return Reply(body, {**fields, "series": len(body)})


def _timestamps(start: datetime, end: datetime, interval: timedelta) -> list[str]:
    stamps = []
    moment = start
    while moment < end:
        stamps.append(moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
        moment += interval
    return stamps


def _statistic(statistic: str, percent: float, interval: timedelta) -> float:
    """A statistic over one interval of a series that reports `percent` every minute."""
    samples = interval.total_seconds() / 60
    return {"sum": percent * samples, "count": samples, "rate": 0.0}.get(statistic, percent)


def _parse_time(text: str | None, default: datetime) -> datetime:
    if text is None:
        return default
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, "InvalidParameter", f"Invalid time {text!r}; use RFC 3339.") from None


def _mql(query: str) -> tuple[str, timedelta, dict[str, str], str]:
    """(metric, interval, dimension filter, statistic); 400 InvalidParameter if it is not MQL we know."""
    match = _MQL.fullmatch(query)
    if match is None or match.group(5) not in _MQL_STATISTICS:
        raise ApiError(
            400, "InvalidParameter", f"Invalid query {query!r}: expected e.g. CpuUtilization[1d].percentile(0.95)."
        )
    metric, amount, unit, dimensions, statistic, _ = match.groups()
    filters = {}
    for clause in re.split(r",|&&", dimensions or ""):
        if clause.strip():
            dimension = _MQL_DIMENSION.fullmatch(clause)
            if dimension is None:
                raise ApiError(400, "InvalidParameter", f"Invalid dimension filter {clause.strip()!r} in {query!r}.")
            filters[dimension.group(1)] = dimension.group(2)
    return metric, timedelta(**{_INTERVAL_UNIT[unit]: int(amount)}), filters, statistic
