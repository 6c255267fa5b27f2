"""The instance, as every part of the tool sees it: listed by the oci SDK, held in Terraform's
state, kept by reconcile, shown by status. One model; each source fills what it knows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .size import Size

# Terraform's state writes times as Go prints them ("2026-06-01 09:00:00.123 +0000 UTC"), OCI as ISO 8601.
_OCI_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d{1,6})?\d*\s*([+-]\d{4}|Z)?")


@dataclass(frozen=True)
class Instance:
    id: str
    display_name: str | None = None
    lifecycle_state: str | None = None  # as of the last look (a refresh, a listing)
    availability_domain: str | None = None
    compartment_id: str | None = None
    shape: str | None = None
    ocpus: float | None = None
    memory_gbs: float | None = None
    freeform_tags: dict[str, str] = field(default_factory=dict)
    time_created: datetime | None = None
    public_ip: str | None = None
    private_ip: str | None = None
    tainted: bool = False  # Terraform's mark in state: its create did not finish

    @property
    def size(self) -> Size | None:
        return None if self.ocpus is None or self.memory_gbs is None else Size.of(self.ocpus, self.memory_gbs)

    @classmethod
    def from_state(cls, attributes: dict[str, Any], tainted: bool = False) -> Instance:
        """From the attributes of oci_core_instance in Terraform's state."""
        shape_config = (attributes.get("shape_config") or [{}])[0]
        return cls(
            id=attributes.get("id", ""),
            display_name=attributes.get("display_name"),
            lifecycle_state=attributes.get("state"),
            availability_domain=attributes.get("availability_domain"),
            compartment_id=attributes.get("compartment_id"),
            shape=attributes.get("shape"),
            ocpus=shape_config.get("ocpus"),
            memory_gbs=shape_config.get("memory_in_gbs"),
            freeform_tags=dict(attributes.get("freeform_tags") or {}),
            time_created=parse_oci_time(attributes.get("time_created")),
            public_ip=attributes.get("public_ip") or None,
            private_ip=attributes.get("private_ip") or None,
            tainted=tainted,
        )


def parse_oci_time(text: str | None) -> datetime | None:
    match = _OCI_TIME.match(text or "")
    if not match:
        return None
    day, clock, fraction, offset = match.groups()
    offset = "+00:00" if offset in (None, "Z") else f"{offset[:3]}:{offset[3:]}"
    return datetime.fromisoformat(f"{day}T{clock}{fraction or ''}{offset}")
