"""Two machines, one shared state: never two instances.

Each trial stands two workdirs for two machines: the same INSTANCE_NAME, the same `pg` state on a
real PostgreSQL server, and one simulated cloud (COINPILOT_TF_SIMULATOR_DIR). Both start
`retry --simulate ...` at the same moment or a little apart. In two trials the first machine's
run is SIGKILLed in the middle of its first apply, and it is started again (as its user would) at
the moment the second machine starts, while the killed run's Terraform still finishes. Every
trial must end with exactly one live instance, and both workdirs' `output --json` naming it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestrator.simulator.kill_hook import ENV as KILL_AT

from .session import COINPILOT, Session


@dataclass(frozen=True)
class Race:
    scenario: str
    offset: float  # seconds between the two starts
    kill_first_at_apply: bool = False


RACES = (
    Race("ok", 0.0),
    Race("capacity,ok", 0.0),
    Race("capacity*2,ok", 0.0),
    Race("capacity*3,ok", 0.4),
    Race("capacity,ok", 1.0),
    Race("ok", 2.0),
    Race("capacity*2,ok", 0.2, kill_first_at_apply=True),
    Race("ok", 0.0, kill_first_at_apply=True),
    Race("throttle,capacity,ok", 0.3),
    Race("capacity*3,ok", 1.5),
)
RUN_TIMEOUT = 240


def _machine(base: Path, name: str, shared: dict[str, str]) -> Session:
    workdir = base / name
    return Session(workdir, {**os.environ, **shared, "COINPILOT_TF_WORKDIR": str(workdir)})


def _start(session: Session, args: list[str], extra: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [COINPILOT, *args],
        env={**session.env, **(extra or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _trial(number: int, race: Race, base: Path, conn_str: str) -> None:
    shared = {
        "HOME": str(base / "home"),
        "XDG_DATA_HOME": str(base / "home" / "data"),
        "INSTANCE_NAME": "coinpilot-race",
        "NO_COLOR": "1",
        "RETRY_INTERVAL_SECONDS": "0",
        "THROTTLE_RETRY_BASE_SECONDS": "1",
        "THROTTLE_RETRY_MAX_SECONDS": "1",
        "THROTTLE_JITTER_MAX_SECONDS": "0",
        "STATE_BACKEND": "pg",
        "PG_CONN_STR": conn_str,
        "STATE_BACKEND_CONFIG": f"schema_name=race_{os.getpid()}_{number}",
        "COINPILOT_TF_SIMULATOR_DIR": str(base / "cloud"),
    }
    first, second = _machine(base, "machine-a", shared), _machine(base, "machine-b", shared)
    # The shared cloud and its throwaway API key exist before the race, as OCI does.
    seeded = first.run("render", "--simulate", race.scenario)
    assert seeded.returncode == 0, seeded.stderr
    args = ["retry", "--simulate", race.scenario]
    if race.kill_first_at_apply:
        # The first machine dies at its first launch (its Terraform goes on, holding the state
        # lock); its user starts it again at the moment the second machine starts.
        killed = _start(first, args, {KILL_AT: "apply"})
        killed_output = killed.communicate(timeout=RUN_TIMEOUT)[0]
        assert killed.returncode == -signal.SIGKILL, killed_output
        args = ["retry"]
    a = _start(first, args)
    time.sleep(race.offset)
    b = _start(second, args if not race.kill_first_at_apply else ["retry", "--simulate", race.scenario])
    outputs = {"a": a.communicate(timeout=RUN_TIMEOUT)[0], "b": b.communicate(timeout=RUN_TIMEOUT)[0]}
    where = f"trial {number} {race}:\n" + "\n".join(f"--- {name}:\n{text}" for name, text in outputs.items())
    assert (a.returncode, b.returncode) == (0, 0), where

    # Nothing either machine met was unrecognised (a refresh racing the other's first state write was).
    assert [e for m in (first, second) for e in m.journal("attempt") if e["category"] == "unknown"] == [], where
    live = first.live_instances()
    assert len(live) == 1, f"{len(live)} live instances; {where}"
    for machine in (first, second):
        output = machine.run("output", "--json")
        assert json.loads(output.stdout).get("instance_id") == live[0]["id"], where + output.stderr


def _race_id(race: Race) -> str:
    return f"{race.scenario}-{race.offset:g}s" + ("-killed" if race.kill_first_at_apply else "")


# Each race is a test case of its own: pytest-xdist runs them side by side.
@pytest.mark.parametrize(
    "number, race", list(enumerate(RACES)), ids=[f"{n}-{_race_id(r)}" for n, r in enumerate(RACES)]
)
def test_two_machines_racing_on_one_shared_state_end_with_one_instance(tmp_path, postgres, number, race):
    _trial(number, race, tmp_path, postgres.conn_str)
