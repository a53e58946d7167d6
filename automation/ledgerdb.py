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
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .problems import GongkaiError, Problem

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
CREATE TABLE IF NOT EXISTS labels (round TEXT, task_id TEXT, label TEXT, PRIMARY KEY (round, task_id));
"""
ENTRY_FIELDS = ["status", "done_date", "progress", "actual", "detail", "evidence", "issues", "next"]


BUSY_SECONDS = 15            # how long a run waits for another one holding the ledger
VERSION = 2                  # PRAGMA user_version of a ledger in this release's form (0: every earlier release;
#                              1: before the round labels table, added by the schema when brought to 2)
FILE_TIME = "文件修改时间"     # returned.FILE_TIME: the time source of files stored before time sources were kept


class Ledger(sqlite3.Connection):
    """A connection to the ledger that knows its file and whether this run made it: a ledger made by a run that
    then wrote nothing (a refused run) is removed when the connection closes, never left behind empty."""
    path: Path
    created = False
    baseline = 0

    def close(self) -> None:
        unused = self.created and (self.total_changes == self.baseline or not self._holds_the_year())
        super().close()
        if unused:
            for p in (self.path, self.path.with_name(self.path.name + "-journal")):
                try:
                    p.unlink(missing_ok=True)
                except OSError:
                    pass

    # what makes a ledger the year's record: a refused run may have left caches (``seen``) or rolled back,
    # which ``total_changes`` still counts
    RECORD_TABLES = ("files", "distributions", "distribute_runs", "plan", "reminders", "on_time", "summaries")

    def _holds_the_year(self) -> bool:
        try:
            return any(self.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in self.RECORD_TABLES)
        except sqlite3.Error:
            return True                     # cannot tell: kept


def open_ledger(path: Path) -> Ledger:
    """Open (or make) the ledger, refusing a damaged one, and bring a ledger of an earlier release to this
    release's form once (``_migrate``): everything above sees one form."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        con = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_SECONDS, factory=Ledger)
        con.path, con.created = path, created
        _refuse_damaged(con, path)
        con.execute("PRAGMA journal_mode=DELETE")
        _migrate(con)
        con.baseline = con.total_changes
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


# ------------------------------------------------------------------------------ one form for every ledger

def _migrate(con: Ledger) -> None:
    """A new ledger gets the schema; a ledger of an earlier release (``user_version`` below VERSION) is brought
    to this release's form in one transaction, once: whatever tolerated an older form before is converted here."""
    if con.execute("PRAGMA user_version").fetchone()[0] >= VERSION:
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        if con.execute("PRAGMA user_version").fetchone()[0] < VERSION:     # another run may have done it meanwhile
            _upgrade_files(con)
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)
            if "sha256" not in [r[1] for r in con.execute("PRAGMA table_info(summaries)")]:
                con.execute("ALTER TABLE summaries ADD COLUMN sha256 TEXT")
            _name_ledger(con)
            _number_rounds(con)
            _relative_keys(con, con.path.resolve().parent)
            # files stored before saved times and time sources were kept: their file time, as such
            con.execute("UPDATE files SET saved_at=mtime WHERE saved_at IS NULL")
            con.execute("UPDATE files SET time_source=? WHERE time_source IS NULL", (FILE_TIME,))
            _pack_plans(con)
            con.execute(f"PRAGMA user_version={VERSION}")
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise


def _upgrade_files(con) -> None:
    """Ledgers written by earlier versions: files unique by content alone, no saved-time columns."""
    row = con.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name='files'").fetchone()
    if not row or "UNIQUE (sha256, round)" in row[0]:
        return
    cols = [r[1] for r in con.execute("PRAGMA table_info(files)")]
    con.execute("ALTER TABLE files RENAME TO files_old")
    con.execute(SCHEMA.split(";")[0])
    con.execute(f"INSERT INTO files({', '.join(cols)}) SELECT {', '.join(cols)} FROM files_old")
    con.execute("DROP TABLE files_old")


