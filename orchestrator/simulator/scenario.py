"""What the simulated cloud answers to each LaunchInstance, in order (`--simulate capacity*3,ok`)."""

from orchestrator.errors import UsageError

# The first eight are the failure categories a launch can meet; the last three leave the
# outcome of an accepted launch unknown to Terraform (crash-safety tests).
OUTCOMES = (
    "ok",
    "capacity",
    "throttle",
    "transient",
    "limit",
    "auth",
    "invalid",
    "unavailable",
    "timeout_running",
    "timeout_terminated",
    "lost",
)

# A scenario is stored expanded; this keeps a typo like capacity*1000000 from filling the disk.
MAX_REPEAT = 1000

_EXAMPLE = "capacity*3,throttle,ok"


def parse_scenario(text: str) -> list[str]:
    """`capacity*3,throttle,ok` -> ["capacity", "capacity", "capacity", "throttle", "ok"]."""
    if not text.strip():
        raise UsageError("--simulate", f"the scenario is empty; give a comma list such as {_EXAMPLE}")
    outcomes: list[str] = []
    for item in text.split(","):
        name, star, count_text = (part.strip() for part in item.partition("*"))
        if name not in OUTCOMES:
            raise UsageError(
                "--simulate",
                f"unknown outcome {name!r} in {text!r}; valid outcomes: {', '.join(OUTCOMES)}"
                f" (each may be followed by *N, e.g. {_EXAMPLE})",
            )
        count = 1
        if star:
            if not count_text.isdigit() or not 1 <= int(count_text) <= MAX_REPEAT:
                raise UsageError(
                    "--simulate",
                    f"{item.strip()!r}: the repeat count after '*' must be a whole number from 1 to {MAX_REPEAT}",
                )
            count = int(count_text)
        outcomes.extend([name] * count)
    return outcomes
