"""The SQLite ledger (台账.sqlite): what was sent to whom in each round (the distribution record), and
every returned file of every round with its answers, figures and problems.

Idempotent by SHA-256 within a round: a file already stored for a round is not stored again (the same
content sent again for a later round counts for that round too).  Each stage writes one transaction
per run, so a crash leaves the ledger as it was.
"""
from __future__ import annotations

import datetime as dt
import errno
import json
import sqlite3
import uuid
from contextlib import contextmanager
from pathlib import Path

from .problems import GongkaiError

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, name TEXT, path TEXT, size INTEGER, mtime TEXT,
  seen_at TEXT, unit TEXT, round TEXT, file_round TEXT, plan_id TEXT, accepted INTEGER, identity TEXT,
  saved_at TEXT, time_source TEXT, UNIQUE (sha256, round));
CREATE TABLE IF NOT EXISTS entries (
  file_id INTEGER, task_id TEXT, status TEXT, done_date TEXT, progress REAL, actual REAL, detail TEXT,
  evidence TEXT, issues TEXT, next TEXT, PRIMARY KEY (file_id, task_id));
CREATE INDEX IF NOT EXISTS entries_by_task ON entries (task_id, file_id);
CREATE TABLE IF NOT EXISTS figures (file_id INTEGER PRIMARY KEY, data TEXT);
CREATE TABLE IF NOT EXISTS problems (
  id INTEGER PRIMARY KEY, file_id INTEGER, round TEXT, code TEXT, file TEXT, sheet TEXT, cell TEXT, params TEXT);
CREATE TABLE IF NOT EXISTS plan (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, round TEXT, as_of TEXT, folder TEXT, due TEXT,
  new_files INTEGER);
CREATE TABLE IF NOT EXISTS distributions (
  round TEXT PRIMARY KEY, issued_at TEXT, due TEXT, plan_id TEXT, fingerprint TEXT, template_version TEXT);
CREATE TABLE IF NOT EXISTS sent (
  round TEXT, unit TEXT, category TEXT, contact TEXT, phone TEXT, task_id TEXT, role TEXT, hash TEXT,
  row INTEGER, file TEXT, PRIMARY KEY (round, unit, task_id));
CREATE TABLE IF NOT EXISTS unassigned (round TEXT, task_id TEXT, names TEXT, PRIMARY KEY (round, task_id));
CREATE TABLE IF NOT EXISTS on_time (round TEXT, unit TEXT, PRIMARY KEY (round, unit));
CREATE TABLE IF NOT EXISTS seen (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha256 TEXT);
CREATE TABLE IF NOT EXISTS summaries (output TEXT PRIMARY KEY, state TEXT, size INTEGER, mtime_ns INTEGER,
  result TEXT, sha256 TEXT);
CREATE TABLE IF NOT EXISTS reminders (id INTEGER PRIMARY KEY, round TEXT, run INTEGER, unit TEXT, at TEXT,
  kind TEXT, asked TEXT, notice TEXT, message TEXT);
