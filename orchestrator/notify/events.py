"""What the loop tells people, and the words for it: one formatter per event.

A new event is one Event member and one formatter in MESSAGES. The text is Discord's
(light Markdown); other channels get it as plain text (see plain_text).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping

from ..humanize import duration, timestamp
from ..size import Size

DISCORD_CONTENT_LIMIT = 2000
STOP_MESSAGE_LIMIT = 1500


class Event(enum.StrEnum):
    """The names NOTIFY_EVENTS accepts."""

    STARTED = "started"
    PROGRESS = "progress"
    CATEGORY = "category"
    SUCCESS = "success"
    STOP = "stop"
    GAVE_UP = "gave_up"
    INTERRUPTED = "interrupted"
    WON_ELSEWHERE = "won_elsewhere"  # another run sharing the state backend won it
    GROWING = "growing"  # `grow` begins resizing the won instance
    GROWN = "grown"
    STARTING = "starting"  # the instance was found stopped: retrying START
    STARTED_INSTANCE = "started_instance"
    INSTANCE_LOST = "instance_lost"  # found terminated: launching a new one
    BUDGET = "budget"  # LAUNCH_BUDGET_PER_DAY is spent: the loop waits (told once a run)
    DIGEST = "digest"  # every DIGEST_INTERVAL_SECONDS while the loop runs
    TEST = "test"  # `notify test`: never filtered out


def _started(instance_name: str, ads: Iterable[str], sizes: Iterable[tuple[float, float]]) -> str:
    """sizes: (ocpus, memory_gbs) pairs, in the order they are tried."""
    return (
        f"🚀 **coinpilot-tf started** for `{instance_name}`\n"
        f"ADs: {', '.join(ads)}\n"
        f"Sizes: {', '.join(_shape(ocpus, memory_gbs) for ocpus, memory_gbs in sizes)}"
    )


def _progress(attempts: int, counts_per_category: Mapping[str, int], elapsed_seconds: float) -> str:
    counts = sorted(counts_per_category.items(), key=lambda item: -item[1])
    return f"⏳ Still trying: **{_attempts(attempts)}** in {duration(elapsed_seconds)}\n" + " · ".join(
        f"{category} {count}" for category, count in counts
    )


def _category(old: str, new: str, wait_seconds: float) -> str:
    return f"🔀 **{old} → {new}**: next attempt in {duration(wait_seconds)}"


def _success(
    instance_id: str,
    public_ip: str | None,
    availability_domain: str,
    ocpus: float,
    memory_gbs: float,
    ssh_command: str | None,
) -> str:
    lines = [
        "✅ **Won the instance!**",
        f"ID: `{instance_id}`",
        f"IP: `{public_ip}`" if public_ip else "IP: none (no public IP)",
        f"AD: `{availability_domain}`",
        f"Shape: {_shape(ocpus, memory_gbs)}",
    ]
    if ssh_command:
        lines.append(f"SSH: `{ssh_command}`")
    return "\n".join(lines)


def _stop(category: str, reason: str) -> str:
    """A failure retrying cannot fix."""
    # A ``` in the reason would end the code block early.
    shown = _clip(reason.replace("```", "'''"), STOP_MESSAGE_LIMIT)
    return f"🛑 **Stopped: {category}**. Retrying cannot fix this:\n```\n{shown}\n```"


def _gave_up(attempts: int, reason: str) -> str:
    return f"🏳️ **Gave up** after {_attempts(attempts)}: {reason}"


def _interrupted(attempts: int) -> str:
    return f"⏹️ **Interrupted** after {_attempts(attempts)}."


def _won_elsewhere(instance_id: str, attempts: int) -> str:
    return (
        f"🤝 **Another run won it**: `{instance_id}` is in the shared state; "
        f"this run stops after {_attempts(attempts)}, nothing launched by it."
    )


def _growing(instance_name: str, current: tuple[float, float], wanted: tuple[float, float]) -> str:
    return (
        f"📈 **coinpilot-tf grow** for `{instance_name}`: {_shape(*current)} → "
        f"{_shape(*wanted)} (the instance reboots when it succeeds)"
    )


def _grown(instance_id: str, ocpus: float, memory_gbs: float, attempts: int) -> str:
    return f"✅ **Instance resized** to {_shape(ocpus, memory_gbs)} after {_attempts(attempts)}\nID: `{instance_id}`"


def _starting(instance_id: str, lifecycle_state: str) -> str:
    return f"⏸️ **Instance {lifecycle_state}**: stopped by OCI or a user; starting it\nID: `{instance_id}`"


def _started_instance(instance_id: str, public_ip: str | None, attempts: int) -> str:
    return f"✅ **Instance started** after {_attempts(attempts)}\nID: `{instance_id}`\n" + (
        f"IP: `{public_ip}`" if public_ip else "IP: none (no public IP)"
    )


def _instance_lost(instance_id: str, lifecycle_state: str) -> str:
    return f"⚠️ **Instance {lifecycle_state}**: terminated by OCI or a user; launching a new one\nWas: `{instance_id}`"


def _budget(calls: int, budget: int, resume_at: float) -> str:
    return (
        f"⏸️ **Launch budget spent**: {calls} LaunchInstance calls in the last 24 h "
        f"(LAUNCH_BUDGET_PER_DAY={budget}); waiting until {timestamp(resume_at)}, then one call per freed slot"
    )


def _digest(
    since: float,
    counts_per_category: Mapping[str, int],
    calls_last_24h: int,
    budget: int,
    capacity_report: str | None,
    next_attempt_at: float | None,
) -> str:
    """budget 0: no budget; capacity_report: the newest report's answer, if one was asked for."""
    counts = sorted(counts_per_category.items(), key=lambda item: -item[1])
    lines = [
        f"📋 **Digest** since {timestamp(since)}: {_attempts(sum(counts_per_category.values()))}",
        " · ".join(f"{category} {count}" for category, count in counts) or "no attempt",
        f"LaunchInstance calls in the last 24 h: {calls_last_24h}"
        + (f" of {budget} (LAUNCH_BUDGET_PER_DAY)" if budget else " (no budget)"),
    ]
    if capacity_report:
        lines.append(f"Last capacity report: {capacity_report}")
    lines.append(f"Next attempt: {timestamp(next_attempt_at)}" if next_attempt_at else "Next attempt: now")
    return "\n".join(lines)


