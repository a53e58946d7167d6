"""The state of the year from the ledger: per task, per unit, per round, with the problems to show.

``build_summary(con, round, as_of, due, notes) -> dict`` is what the summary workbook and the collect
result are made of.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
from collections.abc import Mapping

from . import unitbook as L
from .ledgerdb import ENTRY_FIELDS, latest_reminders, unpack_tasks
from .model import task_key
from .problems import GongkaiError, Problem


UNASSIGNED = "未分解"


class FromLedger:
    """Data read from the ledger when looked at, through a connection of its own (opened on first use,
    again after ``close``), so the caller may look after collect has closed its own."""

    def __init__(self, ledger_path: str, file_of: dict[str, int]):
        self.path, self.file_of = ledger_path, file_of
        self._con = None

    def _db(self):
        if self._con is None:
            self._con = sqlite3.connect(self.path)
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


class Entries(FromLedger):
    """Each unit's latest answers — a city's 落实情况 are never all in memory at once.
    ``entries[(unit, task id)]`` is one answer (a dict of ENTRY_FIELDS); ``for_task(task id)`` all the units'
    answers to one task; only ``status_of`` (unit -> task id -> status) is kept in memory."""

    def __init__(self, ledger_path: str, file_of: dict[str, int], status_of: dict):
        super().__init__(ledger_path, file_of)
        self.status_of = status_of
        self.unit_of = {fid: unit for unit, fid in file_of.items()}

    def __contains__(self, key) -> bool:
        return key[1] in self.status_of.get(key[0], ())

    def __len__(self) -> int:
        return sum(map(len, self.status_of.values()))

    def get(self, key, default=None):
        if key not in self:
            return default
        row = self._db().execute(f"SELECT {', '.join(ENTRY_FIELDS)} FROM entries WHERE file_id=? AND task_id=?",
                                 (self.file_of[key[0]], key[1])).fetchone()
        return dict(zip(ENTRY_FIELDS, row)) if row else default

    def __getitem__(self, key) -> dict:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def for_task(self, task_id: str) -> dict[str, dict]:
        """unit -> its answer to the task, for the units whose latest file answers it."""
        out = {}
        for row in self._db().execute(f"SELECT file_id, {', '.join(ENTRY_FIELDS)} FROM entries WHERE task_id=?",
                                      (task_id,)):
            unit = self.unit_of.get(row[0])
            if unit is not None:
                out[unit] = dict(zip(ENTRY_FIELDS, row[1:]))
        return out


class Figures(FromLedger, Mapping):
    """Each unit's figures (JSON in the ledger): unit -> dict."""

    def __getitem__(self, unit: str) -> dict:
        row = self._db().execute("SELECT data FROM figures WHERE file_id=?", (self.file_of[unit],)).fetchone()
        return json.loads(row[0])

    def __contains__(self, unit) -> bool:          # without reading the figures (Mapping's would)
        return unit in self.file_of

    def __iter__(self):
        return iter(self.file_of)

    def __len__(self) -> int:
        return len(self.file_of)


def ordered_rounds(con) -> list[str]:
    """Rounds in the order they happened: distributions by issue time, then rounds only files name."""
    rounds = [r[0] for r in con.execute("SELECT round FROM distributions ORDER BY issued_at, rowid")]
    for (r,) in con.execute("SELECT round FROM files GROUP BY round ORDER BY MIN(id)"):
        if r not in rounds:
            rounds.append(r)
    return rounds