CREATE TABLE IF NOT EXISTS rounds (seq INTEGER PRIMARY KEY, round TEXT UNIQUE NOT NULL, first_issued TEXT);
CREATE TABLE IF NOT EXISTS round_units (round TEXT, unit TEXT, issued_at TEXT, due TEXT, PRIMARY KEY (round, unit));
CREATE TABLE IF NOT EXISTS distribute_runs (id INTEGER PRIMARY KEY, round TEXT, folder TEXT, units TEXT,
  started_at TEXT, finished_at TEXT);
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT);
"""
ENTRY_FIELDS = ["status", "done_date", "progress", "actual", "detail", "evidence", "issues", "next"]


BUSY_SECONDS = 15            # how long a run waits for another one holding the ledger


def open_ledger(path: Path) -> sqlite3.Connection:
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_SECONDS)
        _refuse_damaged(con, path)
        con.execute("PRAGMA journal_mode=DELETE")
        _upgrade(con)
        con.executescript(SCHEMA)
        _upgrade_rounds(con)
    except (sqlite3.Error, OSError) as exc:
        raise ledger_problem(exc, path) from None
    return con


def _refuse_damaged(con, path) -> None:
    """A damaged ledger (cut short, bytes overwritten) is refused before anything is written to it, so a
    failed run never changes it (SQLite would otherwise fail halfway, after writing)."""
    if not Path(path).is_file() or Path(path).stat().st_size == 0:
        return
    rows = con.execute("PRAGMA quick_check(3)").fetchall()
    if rows != [("ok",)]:
        con.close()
        raise sqlite3.DatabaseError("database disk image is malformed: " + "; ".join(str(r[0]) for r in rows)[:60])


MAX_PATH_BYTES = 500          # SQLite opens no file whose full path is longer than 512 bytes (170 汉字)


def ledger_problem(exc: BaseException, path) -> GongkaiError:
    """The user's words for what SQLite or the disk said about the ledger."""
    text = str(exc).lower()
    full = str(Path(path).absolute())
    if "unable to open" in text and (len(full.encode("utf-8")) > MAX_PATH_BYTES or len(full) > 250):
        return GongkaiError.of("LEDGER_PATH_TOO_LONG", path, length=len(full))
    if "malformed" in text or "not a database" in text:
        return GongkaiError.of("LEDGER_DAMAGED", path, detail=str(exc)[:80])
    if "locked" in text or "busy" in text:
        return GongkaiError.of("LEDGER_BUSY", path)
    if "readonly" in text or "read-only" in text or isinstance(exc, PermissionError):
        return GongkaiError.of("LEDGER_READONLY", path)
    if "full" in text or getattr(exc, "errno", None) == errno.ENOSPC:
        return GongkaiError.of("DISK_FULL", path, disk=Path(path).anchor or str(Path(path).parent))
    return GongkaiError.of("LEDGER_READONLY", path) if isinstance(exc, OSError) else GongkaiError.of(
        "BAD_ARGUMENT", detail=f"台账数据库 {path} 无法使用（{exc}）")


@contextmanager
def transaction(con, path):
    """One all-or-nothing write; every SQLite or disk failure becomes a Chinese problem, and the ledger
    stays as it was."""
    try:
        con.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise ledger_problem(exc, path) from None
    try:
        yield con
        con.execute("COMMIT")
    except BaseException as exc:
        if con.in_transaction:
            try:
                con.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        if isinstance(exc, (sqlite3.Error, OSError)):
            raise ledger_problem(exc, path) from None
        raise


def _upgrade(con) -> None:
    """Ledgers written by earlier versions: files unique by content alone, no saved-time columns."""
    row = con.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name='files'").fetchone()
    if not row or "UNIQUE (sha256, round)" in row[0]:
        return
    cols = [r[1] for r in con.execute("PRAGMA table_info(files)")]
    con.executescript("BEGIN; ALTER TABLE files RENAME TO files_old;" + SCHEMA.split(";")[0] + ";" +
                      f"INSERT INTO files({', '.join(cols)}) SELECT {', '.join(cols)} FROM files_old;"
                      "DROP TABLE files_old; COMMIT;")


def _upgrade_rounds(con) -> None:
    """Ledgers written before rounds had their own sequence: add the summaries' content digest, name the
    ledger, and number the rounds in the order they happened -- each round at its earliest trace (issued,
    collected or a file seen), since an earlier release replaced a round's issue time when it was re-sent."""
    cols = [r[1] for r in con.execute("PRAGMA table_info(summaries)")]
    if "sha256" not in cols:
        con.execute("ALTER TABLE summaries ADD COLUMN sha256 TEXT")
    if con.execute("SELECT 1 FROM ledger_meta WHERE key='id'").fetchone() is None:
        con.execute("BEGIN IMMEDIATE")
        if con.execute("SELECT 1 FROM ledger_meta WHERE key='id'").fetchone() is None:
            con.executemany("INSERT INTO ledger_meta VALUES (?,?)",
                            [("id", uuid.uuid4().hex), ("created_at", dt.datetime.now().replace(microsecond=0).isoformat())])
        con.execute("COMMIT")
    if con.execute("SELECT 1 FROM rounds LIMIT 1").fetchone() is not None:
        return
    first: dict[str, tuple] = {}
    for rnd, at, order in con.execute(
            "SELECT round, issued_at, rowid FROM distributions UNION ALL "
            "SELECT round, MIN(as_of), 1e9 + MIN(id) FROM runs GROUP BY round UNION ALL "
            "SELECT round, MIN(seen_at), 2e9 + MIN(id) FROM files WHERE round IS NOT NULL GROUP BY round"):
        key = (at or "", order)
        if rnd not in first or key < first[rnd]:
            first[rnd] = key
    if first:
        con.execute("BEGIN IMMEDIATE")
        if con.execute("SELECT 1 FROM rounds LIMIT 1").fetchone() is None:
            con.executemany("INSERT INTO rounds(round, first_issued) VALUES (?,?)",
                            [(r, k[0]) for r, k in sorted(first.items(), key=lambda kv: kv[1])])
        con.execute("COMMIT")


