"""The state of the year from the ledger: per task, per unit, per round, with the problems to show.

``build_summary(con, round, as_of, due, notes) -> dict`` is what the summary workbook and the collect
result are made of.
"""
from __future__ import annotations

import datetime as dt
import json

from . import unitbook as L
from .ledgerdb import ENTRY_FIELDS
from .problems import GongkaiError, Problem

def build_summary(con, round_name: str | None, as_of: dt.datetime, due: dt.date | None, notes: list) -> dict:
    row = con.execute("SELECT value FROM plan WHERE key='current'").fetchone()
    if row is None:
        raise GongkaiError.of("BAD_ARGUMENT", detail="台账数据库中还没有任何汇总记录")
    payload = json.loads(row[0])
    plan = payload["plan"]
    tasks = plan["tasks"]
    assignments = payload["assignments"]
    rounds = [r[0] for r in con.execute("SELECT round FROM files GROUP BY round ORDER BY MIN(id)")]
    if round_name is None:
        round_name = rounds[-1] if rounds else ""
    problems: list[Problem] = []

    def latest_returns(rnd: str) -> tuple[dict, list]:
        files = con.execute("SELECT id, name, unit, mtime, accepted FROM files WHERE round=? ORDER BY mtime, id",
                            (rnd,)).fetchall()
        by_unit: dict[str, list] = {}
        for fid, name, unit, mtime, accepted in files:
            if accepted and unit:
                by_unit.setdefault(unit, []).append((fid, name, mtime))
        chosen = {}
        extra = []
        for unit, lst in by_unit.items():
            chosen[unit] = lst[-1]
            if len(lst) > 1:
                extra.append(Problem("TWO_RETURNS", params={
                    "unit": unit, "files": "、".join(n for _, n, _ in lst), "used": lst[-1][1],
                    "why": f"修改时间最新：{lst[-1][2].replace('T', ' ')}"}))
        return chosen, extra

    chosen, dup = latest_returns(round_name)
    problems += dup
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
    entries: dict[tuple[str, str], dict] = {}
    figures: dict[str, dict] = {}
    returned_at: dict[str, str] = {}
    files_of: dict[str, str] = {}
    for unit, (fid, name, mtime) in chosen.items():
        returned_at[unit] = mtime
        files_of[unit] = name
        for r in con.execute(f"SELECT task_id, {', '.join(ENTRY_FIELDS)} FROM entries WHERE file_id=?", (fid,)):
            entries[(unit, r[0])] = dict(zip(ENTRY_FIELDS, r[1:]))
        f = con.execute("SELECT data FROM figures WHERE file_id=?", (fid,)).fetchone()
        if f:
            figures[unit] = json.loads(f[0])
    late = []
    if due:
        for unit, mtime in returned_at.items():
            if dt.datetime.fromisoformat(mtime).date() > due:
                late.append(unit)
                problems.append(Problem("LATE", files_of[unit], params={"unit": unit, "time": mtime.replace("T", " "),
                                                                         "due": due.isoformat()}))
    missing = [u for u in assignments if u not in chosen]
    for u in missing:
        a = assignments[u]
        problems.append(Problem("NOT_RETURNED", params={"unit": u, "contact": a["contact"] or "—",
                                                        "phone": a["phone"] or "—"}))
    problems += notes
    # per task: status over its responsible units (lead first; cooperating units do not block)
    task_units: dict[str, list[tuple[str, str]]] = {}
    for u, a in assignments.items():
        for tid, role in a["tasks"]:
            task_units.setdefault(tid, []).append((u, role))
    today = as_of.date()
    task_rows = []
    for t in tasks:
        units = sorted(task_units.get(t["id"], []), key=lambda ur: ({"lead": 0, "responsible": 1}.get(ur[1], 2), ur[0]))
        statuses = {u: (entries.get((u, t["id"])) or {}).get("status") for u, _ in units}
        owners = [u for u, r in units if r != "cooperate"] or [u for u, _ in units]
        applicable = [u for u in owners if statuses.get(u) != L.NA]
        if owners and all(statuses.get(u) == L.NA for u in owners):
            overall = L.NA
        elif applicable and all(statuses.get(u) == L.DONE for u in applicable):
            overall = L.DONE
        elif any(statuses.get(u) in (L.DONE, "推进中") for u in owners):
            overall = "推进中"
        else:
            overall = "未启动"
        deadline = dt.date.fromisoformat(t["deadline"]) if t.get("deadline") else None
        overdue = bool(deadline and deadline < today and overall not in (L.DONE, L.NA))
        task_rows.append({"task": t, "units": units, "statuses": statuses, "overall": overall, "overdue": overdue})
    unit_rows = []
    problem_count: dict[str, int] = {}
    for p in problems:
        u = p.params.get("unit") or next((u for u, n in files_of.items() if n == p.file), None)
        if u:
            problem_count[u] = problem_count.get(u, 0) + 1
    deadlines = {t["id"]: (dt.date.fromisoformat(t["deadline"]) if t.get("deadline") else None) for t in tasks}
    for u, a in assignments.items():
        ids = [tid for tid, _ in a["tasks"]]
        st = [(entries.get((u, tid)) or {}).get("status") for tid in ids]
        done = sum(1 for s in st if s == L.DONE)
        na = sum(1 for s in st if s == L.NA)
        overdue = sum(1 for tid, s in zip(ids, st) if deadlines.get(tid) and deadlines[tid] < today
                      and s not in (L.DONE, L.NA))
        base = len(ids) - na
        unit_rows.append({"unit": u, "category": a["category"], "tasks": len(ids), "done": done,
                          "in_progress": sum(1 for s in st if s == "推进中"), "na": na, "overdue": overdue,
                          "rate": (done / base) if base else 1.0, "returned_at": returned_at.get(u),
                          "file": files_of.get(u), "late": u in late, "problems": problem_count.get(u, 0),
                          "contact": a["contact"], "phone": a["phone"]})
    # history over rounds (trend)
    trend = []
    for rnd in rounds:
        ch, _ = latest_returns(rnd)
        total = done = 0
        for u, a in assignments.items():
            total += len(a["tasks"])
            if u in ch:
                fid = ch[u][0]
                done += con.execute("SELECT COUNT(*) FROM entries WHERE file_id=? AND status=?", (fid, L.DONE)).fetchone()[0]
        trend.append({"round": rnd or "（未命名）", "returned": len(ch), "rate": done / total if total else 0})
    order = {p: i for i, p in enumerate(["error", "warning", "info"])}
    for p in problems:
        p.round = p.round or round_name
    problems.sort(key=lambda p: order[p.severity])
    history = older                      # earlier rounds' problems, newest round first
    headline = {"expected": len(assignments), "returned": sum(1 for u in chosen if u in assignments),
                "missing": len(missing), "late": len(late),
                "tasks": len(tasks), "done": sum(1 for r in task_rows if r["overall"] == L.DONE),
                "in_progress": sum(1 for r in task_rows if r["overall"] == "推进中"),
                "not_started": sum(1 for r in task_rows if r["overall"] == "未启动"),
                "overdue": sum(1 for r in task_rows if r["overdue"])}
    return {"plan": plan, "round": round_name, "as_of": as_of, "due": due, "headline": headline,
            "task_rows": task_rows, "unit_rows": unit_rows, "entries": entries, "figures": figures,
            "missing": missing, "problems": problems, "history": history, "trend": trend,
            "assignments": assignments}
