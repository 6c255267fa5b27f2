"""scripts/bench/first_run.py: a first `retry --simulate` from an empty folder, timed."""

import os

from scripts.bench.first_run import measure


def test_a_first_rehearsal_is_timed_end_to_end():
    report = measure(1, dict(os.environ))
    assert (report["runs"], report["scenario"]) == (1, "capacity,ok")
    assert report["wall_seconds_median"] > 0 and report["machine_cpu_seconds_median"] > 0