def _name_ledger(con) -> None:
    """The ledger's identity (recorded in every summary made from it), made once."""
    if con.execute("SELECT 1 FROM ledger_meta WHERE key='id'").fetchone() is None:
        con.executemany("INSERT INTO ledger_meta VALUES (?,?)",
                        [("id", uuid.uuid4().hex), ("created_at", dt.datetime.now().replace(microsecond=0).isoformat())])


def _number_rounds(con) -> None:
    """Ledgers written before rounds had their own sequence: number the rounds in the order they happened --
    each round at its earliest trace (issued, collected or a file seen), since an earlier release replaced a
    round's issue time when it was re-sent."""
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
    con.executemany("INSERT INTO rounds(round, first_issued) VALUES (?,?)",
                    [(r, k[0]) for r, k in sorted(first.items(), key=lambda kv: kv[1])])


def _relative_keys(con, ledger_dir: Path) -> None:
    """Summaries and hashed files were once remembered by absolute path: by their place relative to the
    ledger now (``place_key``), so a moved year folder still finds them (a newer relative row wins).  A hashed
    file no longer where its absolute path said (the folder was moved before this upgrade) is forgotten: it is
    hashed once more where it is now."""
    for table, col in (("summaries", "output"), ("seen", "path")):
        for rowid, key in con.execute(f"SELECT rowid, {col} FROM {table}").fetchall():
            if not os.path.isabs(key):
                continue
            if table == "seen" and not os.path.isfile(key):
                con.execute("DELETE FROM seen WHERE rowid=?", (rowid,))
            elif place_key(ledger_dir, key) != key:
                con.execute(f"UPDATE OR IGNORE {table} SET {col}=? WHERE rowid=?", (place_key(ledger_dir, key), rowid))
                con.execute(f"DELETE FROM {table} WHERE rowid=? AND {col}=?", (rowid, key))


def _pack_plans(con) -> None:
    """Plan payloads stored before a unit's tasks were packed into one string (a list of [id, role] lists),
    or before they carried the registry's aliases: packed, with every key present."""
    for key, text in con.execute("SELECT key, value FROM plan").fetchall():
        payload = json.loads(text)
        assignments = payload.get("assignments") or {}
        if all(isinstance(a.get("tasks"), str) for a in assignments.values()) and \
                "aliases" in payload and "unassigned" in payload:
            continue
        for a in assignments.values():
            if not isinstance(a.get("tasks"), str):
                a["tasks"] = pack_tasks((tid, role) for tid, role in a.get("tasks") or [])
        payload.setdefault("unassigned", {})
        payload.setdefault("aliases", {})
        con.execute("UPDATE plan SET value=? WHERE key=?", (json.dumps(payload, ensure_ascii=False), key))


def place_key(ledger_dir: Path, path) -> str:
    """How the ledger names a file or folder: by its place relative to the ledger's folder, so a moved year
    folder keeps its names (an absolute path where there is none relative, as across Windows drives).
    ``path`` is absolute (resolved)."""
    try:
        return os.path.relpath(path, ledger_dir)
    except ValueError:
        return str(path)


def ledger_folder(con) -> Path:
    """The folder the ledger is in, resolved (what ``place_key`` is relative to)."""
    return Path(ledger_file(con)).resolve().parent


def ledger_file(con) -> str:
    """The ledger's file (its absolute path)."""
    return con.execute("PRAGMA database_list").fetchone()[2]


def ledger_identity(con) -> tuple[str, str]:
    """(this ledger's identity, when it was made -- or first opened by a release that names ledgers)."""
    meta = dict(con.execute("SELECT key, value FROM ledger_meta"))
    return meta.get("id", ""), meta.get("created_at", "")


def ledger_now(con) -> str:
    """How the ledger at hand reads in LEDGER_LOST: when it was made and which rounds it recorded as sent."""
    made = ledger_identity(con)[1]
    rounds = recorded_rounds(con)
    return f"建立于 {(made or '—').replace('T', ' ')}，" + (f"只有 {'、'.join(rounds)} 的下发记录" if rounds else "没有任何下发记录")


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