def _test() -> str:
    return "🔔 coinpilot-tf test message: notifications work."


MESSAGES: dict[Event, Callable[..., str]] = {
    Event.STARTED: _started,
    Event.PROGRESS: _progress,
    Event.CATEGORY: _category,
    Event.SUCCESS: _success,
    Event.STOP: _stop,
    Event.GAVE_UP: _gave_up,
    Event.INTERRUPTED: _interrupted,
    Event.WON_ELSEWHERE: _won_elsewhere,
    Event.GROWING: _growing,
    Event.GROWN: _grown,
    Event.STARTING: _starting,
    Event.STARTED_INSTANCE: _started_instance,
    Event.INSTANCE_LOST: _instance_lost,
    Event.BUDGET: _budget,
    Event.DIGEST: _digest,
    Event.TEST: _test,
}


def message(event: Event, **fields) -> str:
    return _clip(MESSAGES[event](**fields), DISCORD_CONTENT_LIMIT)


_MARKUP = re.compile(r"\*\*|`")


def plain_text(text: str) -> str:
    """The message without Discord's Markdown, for channels that show text as it is."""
    return "\n".join(_MARKUP.sub("", line) for line in text.splitlines() if line.strip() != "```")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _attempts(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"


def _shape(ocpus: float, memory_gbs: float) -> str:
    """A size as the Terraform outputs and the settings give it, shown as everywhere else (size.Size)."""
    return str(Size.of(ocpus, memory_gbs))