def ledger_identity(con) -> tuple[str, str]:
    """(this ledger's identity, when it was made -- or first opened by a release that names ledgers)."""
    meta = dict(con.execute("SELECT key, value FROM ledger_meta"))
    return meta.get("id", ""), meta.get("created_at", "")


def ensure_round(con, round_name: str, at: str) -> None:
    """The round gets its place in the year the first time anything happens in it; never again."""
    con.execute("INSERT OR IGNORE INTO rounds(round, first_issued) VALUES (?,?)", (round_name, at))


def ordered_rounds(con) -> list[str]:
    """Rounds in the order they first happened (their sequence), never reordered by a re-send."""
    return [r[0] for r in con.execute("SELECT round FROM rounds ORDER BY seq")]


def unit_dues(con, round_name: str) -> dict[str, dt.date]:
    """The units of a round whose own cut-off differs from the round's (an extension, or an earlier one)."""
    row = con.execute("SELECT due FROM distributions WHERE round=?", (round_name,)).fetchone()
    base = row[0] if row else ""
    return {u: dt.date.fromisoformat(d) for u, d in con.execute(
        "SELECT unit, due FROM round_units WHERE round=? AND due<>'' AND due<>?", (round_name, base))}


# ------------------------------------------------------------------------------ what was sent

def start_distribution(con, round_name: str, folder, units: list[str], started: str) -> int:
    """Written before the first workbook: a run that never reaches ``record_distribution`` is found by the next."""
    return con.execute("INSERT INTO distribute_runs(round, folder, units, started_at) VALUES (?,?,?,?)",
                       (round_name, str(folder), json.dumps(units, ensure_ascii=False), started)).lastrowid


def broken_distribution(con, round_name: str, folder) -> str | None:
    """The start time of an earlier distribute into this folder for this round that never finished."""
    row = con.execute("SELECT started_at FROM distribute_runs WHERE round=? AND folder=? AND finished_at IS NULL "
                      "ORDER BY id DESC LIMIT 1", (round_name, str(folder))).fetchone()
    return row[0] if row else None


def record_distribution(con, round_name: str, issued: str, due, plan_id: str, fingerprint: str,
                        template_version: str, units: dict, unassigned: dict[str, str], full: bool = True,
                        run_id: int | None = None) -> None:
    """``units``: unit -> (category, contact, phone, file, [(task id, role, hash, row)]).  A partial run
    (some units only) replaces those units' rows and keeps the others.  The round keeps its place and first
    issue time; a partial run's ``due`` is those units' own cut-off (an extension), a full run's the round's."""
    due_text = due.isoformat() if due else ""
    old = con.execute("SELECT due FROM distributions WHERE round=?", (round_name,)).fetchone()
    if old is None:
        con.execute("INSERT INTO distributions VALUES (?,?,?,?,?,?)",
                    (round_name, issued, due_text, plan_id, fingerprint, template_version))
    else:
        con.execute("UPDATE distributions SET plan_id=?, fingerprint=?, template_version=? WHERE round=?",
                    (plan_id, fingerprint, template_version, round_name))
        if full and due_text:
            con.execute("UPDATE distributions SET due=? WHERE round=?", (due_text, round_name))
            con.execute("UPDATE round_units SET due=? WHERE round=?", (due_text, round_name))
    ensure_round(con, round_name, issued)
    round_due = due_text if old is None or (full and due_text) else old[0]
    for unit in units:
        prev = con.execute("SELECT due FROM round_units WHERE round=? AND unit=?", (round_name, unit)).fetchone()
        con.execute("INSERT OR REPLACE INTO round_units VALUES (?,?,?,?)",
                    (round_name, unit, issued, due_text or (prev[0] if prev else round_due)))
    if run_id is not None:
        con.execute("UPDATE distribute_runs SET finished_at=? WHERE id=?", (issued, run_id))
    for unit, (category, contact, phone, file, rows) in units.items():
        con.execute("DELETE FROM sent WHERE round=? AND unit=?", (round_name, unit))
        con.executemany("INSERT INTO sent VALUES (?,?,?,?,?,?,?,?,?,?)",
                        [(round_name, unit, category, contact, phone, tid, role, digest, row, file)
                         for tid, role, digest, row in rows])
    con.execute("DELETE FROM unassigned WHERE round=?", (round_name,))
    con.executemany("INSERT INTO unassigned VALUES (?,?,?)",
                    [(round_name, tid, names) for tid, names in unassigned.items()])


