import io
import json
import time

from orchestrator.progress import Reporter

ENTRY = {
    "ts": 1_800_000_000.0,
    "attempt": 7,
    "availability_domain": "kIdk:US-ASHBURN-AD-1",
    "size": "2:12",
    "category": "capacity",
    "wait": 600,
}


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_one_live_line_with_colour_and_the_next_attempt_time():
    screen = Terminal()
    reporter = Reporter(screen, "auto", environ={})
    reporter.attempt(ENTRY, "out of capacity")
    reporter.attempt({**ENTRY, "attempt": 8}, "out of capacity")
    reporter.finish()
    text = screen.getvalue()
    assert text.count("\r\x1b[K") == 2 and text.count("\n") == 1
    assert "attempt 8 kIdk:US-ASHBURN-AD-1 2 OCPUs / 12 GB" in text and "\x1b[33mcapacity\x1b[0m" in text
    assert "next in 10m at" in text


def test_no_color_is_honoured():
    screen = Terminal()
    Reporter(screen, "auto", environ={"NO_COLOR": "1"}).attempt(ENTRY, "out of capacity")
    assert "\x1b[33m" not in screen.getvalue()


def test_not_a_terminal_gets_one_line_per_attempt():
    log = io.StringIO()
    reporter = Reporter(log, "auto", environ={})
    reporter.attempt(ENTRY, "out of capacity")
    reporter.attempt({**ENTRY, "attempt": 8}, "out of capacity")
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and "\x1b" not in log.getvalue()
    assert "attempt 8 kIdk:US-ASHBURN-AD-1 2 OCPUs / 12 GB: capacity, next in 10m at " in lines[1]
    assert lines[1].endswith("(out of capacity)")


def test_times_read_as_everywhere_else(monkeypatch):
    """One format for people (humanize.timestamp): the line's time and the next attempt's."""
    log = io.StringIO()
    with monkeypatch.context() as zone:
        zone.setenv("TZ", "UTC")
        time.tzset()
        Reporter(log, "text", environ={}).attempt(ENTRY, "out of capacity")
    time.tzset()  # back to the process's own zone

    assert log.getvalue() == (
        "2027-01-15 08:00:00 UTC attempt 7 kIdk:US-ASHBURN-AD-1 2 OCPUs / 12 GB: capacity, "
        "next in 10m at 2027-01-15 08:10:00 UTC (out of capacity)\n"
    )


def test_json_lines_for_unattended_runs():
    log = io.StringIO()
    reporter = Reporter(log, "json", environ={})
    reporter.attempt(ENTRY, "out of capacity")
    reporter.note("Discord notification failed")
    first, second = map(json.loads, log.getvalue().splitlines())
    assert first["attempt"] == 7 and first["reason"] == "out of capacity"
    assert second == {"event": "note", "message": "Discord notification failed"}


BUDGET_WAIT = {"ts": 1_800_000_000.0, "event": "budget_wait", "calls": 288, "budget": 288, "wait": 190.0}
WAITING = "launch budget: 288 LaunchInstance calls in the last 24 h (LAUNCH_BUDGET_PER_DAY=288); next attempt in 3m 10s"


def test_a_wait_for_the_launch_budget_takes_the_live_line_until_the_next_attempt():
    screen = Terminal()
    reporter = Reporter(screen, "auto", environ={})
    reporter.attempt(ENTRY, "out of capacity")
    reporter.waiting(BUDGET_WAIT, WAITING)
    reporter.attempt({**ENTRY, "attempt": 8}, "out of capacity")
    reporter.finish()
    assert screen.getvalue().count("\r\x1b[K") == 3 and screen.getvalue().count("\n") == 1
    assert "\r\x1b[K" + WAITING in screen.getvalue()


def test_a_wait_for_the_launch_budget_is_a_line_in_a_log_and_an_object_in_json():
    log, lines = io.StringIO(), io.StringIO()
    Reporter(log, "text").waiting(BUDGET_WAIT, WAITING)
    Reporter(lines, "json").waiting(BUDGET_WAIT, WAITING)
    assert log.getvalue().endswith(f" {WAITING}\n") and log.getvalue().count("\n") == 1
    assert json.loads(lines.getvalue()) == {**BUDGET_WAIT, "message": WAITING}