def finish_broken_distributions(con, round_name: str, folder, at: str) -> None:
    """An earlier distribute into this folder for this round that never finished is completed by this one."""
    con.execute("UPDATE distribute_runs SET finished_at=? WHERE round=? AND folder=? AND finished_at IS NULL",
                (at, round_name, str(folder)))


@dataclass(frozen=True)
class Distribution:
    """One distribute run as the ledger records it.  ``units``: unit -> (category, contact, phone, file,
    [(task id, role, hash, row)]); ``unassigned``: task key -> the names no unit of the registry matched.
    A partial run (``full`` False: some units only) replaces those units' rows and keeps the others."""
    round_name: str
    issued: str
    due: dt.date | None
    plan_id: str
    fingerprint: str
    template_version: str
    units: dict
    unassigned: dict[str, str]
    full: bool = True
    run_id: int | None = None


def record_distribution(con, d: Distribution) -> None:
    """Record a distribute run.  The round keeps its place and first issue time; a partial run's ``due`` is
    those units' own cut-off (an extension), a full run's the round's."""
    round_name, issued, due, full, units = d.round_name, d.issued, d.due, d.full, d.units
    plan_id, fingerprint, template_version = d.plan_id, d.fingerprint, d.template_version
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
    if d.run_id is not None:
        con.execute("UPDATE distribute_runs SET finished_at=? WHERE id=?", (issued, d.run_id))
    for unit, (category, contact, phone, file, rows) in units.items():
        con.execute("DELETE FROM sent WHERE round=? AND unit=?", (round_name, unit))
        con.executemany("INSERT INTO sent VALUES (?,?,?,?,?,?,?,?,?,?)",
                        [(round_name, unit, category, contact, phone, tid, role, digest, row, file)
                         for tid, role, digest, row in rows])
    con.execute("DELETE FROM unassigned WHERE round=?", (round_name,))
    con.executemany("INSERT INTO unassigned VALUES (?,?,?)",
                    [(round_name, tid, names) for tid, names in d.unassigned.items()])


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
        "ORDER BY r.seq DESC, f.saved_at DESC, f.id DESC", (*names, before_round)).fetchall()
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


def unpack_tasks(packed: str) -> list[tuple[str, str]]:
    """The pairs back (ledgers that stored them as lists are packed by ``_migrate``)."""
    return [tuple(x.split(FIELD, 1)) for x in packed.split(RECORD)] if packed else []


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


def store_round_labels(con, round_name: str, labels: dict[str, str]) -> None:
    """The 任务编号 each task (key -> label) was shown under in the round's workbooks, as distributed: a
    return that lost its metadata is matched on them (the clerk may renumber tasks after a round)."""
    con.execute("DELETE FROM labels WHERE round=?", (round_name,))
    con.executemany("INSERT INTO labels VALUES (?,?,?)", [(round_name, k, v) for k, v in labels.items()])


def round_labels(con) -> list[tuple[str, dict[str, str]]]:
    """(round, key -> 任务编号) of every round, newest first: as distributed, else (ledgers before this was
    kept) as the round was collected against."""
    stored: dict[str, dict[str, str]] = {}
    for rnd, key, label in con.execute("SELECT round, task_id, label FROM labels"):
        stored.setdefault(rnd, {})[key] = label
    out = []
    for rnd in reversed(ordered_rounds(con)):
        if rnd not in stored:
            snapshot = stored_plan(con, rnd, own_only=True)
            if snapshot is None:
                continue
            stored[rnd] = {t.get("key") or t["id"]: t["id"] for t in json.loads(snapshot)["plan"]["tasks"]}
        out.append((rnd, stored[rnd]))
    return out


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


# ------------------------------------------------------------------------------ what collect reads and remembers

def other_rounds_files(con, round_name: str) -> dict[str, tuple[str, str, str]]:
    """sha256 -> (round, name, mtime) of the files stored for other rounds (the latest stored of each content)."""
    return {row[0]: (row[1], row[2], row[3]) for row in con.execute(
        "SELECT sha256, round, name, mtime FROM files WHERE round<>? ORDER BY id", (round_name,))}