def recorded_round(con, round_name: str) -> tuple[str, str] | None:
    """(round, cut-off as recorded) of the distribution this round is collected against: its own, else the
    latest recorded; None when nothing was recorded."""
    rows = con.execute("SELECT d.round, d.due FROM distributions d LEFT JOIN rounds r ON r.round=d.round "
                       "ORDER BY r.seq, d.rowid").fetchall()
    return next((r for r in rows if r[0] == round_name), rows[-1] if rows else None)


def recorded_rounds(con) -> list[str]:
    """The rounds distributed, in the order they were issued."""
    return [r[0] for r in con.execute("SELECT round FROM distributions ORDER BY issued_at, rowid")]


def sent_units(con) -> list[str]:
    """Every unit tasks were sent to, in any round."""
    return [r[0] for r in con.execute("SELECT DISTINCT unit FROM sent ORDER BY unit")]


def distribution(con, round_name: str) -> tuple[str, dict, dict] | None:
    """(round, unit -> {category, contact, phone, tasks: [(task id, role)]}, task id -> names left
    unassigned) for this round, or for the latest recorded round before it; None when nothing was
    recorded."""
    found = recorded_round(con, round_name)
    if found is None:
        return None
    use = found[0]
    units: dict[str, dict] = {}
    pairs: dict = {}                     # one (task id, role) pair for every unit that has it
    for unit, category, contact, phone, tid, role in con.execute(
            "SELECT unit, category, contact, phone, task_id, role FROM sent WHERE round=? ORDER BY rowid", (use,)):
        u = units.get(unit)
        if u is None:
            u = units[unit] = {"category": category, "contact": contact, "phone": phone, "tasks": []}
        u["tasks"].append(pairs.setdefault((tid, role), (tid, role)))
    left = dict(con.execute("SELECT task_id, names FROM unassigned WHERE round=?", (use,)).fetchall())
    return use, units, left


def latest_answers(con, unit: str, before_round: str | None = None,
                   aliases=()) -> tuple[str, dict] | None:
    """The unit's latest accepted answers (round, task id -> entry), from rounds other than ``before_round``,
    newest round first (by the rounds' sequence), then newest saved.  ``aliases``: the unit's other names (a
    renamed unit, or units merged into it): each task takes the newest answer any of them gave."""
    names = list(dict.fromkeys([unit, *aliases]))
    rows = con.execute(
        f"SELECT f.id, f.round FROM files f LEFT JOIN rounds r ON r.round=f.round WHERE f.unit IN "
        f"({','.join('?' * len(names))}) AND f.accepted=1 AND f.round IS NOT ? "
        "ORDER BY r.seq DESC, COALESCE(f.saved_at, f.mtime) DESC, f.id DESC", (*names, before_round)).fetchall()
    if not rows:
        return None
    entries: dict = {}
    for fid, _ in (rows if len(names) > 1 else rows[:1]):
        for r in con.execute(f"SELECT task_id, {', '.join(ENTRY_FIELDS)} FROM entries WHERE file_id=?", (fid,)):
            entries.setdefault(r[0], dict(zip(ENTRY_FIELDS, r[1:])))
    return rows[0][1], entries


FIELD, RECORD = "\x1f", "\x1e"       # ASCII unit and record separators: never in a typed task id


def pack_tasks(pairs) -> str:
    """A unit's (task id, role) pairs as one string: a city's 800,000 pairs as 20,000 strings, not 800,000 lists."""
    return RECORD.join(f"{tid}{FIELD}{role}" for tid, role in pairs)


def unpack_tasks(packed) -> list[tuple[str, str]]:
    """The pairs back (a list of [id, role] lists, as ledgers before this wrote them, is read too)."""
    if isinstance(packed, str):
        return [tuple(x.split(FIELD, 1)) for x in packed.split(RECORD)] if packed else []
    return [(tid, role) for tid, role in packed]


