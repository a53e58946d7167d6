"""The year's rules, table by table at their boundaries (issue 25): each row is a case a planted bug must fail."""
import datetime as dt

import pytest

from automation.rules import (carry_forward, is_in_future, is_late, is_overdue, overall_status, pick_latest,
                              unit_counts)

D, P, N, NA = "已完成", "推进中", "未启动", "不适用"
LEAD, RESP, COOP = "lead", "responsible", "cooperate"


@pytest.mark.parametrize("units, statuses, expected", [
    ([], {}, "未分解"),
    ([("甲", LEAD)], {}, N),                                          # nothing answered yet
    ([("甲", LEAD)], {"甲": None}, N),
    ([("甲", LEAD)], {"甲": N}, N),
    ([("甲", LEAD)], {"甲": P}, P),
    ([("甲", LEAD)], {"甲": D}, D),
    ([("甲", LEAD)], {"甲": NA}, NA),
    ([("甲", LEAD), ("乙", RESP)], {"甲": D, "乙": NA}, D),            # 不适用 does not hold a task back
    ([("甲", LEAD), ("乙", RESP)], {"甲": D, "乙": N}, P),             # one owner done: under way
    ([("甲", LEAD), ("乙", RESP)], {"甲": D, "乙": None}, P),
    ([("甲", LEAD), ("乙", RESP)], {"甲": N, "乙": P}, P),
    ([("甲", LEAD), ("乙", RESP)], {"甲": N, "乙": None}, N),
    ([("甲", LEAD), ("乙", RESP)], {"甲": NA, "乙": NA}, NA),
    ([("甲", LEAD), ("乙", COOP)], {"甲": D, "乙": N}, D),             # a cooperating unit never blocks
    ([("甲", LEAD), ("乙", COOP)], {"甲": N, "乙": D}, N),             # nor finishes the task for the lead
    ([("乙", COOP), ("丙", COOP)], {"乙": D, "丙": P}, P),             # only cooperating units: they decide
    ([("乙", COOP), ("丙", COOP)], {"乙": D, "丙": D}, D),
])
def test_overall_status(units, statuses, expected):
    assert overall_status(units, statuses) == expected


@pytest.mark.parametrize("deadline, today, overall, expected", [
    (dt.date(2021, 6, 30), dt.date(2021, 6, 30), N, False),          # the deadline day itself is in time
    (dt.date(2021, 6, 30), dt.date(2021, 7, 1), N, True),
    (dt.date(2021, 6, 30), dt.date(2021, 7, 1), P, True),
    (dt.date(2021, 6, 30), dt.date(2021, 7, 1), D, False),
    (dt.date(2021, 6, 30), dt.date(2021, 7, 1), NA, False),
    (dt.date(2021, 6, 30), dt.date(2021, 7, 1), "未分解", False),
    (None, dt.date(2021, 12, 31), N, False),                          # no deadline: never overdue
])
def test_is_overdue(deadline, today, overall, expected):
    assert is_overdue(deadline, today, overall) is expected


@pytest.mark.parametrize("saved, due, expected", [
    ("2021-07-10T00:00:00", dt.date(2021, 7, 10), False),
    ("2021-07-10T23:59:59", dt.date(2021, 7, 10), False),            # on the due day: on time
    ("2021-07-11T00:00:00", dt.date(2021, 7, 10), True),
    (dt.datetime(2021, 7, 9, 8), dt.date(2021, 7, 10), False),
    ("2021-12-31T10:00:00", None, False),                             # no cut-off: nobody is late
])
def test_is_late(saved, due, expected):
    assert is_late(saved, due) is expected


@pytest.mark.parametrize("day, today, expected", [
    (dt.date(2021, 7, 15), dt.date(2021, 7, 15), False),             # done today is not in the future
    (dt.date(2021, 7, 16), dt.date(2021, 7, 15), True),
    (dt.date(2021, 7, 14), dt.date(2021, 7, 15), False),
])
def test_is_in_future(day, today, expected):
    assert is_in_future(day, today) is expected


@pytest.mark.parametrize("statuses, deadlines, expected", [
    ([], [], {"tasks": 0, "done": 0, "in_progress": 0, "na": 0, "overdue": 0, "rate": 1.0}),
    ([D, NA, NA], [None] * 3, {"tasks": 3, "done": 1, "in_progress": 0, "na": 2, "overdue": 0, "rate": 1.0}),
    ([D, P, N, NA], [None] * 4, {"tasks": 4, "done": 1, "in_progress": 1, "na": 1, "overdue": 0, "rate": 1 / 3}),
    ([NA, NA], [None] * 2, {"tasks": 2, "done": 0, "in_progress": 0, "na": 2, "overdue": 0, "rate": 1.0}),
    ([None, P], [dt.date(2021, 7, 1), dt.date(2021, 6, 30)],             # today 07-01: only 06-30 is past
     {"tasks": 2, "done": 0, "in_progress": 1, "na": 0, "overdue": 1, "rate": 0.0}),
    ([D, NA, N], [dt.date(2021, 1, 1)] * 3, {"tasks": 3, "done": 1, "in_progress": 0, "na": 1, "overdue": 1,
                                             "rate": 0.5}),
])
def test_unit_counts_leave_not_applicable_out_of_the_total(statuses, deadlines, expected):
    assert unit_counts(statuses, deadlines, dt.date(2021, 7, 1)) == pytest.approx(expected)


def test_carry_forward_takes_the_newest_answer():
    sent = {"R1": {"甲": ("f1",), "乙": ("f2",)}, "R2": {"甲": ("f3",)}, "R3": {}}
    states = carry_forward(["R1", "R2", "R3"], sent)
    assert states[0] == {"甲": ("f1", "R1"), "乙": ("f2", "R1")}
    assert states[1] == {"甲": ("f3", "R2"), "乙": ("f2", "R1")}         # a silent unit keeps its answer
    assert states[2] == states[1]                                       # a silent round keeps everything
    assert carry_forward([], sent) == []


@pytest.mark.parametrize("files, used, said", [
    ([(1, "a.xlsx", "2021-07-08T10:00:00", "s")], "a.xlsx", "保存时间最新：2021-07-08 10:00:00"),
    ([(1, "a.xlsx", "2021-07-08T10:00:00", "s"), (2, "b.xlsx", "2021-07-09T10:00:00", "s")], "b.xlsx",
     "保存时间最新：2021-07-09 10:00:00"),
    ([(1, "a.xlsx", "2021-07-08T10:00:00", "s"), (2, "b.xlsx", "2021-07-08T10:00:00", "s")], "b.xlsx",
     "a.xlsx与b.xlsx 保存时间相同"),                                      # a tie names both
])
def test_which_of_two_returns_is_used(files, used, said):
    chosen, why = pick_latest(files)
    assert chosen[1] == used and said in why
