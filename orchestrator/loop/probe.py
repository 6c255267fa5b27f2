"""CAPACITY_PROBE: before each launch attempt, OCI's compute capacity report for the size about to
be tried, in the ADs still to try at that size in this sweep; the first one reported AVAILABLE goes
first.

The report is known to be wrong at times, so it only orders (schedule.py: every target is still
tried in its sweep, one LaunchInstance per attempt). Each report is journaled just before the
attempt it ordered, so `status` can say how often it agreed (capacity_agreement.py). A report that
fails is journaled too, and the sweep goes on in its own order.
"""

from __future__ import annotations

from ..errors import ToolError, UsageError
from ..oci_api import Availability
from ..render import Target
from ..size import Size
from .context import RunContext


class CapacityProbe:
    def __init__(self, context: RunContext):
        self.context = context
        self.failed_before = False  # a failing report is told once, journaled each time

    def pick(self, pending: list[Target]) -> Target:
        """schedule.Pick: the next target, among the pending ones of the first one's size."""
        size = pending[0].size
        same_size = [target for target in pending if target.size == size]
        events = self.context.events
        try:
            answers = self._ask([target.availability_domain for target in same_size], size)
        except (ToolError, UsageError) as error:  # the report is a hint: never the end of the run
            events.capacity_reported(size.spec, same_size[0].availability_domain, error=str(error))
            if not self.failed_before:
                events.note(f"capacity report failed ({error}); the ADs are tried in their own order")
            self.failed_before = True
            return same_size[0]
        chosen = first_available(same_size, answers)
        events.capacity_reported(size.spec, chosen.availability_domain, answers=answers)
        if chosen != same_size[0]:
            events.note(f"capacity report: {chosen.availability_domain} has capacity for {size.spec}; trying it first")
        return chosen

    def _ask(self, availability_domains: list[str], size: Size) -> dict[str, str]:
        """In a child process: the oci SDK never stays in the process that waits between attempts."""
        from .. import in_child
        from ..capacity_report import by_ad

        context = self.context
        return in_child.call(by_ad, context.tf.cloud, context.settings.oci_profile, availability_domains, size)


def first_available(same_size: list[Target], answers: dict[str, str]) -> Target:
    """The first target whose AD the report says is AVAILABLE; else the first in order."""
    return next(
        (target for target in same_size if answers.get(target.availability_domain) == Availability.AVAILABLE),
        same_size[0],
    )