def store_plan(con, plan, assignments: dict, unassigned: dict | None = None, round_name: str | None = None,
               aliases: dict | None = None) -> None:
    """The task list and who was asked for what, as collected against -- as the current state and as the
    round's own (a rebuilt round reads its own assignments and units, not today's).  ``aliases``: unit ->
    its other names in the registry (a renamed unit's history follows it)."""
    payload = {"plan": plan.to_dict(),
               "assignments": {u: {"category": a.category, "contact": a.contact, "phone": a.phone,
                                   "tasks": pack_tasks((t.key, r) for t, r in a.tasks)} for u, a in assignments.items()},
               "unassigned": unassigned or {}, "aliases": aliases or {}}
    text = json.dumps(payload, ensure_ascii=False)
    con.execute("INSERT OR REPLACE INTO plan(key, value) VALUES ('current', ?)", (text,))
    if round_name is not None:
        con.execute("INSERT OR REPLACE INTO plan(key, value) VALUES (?, ?)", (ROUND_KEY + round_name, text))


ROUND_KEY = "round:"


def stored_plan(con, round_name: str | None = None, own_only: bool = False) -> str | None:
    """The plan payload (JSON text) stored for the round, else (unless ``own_only``) the current one; None
    when nothing was collected."""
    row = None
    if round_name is not None:
        row = con.execute("SELECT value FROM plan WHERE key=?", (ROUND_KEY + round_name,)).fetchone()
    if row is None and not own_only:
        row = con.execute("SELECT value FROM plan WHERE key='current'").fetchone()
    return row[0] if row else None


def store_return(con, ret, round_name: str, seen_at: str) -> None:
    cur = con.execute(
        "INSERT INTO files(sha256, name, path, size, mtime, seen_at, unit, round, file_round, plan_id, accepted, identity,"
        " saved_at, time_source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (ret.sha256, ret.name, str(ret.path), ret.size, ret.mtime.isoformat(), seen_at, ret.unit,
         round_name or ret.file_round, ret.file_round, ret.plan_id, int(ret.accepted), ret.identity,
         ret.saved_at.isoformat() if ret.saved_at else ret.mtime.isoformat(), ret.time_source))
    fid = cur.lastrowid
    con.executemany(f"INSERT INTO entries(file_id, task_id, {', '.join(ENTRY_FIELDS)}) VALUES (?,?,{','.join('?' * len(ENTRY_FIELDS))})",
                    [(fid, tid, *[e.get(k) for k in ENTRY_FIELDS]) for tid, e in ret.entries.items()])
    if ret.figures:
        con.execute("INSERT INTO figures(file_id, data) VALUES (?,?)", (fid, json.dumps(ret.figures, ensure_ascii=False)))
    con.executemany("INSERT INTO problems(file_id, round, code, file, sheet, cell, params) VALUES (?,?,?,?,?,?,?)",
                    [(fid, round_name or ret.file_round, p.code, p.file, p.sheet, p.cell,
                      json.dumps(p.params, ensure_ascii=False, default=str)) for p in ret.problems])


# ------------------------------------------------------------------------------ reminders (issue 30)

def reminder_runs(con, round_name: str) -> int:
    """How many reminder runs the round has had."""
    return con.execute("SELECT COALESCE(MAX(run), 0) FROM reminders WHERE round=?", (round_name,)).fetchone()[0]


def record_reminders(con, round_name: str, run: int, at: str, rows: list[tuple]) -> None:
    """One reminder run: ``rows`` of (unit, kind, [what was asked, in words], notice file, message)."""
    con.executemany("INSERT INTO reminders(round, run, unit, at, kind, asked, notice, message) VALUES (?,?,?,?,?,?,?,?)",
                    [(round_name, run, unit, at, kind, json.dumps(asked, ensure_ascii=False), notice, message)
                     for unit, kind, asked, notice, message in rows])


def latest_reminders(con, round_name: str) -> dict[str, tuple[int, str]]:
    """unit -> (how many times it was reminded in the round, when last)."""
    return {unit: (n, at) for unit, n, at in con.execute(
        "SELECT unit, COUNT(*), MAX(at) FROM reminders WHERE round=? GROUP BY unit", (round_name,))}


# ------------------------------------------------------------------------------ read by the report (issue 28)

def round_cutoffs(path) -> dict[str, str]:
    """round -> its 报送截止 as recorded ("" when none was set): the distributions, else the collect runs
    that named one.  Read-only; {} when there is no ledger at ``path``."""
    p = Path(path)
    if not p.is_file():
        return {}
    try:
        con = sqlite3.connect(f"file:{p.as_posix()}?mode=ro", uri=True, timeout=BUSY_SECONDS)
        try:
            out = {r: d or "" for r, d in con.execute("SELECT round, due FROM distributions")}
            for r, d in con.execute("SELECT round, due FROM runs ORDER BY id"):
                if d and not out.get(r):
                    out[r] = d
        finally:
            con.close()
    except sqlite3.Error:
        return {}
    return out
