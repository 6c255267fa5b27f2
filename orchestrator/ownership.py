"""Which instances are ours: the tag the module puts on the instance, the lifecycle states of one
that is going or gone, and which of several is kept. reconcile, doctor and the simulator's
`simulate stop|terminate|cpu` all ask here, so they never disagree on which instance they mean.
"""

from __future__ import annotations

from collections.abc import Iterable

from .instance import Instance

# The freeform tag the module puts on the instance; its value is INSTANCE_NAME.
OWNERSHIP_TAG_KEY = "coinpilot-tf"
# Lifecycle states of an instance that is going or gone: never ours to keep, start or stop
# (OCI refuses every action on a TERMINATING instance; TERMINATED ones stay listed for a while).
GONE_STATES = ("TERMINATING", "TERMINATED")


def is_ours(found: Instance, instance_name: str) -> bool:
    """A live instance carrying our name as its display name or as the value of our ownership tag.
    Another workdir's instance has another name, so it is never ours."""
    named = found.freeform_tags.get(OWNERSHIP_TAG_KEY) == instance_name or found.display_name == instance_name
    return named and found.lifecycle_state not in GONE_STATES


def ours_oldest_first(instances: Iterable[Instance], instance_name: str) -> list[Instance]:
    """Ours, the oldest first: the one kept when there are several (the first launch; later ones are
    the strays of launches whose result was lost). An instance of unknown age comes last."""
    ours = [found for found in instances if is_ours(found, instance_name)]
    return sorted(ours, key=lambda found: found.time_created.timestamp() if found.time_created else float("inf"))