def round_files(con, round_name: str) -> dict[str, str]:
    """sha256 -> name of the files stored for the round."""
    return {row[0]: row[1] for row in con.execute("SELECT sha256, name FROM files WHERE round=?", (round_name,))}


def stored_digests(con) -> set[str]:
    """The content digests of every file ever stored."""
    return {r[0] for r in con.execute("SELECT sha256 FROM files")}


def file_keys(con, folder: Path) -> Callable[[str], str]:
    """How the ledger names the files of ``folder`` (``rel``: a name relative to the folder) in its digest
    cache: relative to the ledger's folder, as ``place_key`` does."""
    prefix = place_key(ledger_folder(con), Path(folder).resolve())
    return lambda rel: os.path.normpath(os.path.join(prefix, rel))


def seen_files(con) -> dict[str, tuple[int, int, str]]:
    """The digest cache: file key (``file_keys``) -> (size, mtime_ns, sha256) when it was last hashed."""
    return {r[0]: (r[1], r[2], r[3]) for r in con.execute("SELECT path, size, mtime_ns, sha256 FROM seen")}


def remember_seen(con, rows: list[tuple[str, int, int, str]]) -> None:
    """Digests made now, as (file key, size, mtime_ns, sha256): the next run need not read these files again."""
    con.executemany("INSERT OR REPLACE INTO seen VALUES (?,?,?,?)", rows)


def on_time_units(con, round_name: str) -> list[str]:
    """The units the office accepts as on time in the round, by name."""
    return [r[0] for r in con.execute("SELECT unit FROM on_time WHERE round=? ORDER BY unit", (round_name,))]


def add_on_time(con, round_name: str, units) -> None:
    con.executemany("INSERT OR IGNORE INTO on_time VALUES (?,?)", [(round_name, u) for u in units])


def record_collect_run(con, round_name: str, as_of: str, folder, due: str, new_files: int) -> None:
    con.execute("INSERT INTO runs(round, as_of, folder, due, new_files) VALUES (?,?,?,?,?)",
                (round_name, as_of, str(folder), due, new_files))


def last_collect_run(con, round_name: str | None) -> tuple[str, str] | None:
    """(as of, cut-off) of the latest collect of the round (of any round when None)."""
    row = con.execute("SELECT as_of, due FROM runs WHERE round=? OR ? IS NULL ORDER BY id DESC LIMIT 1",
                      (round_name, round_name)).fetchone()
    return (row[0], row[1]) if row else None


def ledger_counts(con) -> list:
    """[files stored, last file id, reminders recorded, last reminder id]: any new file or 催报 shows here."""
    return [*con.execute("SELECT COUNT(*), MAX(id) FROM files").fetchone(),
            *con.execute("SELECT COUNT(*), MAX(id) FROM reminders").fetchone()]


def round_record(con, round_name: str) -> list:
    """What was sent in the round, to whom and by when, as one comparable value: [[(due, plan id)], [rows sent,
    last row], [[unit, issued, due], ...]] (a re-send or one unit's extension changes it)."""
    return [con.execute("SELECT due, plan_id FROM distributions WHERE round=?", (round_name,)).fetchall(),
            list(con.execute("SELECT COUNT(*), MAX(rowid) FROM sent WHERE round=?", (round_name,)).fetchone()),
            [list(r) for r in con.execute("SELECT unit, issued_at, due FROM round_units WHERE round=? ORDER BY unit",
                                          (round_name,))]]


@dataclass
class SummaryRecord:
    """What the ledger remembers of a summary it wrote (keyed by its place, ``place_key``)."""
    state: str              # everything the summary was made from, in one string
    size: int
    mtime_ns: int
    result: str             # its headline and problems (JSON)
    sha256: str | None


def remembered_summary(con, key: str) -> SummaryRecord | None:
    row = con.execute("SELECT state, size, mtime_ns, result, sha256 FROM summaries WHERE output=?", (key,)).fetchone()
    return SummaryRecord(state=row[0], size=row[1], mtime_ns=row[2], result=row[3], sha256=row[4]) if row else None


