"""The loop: attempt, decide, tell, wait; until the operation is done.

The operation (operation.py) is a launch, a start of a stopped instance, or a grow. The parts:
- driver.py: the run (set up, find ours, launch/start/grow) and the attempt loop over the schedule;
- attempt.py: one attempt, with the plan cache (a saved plan per target, checked once per plan);
- endings.py: every way a run ends, as a RetryOutcome and its Ending;
- lifecycle.py: after the win (start a stopped instance, grow, record a lost one);
- ours.py: is our instance there (before the first launch, after a failure that may hide a success);
- limit.py: after LimitExceeded, who uses the A1 allowance across the tenancy (stop, or check again);
- backend.py: errored.tfstate back to the shared state backend;
- context.py: what the parts share, and the run's mutable state; schedule.py: the targets' order.
Policy (policy.py) decides every ending but success and interrupts; RunEvents tells the journal,
the reporter and the notifier; waiting happens only in policy.Waiter.
"""

from .driver import RetryLoop
from .endings import Ending, RetryOutcome

__all__ = ["Ending", "RetryLoop", "RetryOutcome"]
