"""OCI's compute capacity report (CreateComputeCapacityReport): has an AD host capacity for the shape
at a size? `coinpilot-tf capacity` prints it; with CAPACITY_PROBE the loop asks it before each
attempt (loop/probe.py). OCI's report is known to be wrong at times: it orders ADs, never skips one.

The calls import the oci SDK: callers run them through in_child.call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .config import SHAPE
from .oci_api import ShapeAvailability
from .size import Size

if TYPE_CHECKING:
    from .cloud import Cloud


# Every OCI AD has these three fault domains.
FAULT_DOMAINS = ("FAULT-DOMAIN-1", "FAULT-DOMAIN-2", "FAULT-DOMAIN-3")


def report(
    cloud: Cloud,
    profile: str,
    availability_domains: Sequence[str],
    sizes: Sequence[Size],
    fault_domains: bool = False,
) -> list[ShapeAvailability]:
    """The report for each size of the shape in each AD (no ADs: every AD of the region), one
    CreateComputeCapacityReport per AD; fault_domains: each fault domain's line after the AD's."""
    where: tuple[str | None, ...] = (None, *FAULT_DOMAINS) if fault_domains else (None,)
    asked = [(size.ocpus, size.memory_gbs, fault_domain) for size in sizes for fault_domain in where]
    with cloud.api(profile) as api:
        ads = list(availability_domains) or api.availability_domains()
        return [line for ad in ads for line in api.capacity_report(ad, SHAPE, asked)]


def by_ad(cloud: Cloud, profile: str, availability_domains: Sequence[str], size: Size) -> dict[str, str]:
    """{AD: availabilityStatus} of one size in the given ADs (the probe's question)."""
    return {line.availability_domain: line.status for line in report(cloud, profile, availability_domains, [size])}


def line(found: ShapeAvailability, fault_domains: bool = False) -> str:
    """One line of `coinpilot-tf capacity`: AD, fault domain (fault_domains: a column, 'any' for
    the AD as a whole), size, status."""
    where = found.availability_domain + (f"  {found.fault_domain or 'any':<14}" if fault_domains else "")
    return f"{where}  {Size.of(found.ocpus, found.memory_gbs).spec:<6}  {found.status}"