def remember_summary(con, key: str, record: SummaryRecord) -> None:
    con.execute("INSERT OR REPLACE INTO summaries VALUES (?,?,?,?,?,?)",
                (key, record.state, record.size, record.mtime_ns, record.result, record.sha256))


# ------------------------------------------------------------------------------ what the state of the year reads

def has_distribution(con) -> bool:
    return con.execute("SELECT 1 FROM distributions LIMIT 1").fetchone() is not None


def has_collected(con) -> bool:
    """Whether any collect stored its plan (the current one) yet."""
    return con.execute("SELECT 1 FROM plan WHERE key='current'").fetchone() is not None


def file_rounds(con) -> list[str]:
    """The rounds the stored files name, in the order their first file was stored."""
    return [r[0] for r in con.execute("SELECT round FROM files GROUP BY round ORDER BY MIN(id)")]


def accepted_files(con, round_name: str) -> list[tuple[int, str, str, str, str]]:
    """(file id, name, unit, saved time, time source) of the round's accepted files of a unit, files whose time
    cannot be trusted first, then by saved time and id."""
    return con.execute("SELECT id, name, unit, saved_at, time_source FROM files "
                       "WHERE round=? AND accepted=1 AND unit<>'' "
                       "ORDER BY time_source='时间不可信' DESC, saved_at, id", (round_name,)).fetchall()


def files_with_figures(con) -> set[int]:
    return {r[0] for r in con.execute("SELECT file_id FROM figures")}


def statuses(con, file_id: int) -> list[tuple[str, str | None]]:
    """(task id, status) of every answer in the file."""
    return con.execute("SELECT task_id, status FROM entries WHERE file_id=?", (file_id,)).fetchall()


def recorded_problems(con, file_id: int | None = None) -> list[tuple[str, Problem]]:
    """(round, problem) of every problem recorded (of one file when ``file_id``), in the order recorded; the
    problem's file, sheet and cell as stored (None when not given)."""
    rows = con.execute("SELECT round, code, file, sheet, cell, params FROM problems WHERE file_id=? OR ? IS NULL "
                       "ORDER BY id", (file_id, file_id))
    return [(rnd, Problem(code, file, sheet, cell, json.loads(params or "{}"), rnd or ""))
            for rnd, code, file, sheet, cell, params in rows]


def sent_rows(con, unit: str, round_name: str) -> dict[str, int]:
    """task id -> its row in the unit's workbook of that round (or of every round recorded, later ones last)."""
    found = dict(con.execute("SELECT task_id, row FROM sent WHERE unit=? AND round=?", (unit, round_name)).fetchall())
    if found:
        return found
    return dict(con.execute("SELECT task_id, row FROM sent WHERE unit=? ORDER BY rowid", (unit,)).fetchall())


def reader(path) -> sqlite3.Connection:
    """A connection of its own for reading answers and figures while a summary is written."""
    return sqlite3.connect(str(path))


def answer(con, file_id: int, task_id: str) -> dict | None:
    """The file's answer to the task (ENTRY_FIELDS), None when it has none."""
    row = con.execute(f"SELECT {', '.join(ENTRY_FIELDS)} FROM entries WHERE file_id=? AND task_id=?",
                      (file_id, task_id)).fetchone()
    return dict(zip(ENTRY_FIELDS, row)) if row else None


def answers_to(con, task_id: str) -> Iterator[tuple[int, dict]]:
    """(file id, answer) of every stored answer to the task."""
    for row in con.execute(f"SELECT file_id, {', '.join(ENTRY_FIELDS)} FROM entries WHERE task_id=?", (task_id,)):
        yield row[0], dict(zip(ENTRY_FIELDS, row[1:]))


def file_figures(con, file_id: int) -> dict:
    """The figures stored with the file."""
    return json.loads(con.execute("SELECT data FROM figures WHERE file_id=?", (file_id,)).fetchone()[0])


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
