"""The SQLite ledger (台账.sqlite): every returned file of every round, its answers, figures and problems.

Idempotent by SHA-256: a file already stored is not stored again.  The collect stage writes one
transaction per run, so a crash leaves the ledger as it was.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY, sha256 TEXT UNIQUE NOT NULL, name TEXT, path TEXT, size INTEGER, mtime TEXT,
  seen_at TEXT, unit TEXT, round TEXT, file_round TEXT, plan_id TEXT, accepted INTEGER, identity TEXT);
CREATE TABLE IF NOT EXISTS entries (
  file_id INTEGER, task_id TEXT, status TEXT, done_date TEXT, progress REAL, actual REAL, detail TEXT,
  evidence TEXT, issues TEXT, next TEXT, PRIMARY KEY (file_id, task_id));
CREATE TABLE IF NOT EXISTS figures (file_id INTEGER PRIMARY KEY, data TEXT);
CREATE TABLE IF NOT EXISTS problems (
  id INTEGER PRIMARY KEY, file_id INTEGER, round TEXT, code TEXT, file TEXT, sheet TEXT, cell TEXT, params TEXT);
CREATE TABLE IF NOT EXISTS plan (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, round TEXT, as_of TEXT, folder TEXT, due TEXT,
  new_files INTEGER);
"""
ENTRY_FIELDS = ["status", "done_date", "progress", "actual", "detail", "evidence", "issues", "next"]


def open_ledger(path: Path) -> sqlite3.Connection:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), isolation_level=None)
    con.execute("PRAGMA journal_mode=DELETE")
    con.executescript(SCHEMA)
    return con


def store_plan(con, plan, assignments: dict) -> None:
    """The task list and who was asked for what, as collected against."""
    payload = {"plan": plan.to_dict(),
               "assignments": {u: {"category": a.category, "contact": a.contact, "phone": a.phone,
                                   "tasks": [[t.id, r] for t, r in a.tasks]} for u, a in assignments.items()}}
    con.execute("INSERT OR REPLACE INTO plan(key, value) VALUES ('current', ?)", (json.dumps(payload, ensure_ascii=False),))


def store_return(con, ret, round_name: str, seen_at: str) -> None:
    cur = con.execute(
        "INSERT INTO files(sha256, name, path, size, mtime, seen_at, unit, round, file_round, plan_id, accepted, identity)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (ret.sha256, ret.name, str(ret.path), ret.size, ret.mtime.isoformat(), seen_at, ret.unit,
         round_name or ret.file_round, ret.file_round, ret.plan_id, int(ret.accepted), ret.identity))
    fid = cur.lastrowid
    con.executemany(f"INSERT INTO entries(file_id, task_id, {', '.join(ENTRY_FIELDS)}) VALUES (?,?,{','.join('?' * len(ENTRY_FIELDS))})",
                    [(fid, tid, *[e.get(k) for k in ENTRY_FIELDS]) for tid, e in ret.entries.items()])
    if ret.figures:
        con.execute("INSERT INTO figures(file_id, data) VALUES (?,?)", (fid, json.dumps(ret.figures, ensure_ascii=False)))
    con.executemany("INSERT INTO problems(file_id, round, code, file, sheet, cell, params) VALUES (?,?,?,?,?,?,?)",
                    [(fid, round_name or ret.file_round, p.code, p.file, p.sheet, p.cell,
                      json.dumps(p.params, ensure_ascii=False, default=str)) for p in ret.problems])
