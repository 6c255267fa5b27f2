"""How often CAPACITY_PROBE's capacity report agreed with the launch it came before, from the journal.

A report entry (Event.CAPACITY_REPORT) is paired with the next attempt entry, if that attempt went
to the AD and size the report was asked for. Only the launches that won or met "Out of host
capacity" are compared: the report says nothing about the other failures. It agreed when it said
AVAILABLE and the launch won, or said otherwise and the launch met no capacity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .failures import AttemptOutcome, Category
from .journal import Event
from .oci_api import Availability

_COMPARED = (AttemptOutcome.SUCCESS, Category.CAPACITY)


@dataclass(frozen=True)
class Agreement:
    reports: int  # capacity reports in the journal (failed ones included)
    compared: int  # reports followed by a launch that won or met no capacity
    agreed: int

    def line(self) -> str | None:
        """status's line; None when no report was ever asked (CAPACITY_PROBE off)."""
        if not self.reports:
            return None
        asked = f"CAPACITY_PROBE asked the report {self.reports} time(s)"
        if not self.compared:
            return f"capacity:      {asked}; no launch after one has won or met no capacity yet"
        share = round(100 * self.agreed / self.compared)
        return f"capacity:      {asked}; it agreed with {self.agreed} of {self.compared} launches ({share}%)"

    def to_dict(self) -> dict[str, int]:
        return {"reports": self.reports, "compared": self.compared, "agreed": self.agreed}


def agreement(entries: Iterable[dict[str, Any]]) -> Agreement:
    """From the journal's entries, oldest first."""
    reports = compared = agreed = 0
    report: dict[str, Any] | None = None
    for entry in entries:
        event = entry.get("event")
        if event == Event.CAPACITY_REPORT:
            reports += 1
            report = entry
        elif event == Event.ATTEMPT:
            said = _said(report, entry)
            report = None
            if said is not None and entry.get("category") in _COMPARED:
                compared += 1
                agreed += (said == Availability.AVAILABLE) == (entry["category"] == AttemptOutcome.SUCCESS)
        elif event == Event.START:
            report = None
    return Agreement(reports, compared, agreed)


def _said(report: dict[str, Any] | None, attempt: dict[str, Any]) -> str | None:
    """What the report said of the attempt's AD and size; None if it is not about that attempt."""
    if report is None or (report.get("tried"), report.get("size")) != (
        attempt.get("availability_domain"),
        attempt.get("size"),
    ):
        return None
    availability = report.get("availability")
    return availability.get(attempt["availability_domain"]) if isinstance(availability, dict) else None
