"""After LimitExceeded (and no instance of ours): what uses the A1 allowance across the tenancy.

Someone else's live A1 instance ends the run, named with its compartment; none lets the policy's
`limit` rule wait and check again (OCI may still count a terminated instance). limit_explain.py
does the looking; here it becomes an ending, or None to go on.
"""

from __future__ import annotations

from .. import in_child
from ..errors import ToolError
from ..failures import Category
from ..limit_explain import explain, tenancy_a1_instances
from .context import RunContext
from .endings import Endings, RetryOutcome


class ExplainLimit:
    def __init__(self, context: RunContext, endings: Endings):
        self.context = context
        self.endings = endings

    def look(self) -> RetryOutcome | None:
        """List every A1 instance of the tenancy (in a child: the SDK never stays in the waiting
        process); the stop naming the others that use the allowance, or None to go on."""
        context = self.context
        settings = context.settings
        try:
            found = in_child.call(tenancy_a1_instances, context.tf.cloud, settings.oci_profile)
        except ToolError as error:
            context.events.note(f"could not list the tenancy's A1 instances ({error}); going on as the policy says")
            return None
        explanation = explain(found, settings.instance_name)
        for line in explanation.lines:
            context.events.note(line)
        if explanation.stop_reason:
            return self.endings.stopped(Category.LIMIT, explanation.stop_reason)
        return None
