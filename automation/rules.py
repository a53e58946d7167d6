"""The year's rules as pure functions: a task's status over its units, a unit's counts, lateness, overdue
tasks, carry-forward and which of two returns is used.  ``standing`` applies them to the ledger; the tests
check them table by table at their boundaries.
"""
from __future__ import annotations

import datetime as dt

from .unitbook import DONE, NA

IN_PROGRESS, NOT_STARTED, UNASSIGNED = "推进中", "未启动", "未分解"


def overall_status(units: list[tuple[str, str]], statuses: dict) -> str:
    """A task's status over its units ((unit, role) pairs; ``statuses``: unit -> its status or None).  The
    owners (lead and responsible units; the cooperating ones only when there are no others) decide: all 不适用
    is 不适用; every applicable owner done is 已完成; any owner done or under way is 推进中; else 未启动."""
    if not units:
        return UNASSIGNED
    owners = [u for u, r in units if r != "cooperate"] or [u for u, _ in units]
    applicable = [u for u in owners if statuses.get(u) != NA]
    if not applicable:
        return NA
    if all(statuses.get(u) == DONE for u in applicable):
        return DONE
    if any(statuses.get(u) in (DONE, IN_PROGRESS) for u in owners):
        return IN_PROGRESS
    return NOT_STARTED


def is_overdue(deadline: dt.date | None, today: dt.date, overall: str) -> bool:
    """Past its deadline (the deadline day itself is still in time) and not finished, 不适用 or unassigned."""
    return bool(deadline and deadline < today and overall not in (DONE, NA, UNASSIGNED))


def is_late(saved: dt.datetime | str, due: dt.date | None) -> bool:
    """A return saved after its cut-off day (any time on the due day itself is on time)."""
    if due is None:
        return False
    when = dt.datetime.fromisoformat(saved) if isinstance(saved, str) else saved
    return when.date() > due


def is_in_future(day: dt.date, as_of: dt.date) -> bool:
    """A date after the day of the collect (today itself is not in the future)."""
    return day > as_of


def unit_counts(statuses: list, deadlines: list, today: dt.date) -> dict:
    """A unit's counts over its tasks' statuses: 不适用 tasks are left out of the base of its rate."""
    done = sum(1 for s in statuses if s == DONE)
    na = sum(1 for s in statuses if s == NA)
    base = len(statuses) - na
    return {"tasks": len(statuses), "done": done, "in_progress": sum(1 for s in statuses if s == IN_PROGRESS),
            "na": na, "overdue": sum(1 for s, d in zip(statuses, deadlines) if d and d < today and s not in (DONE, NA)),
            "rate": (done / base) if base else 1.0}


def carry_forward(rounds: list[str], sent: dict[str, dict]) -> list[dict]:
    """The state as of each round: unit -> (its latest return..., round).  ``sent``: round -> unit -> its
    return in that round.  A silent unit keeps its newest answer; nothing older replaces a newer one."""
    states, state = [], {}
    for r in rounds:
        state = {**state, **{u: (*v, r) for u, v in sent.get(r, {}).items()}}
        states.append(state)
    return states


def pick_latest(files: list[tuple]) -> tuple[tuple, str]:
    """Of a unit's returns in one round ((id, name, saved, source), oldest first), the one used and why.  Two
    saved at the same time are a tie: both are named and the later received is used."""
    used = files[-1]
    tied = [f for f in files if f[2] == used[2]]
    when = used[2].replace("T", " ")
    if len(tied) > 1:
        return used, f"{'与'.join(f[1] for f in tied)} 保存时间相同（{when}），采用后收到的一份，请核实哪份是最终版"
    return used, f"保存时间最新：{when}"
