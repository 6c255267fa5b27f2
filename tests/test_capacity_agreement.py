"""How often CAPACITY_PROBE's report agreed with the launch after it, from journal entries."""

from orchestrator.capacity_agreement import agreement

AD1, AD2 = "kIdk:US-ASHBURN-AD-1", "kIdk:US-ASHBURN-AD-2"


def report(tried=AD1, size="2:12", **availability):
    said = {AD1: availability.get("ad1", "AVAILABLE"), AD2: availability.get("ad2", "OUT_OF_HOST_CAPACITY")}
    return {"event": "capacity_report", "ts": 1.0, "size": size, "tried": tried, "availability": said}


def attempt(category, ad=AD1, size="2:12"):
    return {"event": "attempt", "ts": 2.0, "attempt": 1, "availability_domain": ad, "size": size, "category": category}


def test_available_then_a_win_and_out_of_capacity_then_capacity_agree():
    found = agreement([report(), attempt("success"), report(tried=AD2), attempt("capacity", ad=AD2)])
    assert (found.reports, found.compared, found.agreed) == (2, 2, 2)
    assert (
        found.line()
        == "capacity:      CAPACITY_PROBE asked the report 2 time(s); it agreed with 2 of 2 launches (100%)"
    )


def test_available_then_out_of_capacity_disagrees():
    found = agreement([report(), attempt("capacity"), report(ad1="OUT_OF_HOST_CAPACITY"), attempt("success")])
    assert (found.compared, found.agreed) == (2, 0)
    assert found.line().endswith("it agreed with 0 of 2 launches (0%)")


def test_only_wins_and_capacity_failures_are_compared():
    found = agreement([report(), attempt("throttle"), report(), attempt("limit")])
    assert (found.reports, found.compared) == (2, 0)
    assert found.line().endswith("no launch after one has won or met no capacity yet")


def test_a_report_pairs_only_with_the_next_attempt_at_its_ad_and_size():
    found = agreement(
        [
            report(),
            attempt("capacity", ad=AD2),  # another AD: not what the report was asked for
            attempt("success"),  # no report just before it
            report(size="1:6"),
            attempt("success", size="2:12"),
            report(),
            {"event": "start", "ts": 3.0},  # a new run: the report before it is not this run's
            attempt("success"),
        ]
    )
    assert (found.reports, found.compared) == (3, 0)


def test_a_failed_report_is_counted_but_compares_nothing():
    failed = {"event": "capacity_report", "ts": 1.0, "size": "2:12", "tried": AD1, "error": "404 NotAuthorized"}
    found = agreement([failed, attempt("success")])
    assert (found.reports, found.compared) == (1, 0)


def test_no_report_no_line():
    found = agreement([attempt("capacity"), attempt("success")])
    assert found.line() is None
    assert found.to_dict() == {"reports": 0, "compared": 0, "agreed": 0}
