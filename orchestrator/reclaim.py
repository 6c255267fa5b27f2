"""Reclaim risk: would Oracle call this Always Free instance idle?

Oracle reclaims (stops) an idle Always Free instance when, over 7 days, its 95th-percentile CPU
utilisation (and network, and memory on A1) stays under 20%. The CPU part is read from OCI
Monitoring (the compute agent's CpuUtilization). Reading it may fail for ordinary reasons (no
agent, no policy for metrics, no network): that is reported, never raised.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ToolError, UsageError

if TYPE_CHECKING:
    from .cloud import Cloud
    from .workdir import Workdir

WINDOW_DAYS = 7
PERCENTILE = 95
IDLE_LINE_PERCENT = 20.0


@dataclass(frozen=True)
class ReclaimRisk:
    """cpu_p95: the 7-day 95th percentile in %, None when it could not be read (`unknown` says why)."""

    cpu_p95: float | None
    samples: int
    unknown: str | None = None

    @property
    def warning(self) -> bool:
        return self.cpu_p95 is not None and self.cpu_p95 < IDLE_LINE_PERCENT

    def describe(self) -> str:
        if self.cpu_p95 is None:
            return f"CPU use unknown ({self.unknown})"
        text = f"{WINDOW_DAYS}-day {PERCENTILE}th-percentile CPU {self.cpu_p95:.1f}%"
        if self.warning:
            return (
                text + f": under Oracle's {IDLE_LINE_PERCENT:g}% line, it may stop this instance as idle "
                "(give it real work, or expect `coinpilot-tf retry` to start it again)"
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "cpu_p95_7d": None if self.cpu_p95 is None else round(self.cpu_p95, 2),
            "samples": self.samples,
            "idle_line": IDLE_LINE_PERCENT,
            "warning": self.warning,
            "unknown": self.unknown,
        }


def percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def reclaim_risk(read_cpu: Callable[[], list[float]]) -> ReclaimRisk:
    """read_cpu: the CPU series (oci_api.OciApi.cpu_utilization bound to the instance)."""
    try:
        values = read_cpu()
    except (ToolError, UsageError, OSError) as error:  # UsageError: no usable OCI config; OSError: a read-only disk
        # One short line: an error body can be a whole HTML page.
        first_line = next(iter(str(error).splitlines()), "")[:200]
        return ReclaimRisk(None, 0, f"Monitoring could not be read: {first_line}")
    if not values:
        return ReclaimRisk(
            None,
            0,
            "Monitoring has no CpuUtilization for it: is the Oracle Cloud Agent's "
            "Compute Instance Monitoring plugin on?",
        )
    return ReclaimRisk(percentile(values, PERCENTILE), len(values))


def workdir_reclaim_risk(workdir: Workdir, cloud: Cloud) -> Callable[[str], ReclaimRisk]:
    """Reads an instance's risk with the profile and compartment the workdir's module uses."""

    def risk(instance_id: str) -> ReclaimRisk:
        def read_cpu() -> list[float]:
            try:
                values = json.loads(workdir.tfvars.read_text())
                profile, compartment = values["oci_profile"], values["compartment_ocid"]
            except (OSError, ValueError, KeyError) as error:
                raise ToolError(f"{workdir.tfvars.name} names no profile and compartment ({error})") from None
            with cloud.api(profile) as api:
                return api.cpu_utilization(instance_id, compartment)

        return reclaim_risk(read_cpu)

    return risk
