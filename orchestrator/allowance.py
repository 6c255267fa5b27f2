"""The tenancy's A1 allowance: read from its limits (the Limits service), or the published figure when they cannot be read.

Always Free's A1 allowance is not one number: 2026 material says 2 OCPUs / 12 GB, older material
4 / 24, and tenancies differ. The tenancy's own limits say what holds for this user: the regional
standard-a1-core-regional-count and standard-a1-memory-regional-count (and the per-AD
standard-a1-core-count / standard-a1-memory-count, where a tenancy has only those), with their usage.
`doctor` and `retry` read them; without permission they say so and use the published figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config import FREE_MEMORY_GBS, FREE_OCPUS, Settings
from .oci_api import ApiError, LimitUsage, OciApi
from .size import Size, plain_number

if TYPE_CHECKING:
    from .cloud import Cloud

PUBLISHED = Size(FREE_OCPUS, FREE_MEMORY_GBS)
# What lets a group read the limits and their usage (OCI's Limits, Quotas and Usage policy reference).
READ_POLICY = (
    "let your group read them: `Allow group <yours> to inspect limits in tenancy` and "
    "`Allow group <yours> to inspect resource-availability in tenancy`"
)


@dataclass(frozen=True)
class Allowance:
    """The A1 allowance a launch counts against, what live instances use of it, and where the numbers came from."""

    size: Size
    used: Size | None  # None when the limits were not read
    usages: tuple[LimitUsage, ...] = ()
    read: bool = True  # False: the published figure stands in
    unread: str | None = None  # why the tenancy's limits could not be read
    fix: str | None = None  # how to let the tool read them

    @property
    def described(self) -> str:
        """As a warning names it: '2 OCPUs / 12 GB, the tenancy's A1 limits'."""
        source = "the tenancy's A1 limits" if self.read else "the published Always Free figure"
        return f"{self.size}, {source}"

    def fits(self, size: Size) -> bool:
        return size.ocpus <= self.size.ocpus and size.memory_gbs <= self.size.memory_gbs


# When nothing asked the tenancy (the ladder fits the published figure, or `render`).
NOT_READ = Allowance(PUBLISHED, None, read=False)


def read(api: OciApi, availability_domains: Iterable[str]) -> Allowance:
    """The tenancy's allowance from its A1 limits; the published figure, with the reason, if they cannot be read."""
    try:
        usages = tuple(api.a1_limits(tuple(availability_domains)))
    except ApiError as error:
        denied = error.status in (403, 404)
        reason = f"the tenancy's A1 limits could not be read ({error.status or 'no response'} {error.code})"
        return Allowance(PUBLISHED, None, read=False, unread=reason, fix=READ_POLICY if denied else None)
    size, used = _totals(usages, "value"), _totals(usages, "used")
    if size is None:
        return Allowance(
            PUBLISHED,
            None,
            usages,
            read=False,
            unread="the tenancy shows no A1 limits",
            fix="check Console > Governance > Limits, Quotas and Usage (compute)",
        )
    return Allowance(size, used, usages)


def tenancy_allowance(cloud: Cloud, profile: str, availability_domains: tuple[str, ...]) -> Allowance:
    """read(), through the cloud's API (for in_child.call: the SDK stays out of the waiting loop)."""
    with cloud.api(profile) as api:
        return read(api, availability_domains)


def worth_reading(settings: Settings) -> bool:
    """Does the answer change what a run says? Only when a size of the ladder is beyond the
    published figure: a smaller allowance is told by the launch's own LimitExceeded (limit_explain.py)."""
    return not all(NOT_READ.fits(size) for size in settings.size_list())


def notices(allowance: Allowance, sizes: Iterable[Size]) -> tuple[str, ...]:
    """Warnings before a run: the limits could not be read; a size of the ladder beyond the allowance."""
    unread = (f"{allowance.unread}: using the published Always Free figure, {PUBLISHED}",) if allowance.unread else ()
    if allowance.unread and allowance.fix:
        unread = (f"{unread[0]}; {allowance.fix}",)
    beyond = tuple(
        f"size {size} exceeds the A1 allowance ({allowance.described}): OCI will refuse it (LimitExceeded) or bill it"
        for size in sizes
        if not allowance.fits(size)
    )
    return unread + beyond


def _totals(usages: Iterable[LimitUsage], field: str) -> Size | None:
    """Cores and memory of the regional limits (`field`: value or used); of the largest AD's where a
    tenancy has per-AD limits only. None if either is missing."""
    regional = [usage for usage in usages if usage.availability_domain is None]
    found: dict[str, float] = {}
    for usage in regional or usages:
        found[usage.resource] = max(found.get(usage.resource, 0), getattr(usage, field))
    if {"core", "memory"} - found.keys():
        return None
    return Size(int(found["core"]), plain_number(float(found["memory"])))