def build_summary(con, round_name: str | None, as_of: dt.datetime, due: dt.date | None, notes: list) -> dict:
    """The state of the year as of ``round_name``: each unit's latest accepted answers from this round
    or, when it did not send again, from the latest round it did (progress never drops because a unit
    was silent); who sent in this round, on time or late; the trend over the rounds that happened."""
    row = con.execute("SELECT value FROM plan WHERE key='current'").fetchone()
    if row is None:
        raise GongkaiError.of("BAD_ARGUMENT", detail="台账数据库中还没有任何汇总记录")
    payload = json.loads(row[0])
    plan = payload["plan"]
    tasks = plan["tasks"]
    assignments = payload["assignments"]
    shared: dict = {}                         # one (task id, role) pair for all the units that have it (a city)
    for a in assignments.values():
        a["tasks"] = [shared.setdefault(pair, (sys.intern(pair[0]), sys.intern(pair[1])))
                      for pair in unpack_tasks(a["tasks"])]
    unassigned = payload.get("unassigned") or {}
    rounds = ordered_rounds(con)
    if round_name is None:
        round_name = rounds[-1] if rounds else ""
    upto = rounds[:rounds.index(round_name) + 1] if round_name in rounds else rounds
    on_time = {r[0] for r in con.execute("SELECT unit FROM on_time WHERE round=?", (round_name,))}
    problems: list[Problem] = []

    def sent_in(rnd: str) -> tuple[dict, list]:
        """unit -> (file id, name, saved time, time source) of its latest accepted file in the round."""
        files = con.execute("SELECT id, name, unit, COALESCE(saved_at, mtime), COALESCE(time_source, ?) FROM files "
                            "WHERE round=? AND accepted=1 AND unit<>'' "
                            "ORDER BY COALESCE(time_source='时间不可信', 0) DESC, COALESCE(saved_at, mtime), id",
                            ("文件修改时间", rnd)).fetchall()
        by_unit: dict[str, list] = {}
        for fid, name, unit, saved, source in files:
            by_unit.setdefault(unit, []).append((fid, name, saved, source))
        extra = [Problem("TWO_RETURNS", params={"unit": unit, "files": "、".join(x[1] for x in lst), "used": lst[-1][1],
                                                 "why": f"保存时间最新：{lst[-1][2].replace('T', ' ')}"})
                 for unit, lst in by_unit.items() if len(lst) > 1]
        return {u: lst[-1] for u, lst in by_unit.items()}, extra

    sent = {r: sent_in(r) for r in upto}                   # each round read once
    this_round, dup = sent[round_name] if round_name in sent else sent_in(round_name)
    problems += dup
    states = []                                            # unit -> (file id, name, saved, source, round)
    state: dict = {}
    for r in upto:                                         # a unit's latest answers carry forward
        state = {**state, **{u: (*v, r) for u, v in sent[r][0].items()}}
        states.append(state)
    older: list[Problem] = []
    order_of = {r: i for i, r in enumerate(rounds)}
    for fid, rnd, code, file, sheet, cell, params in con.execute(
            "SELECT file_id, round, code, file, sheet, cell, params FROM problems ORDER BY id"):
        p = Problem(code, file, sheet, cell, json.loads(params), rnd or "")
        if rnd == round_name:
            problems.append(p)
        else:
            older.append(p)
    older.sort(key=lambda p: -order_of.get(p.round, -1))
    status_of: dict[str, dict[str, str | None]] = {}     # unit -> task id -> status, for every answer
    files_of: dict[str, str] = {}
    data_round: dict[str, str] = {}
    for unit, (fid, name, saved, source, rnd) in state.items():
        files_of[unit] = name
        data_round[unit] = rnd
        status_of[unit] = {sys.intern(tid): sys.intern(st) if st else st
                           for tid, st in con.execute("SELECT task_id, status FROM entries WHERE file_id=?", (fid,))}
    ledger_path = con.execute("PRAGMA database_list").fetchone()[2]
    with_figures = {r[0] for r in con.execute("SELECT file_id FROM figures")}
    figures = Figures(ledger_path, {unit: v[0] for unit, v in state.items() if v[0] in with_figures})
    entries = Entries(ledger_path, {unit: v[0] for unit, v in state.items()}, status_of)
    returned_at = {u: v[2] for u, v in this_round.items()}
    time_source = {u: v[3] for u, v in this_round.items()}
    late = []
    if due:
        for unit, saved in returned_at.items():
            if unit in assignments and dt.datetime.fromisoformat(saved).date() > due and unit not in on_time \
                    and time_source[unit] != "时间不可信":       # a PC clock far ahead: lateness not judged by it
                late.append(unit)
                problems.append(Problem("LATE", this_round[unit][1], params={
                    "unit": unit, "time": saved.replace("T", " "), "due": due.isoformat(), "source": time_source[unit]}))
    missing = [u for u in assignments if u not in this_round]
    for u in missing:
        a = assignments[u]
        problems.append(Problem("NOT_RETURNED", params={"unit": u, "contact": a["contact"] or "—",
                                                        "phone": a["phone"] or "—"}))
    problems += notes
    if not con.execute("SELECT 1 FROM distributions LIMIT 1").fetchone():
        problems.append(Problem("NO_DISTRIBUTION_RECORD"))
    # per task: status over its responsible units (lead first; cooperating units do not block)
    task_units: dict[str, list[tuple[str, str]]] = {}
    pairs: dict = {}                             # a unit's (name, role) pair shared by its tasks
    for u, a in assignments.items():
        for tid, role in a["tasks"]:
            task_units.setdefault(tid, []).append(pairs.setdefault((u, role), (u, role)))
    today = due or as_of.date()          # overdue as of the round's cut-off, so a rebuilt old round reads the same
    task_rows = []
    for t in tasks:
        key = task_key(t)
        units = sorted(task_units.get(key, []), key=lambda ur: ({"lead": 0, "responsible": 1}.get(ur[1], 2), ur[0]))
        statuses = {u: status_of.get(u, {}).get(key) for u, _ in units}
        owners = [u for u, r in units if r != "cooperate"] or [u for u, _ in units]
        applicable = [u for u in owners if statuses.get(u) != L.NA]
        if not units:
            overall = UNASSIGNED
        elif owners and all(statuses.get(u) == L.NA for u in owners):
            overall = L.NA
        elif applicable and all(statuses.get(u) == L.DONE for u in applicable):
            overall = L.DONE
        elif any(statuses.get(u) in (L.DONE, "推进中") for u in owners):
            overall = "推进中"
        else:
            overall = "未启动"
        deadline = dt.date.fromisoformat(t["deadline"]) if t.get("deadline") else None
        overdue = bool(deadline and deadline < today and overall not in (L.DONE, L.NA, UNASSIGNED))
        task_rows.append({"task": t, "units": units, "statuses": statuses, "overall": overall, "overdue": overdue,
                          "unassigned": unassigned.get(key, "")})
    unit_rows = []
    problem_count: dict[str, int] = {}
    unit_of_file: dict[str, str] = {}                # a file's name -> the (first) unit it is the file of
    for u, name in files_of.items():
        unit_of_file.setdefault(name, u)
    for p in problems:
        u = p.params.get("unit") or unit_of_file.get(p.file)
        if u:
            problem_count[u] = problem_count.get(u, 0) + 1
    deadlines = {task_key(t): (dt.date.fromisoformat(t["deadline"]) if t.get("deadline") else None) for t in tasks}
    reminded = latest_reminders(con, round_name)          # 催报 of this round: unit -> (times, when last)
    for u, a in assignments.items():
        ids = [tid for tid, _ in a["tasks"]]
        mine = status_of.get(u, {})
        st = [mine.get(tid) for tid in ids]
        done = sum(1 for s in st if s == L.DONE)
        na = sum(1 for s in st if s == L.NA)
        overdue = sum(1 for tid, s in zip(ids, st) if deadlines.get(tid) and deadlines[tid] < today
                      and s not in (L.DONE, L.NA))
        base = len(ids) - na
        unit_rows.append({"unit": u, "category": a["category"], "tasks": len(ids), "done": done,
                          "in_progress": sum(1 for s in st if s == "推进中"), "na": na, "overdue": overdue,
                          "rate": (done / base) if base else 1.0, "returned_at": returned_at.get(u),
                          "time_source": time_source.get(u, ""), "data_round": data_round.get(u, ""),
                          "file": files_of.get(u), "late": u in late, "problems": problem_count.get(u, 0),
                          "contact": a["contact"], "phone": a["phone"],
                          "reminded": reminded.get(u, (0, ""))[0], "reminded_at": reminded.get(u, (0, ""))[1]})
    # the trend over the rounds that happened: who reported in each, and the state as of each
    trend = []
    total = sum(len(a["tasks"]) for a in assignments.values())
    done_in: dict[int, int] = {}                           # file id -> its unit's tasks marked done

    def done_of(unit: str, fid: int) -> int:
        if fid not in done_in:
            ids = {tid for tid, _ in assignments[unit]["tasks"]}
            answers = status_of[unit].items() if state.get(unit, (None,))[0] == fid else con.execute(
                "SELECT task_id, status FROM entries WHERE file_id=?", (fid,))   # the latest file's are in hand
            done_in[fid] = sum(1 for tid, st in answers if st == L.DONE and tid in ids)
        return done_in[fid]

    for rnd, at_round in zip(upto, states):
        reported = [u for u in sent[rnd][0] if u in assignments]
        if not reported:
            continue
        done = sum(done_of(u, v[0]) for u, v in at_round.items() if u in assignments)
        trend.append({"round": rnd or "（未命名）", "returned": len(reported),
                      "share": len(reported) / len(assignments) if assignments else 0,
                      "rate": done / total if total else 0})
    order = {p: i for i, p in enumerate(["error", "warning", "info"])}
    for p in problems:
        p.round = p.round or round_name
    problems.sort(key=lambda p: order[p.severity])
    history = older                      # earlier rounds' problems, newest round first
    headline = {"expected": len(assignments), "returned": sum(1 for u in this_round if u in assignments),
                "missing": len(missing), "late": len(late),
                "unassigned": sum(1 for r in task_rows if r["overall"] == UNASSIGNED),
                "tasks": len(tasks), "done": sum(1 for r in task_rows if r["overall"] == L.DONE),
                "in_progress": sum(1 for r in task_rows if r["overall"] == "推进中"),
                "not_started": sum(1 for r in task_rows if r["overall"] == "未启动"),
                "overdue": sum(1 for r in task_rows if r["overdue"])}
    return {"plan": plan, "round": round_name, "as_of": as_of, "due": due, "headline": headline,
            "task_rows": task_rows, "unit_rows": unit_rows, "entries": entries, "figures": figures,
            "missing": missing, "problems": problems, "history": history, "trend": trend,
            "assignments": assignments}
