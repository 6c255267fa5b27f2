"""What the simulated cloud answers, in order, to each operation a scenario names.

`capacity*3,ok` gives the LaunchInstance outcomes; sections give more operations:
`launch=capacity*3,ok;update=capacity*2,ok;start=capacity,ok`. An operation the scenario
leaves out always answers ok.
"""

import re

from orchestrator.errors import UsageError

# The failure categories any operation can meet, after "ok".
ANSWERS = ("ok", "capacity", "throttle", "transient", "limit", "auth", "invalid", "unavailable")
# A launch may also be accepted with its outcome left unknown to Terraform (crash-safety tests).
LAUNCH_ONLY = ("timeout_running", "timeout_terminated", "lost")
OUTCOMES = ANSWERS + LAUNCH_ONLY

# Which outcomes each operation takes: launch (LaunchInstance), update (UpdateInstance that
# resizes), start (InstanceAction START).
OPERATIONS = {"launch": OUTCOMES, "update": ANSWERS, "start": ANSWERS}

# A scenario is stored expanded; this keeps a typo like capacity*1000000 from filling the disk.
MAX_REPEAT = 1000

_EXAMPLE = "capacity*3,throttle,ok"
_SECTIONS_EXAMPLE = "launch=capacity*3,ok;update=capacity*2,ok;start=capacity,ok"
# str.isdigit() also accepts digits such as '²' that int() refuses.
_COUNT = re.compile(r"[0-9]+")

Scenario = dict[str, list[str]]


def parse_scenario(text: str, field: str = "--simulate") -> Scenario:
    """`capacity*2,ok;start=throttle,ok` -> {"launch": [capacity, capacity, ok], "start": [throttle, ok],
    "update": [ok]}; UsageError naming `field` for anything else."""
    if not text.strip():
        raise UsageError(field, f"the scenario is empty; give a comma list such as {_EXAMPLE}")
    sections = text.split(";")
    if len(sections) == 1 and "=" not in text:
        return {**_defaults(), "launch": _outcomes(text, "launch", field)}
    scenario: Scenario = {}
    for section in sections:
        operation, equals, outcomes = (part.strip() for part in section.partition("="))
        if not equals:
            raise UsageError(
                field,
                f"section {section.strip()!r} of {text!r} names no operation; write each as OPERATION=OUTCOMES,"
                f" e.g. {_SECTIONS_EXAMPLE}",
            )
        if operation not in OPERATIONS:
            raise UsageError(
                field,
                f"unknown operation {operation!r} in {text!r}; valid operations: {', '.join(OPERATIONS)}",
            )
        if operation in scenario:
            raise UsageError(field, f"operation {operation!r} appears twice in {text!r}; give each operation once")
        scenario[operation] = _outcomes(outcomes, operation, field)
    return {**_defaults(), **scenario}


def _defaults() -> Scenario:
    return {operation: ["ok"] for operation in OPERATIONS}


def _outcomes(text: str, operation: str, field: str) -> list[str]:
    valid = OPERATIONS[operation]
    outcomes: list[str] = []
    for item in text.split(","):
        name, star, count_text = (part.strip() for part in item.partition("*"))
        if name not in valid:
            raise UsageError(
                field,
                f"unknown {operation} outcome {name!r} in {text.strip()!r}; valid {operation} outcomes: {', '.join(valid)}"
                f" (each may be followed by *N, e.g. {_EXAMPLE})",
            )
        count = 1
        if star:
            if not _COUNT.fullmatch(count_text) or not 1 <= int(count_text) <= MAX_REPEAT:
                raise UsageError(
                    field,
                    f"{item.strip()!r}: the repeat count after '*' must be a whole number from 1 to {MAX_REPEAT}",
                )
            count = int(count_text)
        outcomes.extend([name] * count)
    return outcomes
