"""Stage 3: collect the returned workbooks, keep every round in the SQLite ledger, write the summary.

API: ``collect(folder, tasks_path, output, ledger=None, due=None, round_name=None, registry_path=None)
-> CollectResult`` and ``rebuild(ledger, output) -> CollectResult``.

The concerns live beside it: ``returned`` identifies and reads one file, ``checks`` holds every check
(registered with its problem codes), ``ledgerdb`` the SQLite ledger, ``standing`` the state of the year
built from the ledger, ``summarybook`` the summary workbook.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

from .assignment import Assignment, assign
from .dates import parse_due
from .filenames import LEDGER_NAME
from .ledgerdb import (distribution, ensure_round, ledger_identity, open_ledger, recorded_round, store_plan, store_return,
                       transaction)
from .problems import GongkaiError, Problem
from .registry import load_registry
from .results import CollectResult, Headline
from .returned import ARCHIVES, Context, Return, file_digest, office_zone, read_archive, read_return
from .standing import YearState, build_summary
from .summarybook import summary_ledger, write_summary
from .tables import guard_output
from .tasklist import read_task_list
from .workers import in_workers

SPREADSHEET = {".xlsx", ".xlsm", ".xls"}


def _iter_files(folder: Path):
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            yield p


def expected_from_record(con, round_name: str, plan, registry) -> tuple[dict, dict, dict | None]:
    """Who owes what: the distribution recorded for this round (or the latest before it); the task
    list and registry only when nothing was recorded.  Returns (assignments, unassigned, record)."""
    found = distribution(con, round_name or "")
    if found is None:
        assignments, _ = assign(plan, registry)
        return assignments, {}, None
    _, units, unassigned = found
    by_id = {t.key: t for t in plan.tasks}
    pairs: dict = {}                     # one (task, role) pair for every unit that has it
    out = {}
    for unit, rec in units.items():
        info = registry.info(unit) if registry is not None else None
        out[unit] = Assignment(unit, rec["category"], (info.contact if info else "") or rec["contact"],
                               (info.phone if info else "") or rec["phone"],
                               [pairs.setdefault(pr, (by_id[pr[0]], pr[1])) for pr in rec["tasks"] if pr[0] in by_id])
    return out, unassigned, found


def collect(folder, tasks_path, output, ledger=None, due=None, round_name=None, registry_path=None,
            as_of: dt.datetime | None = None, progress=None, on_time: list[str] | None = None,
            force: bool = False, timezone: str | None = None) -> CollectResult:
    """``on_time``: units the office accepts as on time whatever their files say.  The summary never
    replaces an input or lands in the returns folder; an existing one is replaced only with ``force``.
    ``timezone``: the office's (IANA name, default 北京时间); times are never taken in the machine's zone."""
    folder = Path(folder)
    if not folder.is_dir():
        raise GongkaiError.of("FILE_NOT_FOUND", folder)
    ledger_path = Path(ledger) if ledger else Path(tasks_path).with_name(LEDGER_NAME)
    guard_output(output, [tasks_path, registry_path, ledger_path], [folder], force)
    zone = office_zone(timezone)
    as_of = as_of or dt.datetime.now(zone).replace(tzinfo=None, microsecond=0)
    round_name = round_name or ""
    con = open_ledger(ledger_path)
    try:
        _check_identity(con, ledger_path, output)
        notes: list[Problem] = []
        # the scan, the reading and the storing under the ledger's write lock: a second run at the same time
        # waits for this one (or, after BUSY_SECONDS, says another is in progress) and then finds nothing new
        with transaction(con, ledger_path):
            earlier = {row[0]: (row[1], row[2], row[3]) for row in con.execute(
                "SELECT sha256, round, name, mtime FROM files WHERE round<>? ORDER BY id", (round_name,))}
            todo, fresh = _scan(con, round_name, folder, earlier, notes)
            if fresh:                      # the digests made now: the next run need not read these files again
                con.executemany("INSERT OR REPLACE INTO seen VALUES (?,?,?,?)", fresh)
            due_date = parse_due(due) if due else _recorded_due(con, round_name)
            listed = {r[0] for r in con.execute("SELECT unit FROM on_time WHERE round=?", (round_name,))}
            same = None
            if not todo and set(on_time or []) <= listed:
                # nothing new in the folder: when nothing else changed either, the summary stands as it is (with
                # whatever the office corrected in it since)
                state = _state(con, round_name, due_date, as_of, notes, [tasks_path, registry_path])
                same = _unchanged(con, _summary_key(output, ledger_path), output, state)
            if same is None:
                plan, _ = read_task_list(tasks_path)
                registry = load_registry(registry_path) if registry_path else None
                assignments, unassigned, _ = expected_from_record(con, round_name, plan, registry)
                ctx = Context(plan, assignments, registry, round_name, due_date, as_of, tz=zone)
                ensure_round(con, round_name, as_of.isoformat())
                store_plan(con, plan, assignments, unassigned, round_name=round_name,
                           aliases=_aliases(registry, assignments))
                for unit in on_time or []:
                    con.execute("INSERT OR IGNORE INTO on_time VALUES (?,?)",
                                (ctx.round, registry.canonical(unit) or unit if registry is not None else unit))
                new = _store_new_returns(con, ctx, folder, todo, earlier, progress)
        if same is not None:
            return CollectResult(Path(output), ledger_path, 0, same[0], {}, same[1], unchanged=True)
        with transaction(con, ledger_path):        # one summary written at a time, its hand edits checked
            state = _state(con, round_name, due_date, as_of, notes, [tasks_path, registry_path])
            summary, out = _summarize(con, ledger_path, output, ctx.round or None, as_of, ctx.due, notes, state)
    finally:
        con.close()
    return CollectResult(out, ledger_path, new, Headline(**summary.headline), summary, summary.problems)


def _aliases(registry, assignments: dict) -> dict[str, list[str]]:
    """unit -> its other names in the registry (a renamed unit's old name, units merged into it)."""
    if registry is None:
        return {}
    out = {}
    for u in assignments:
        info = registry.info(u)
        names = [a for a in ([info.name, *info.aliases] if info else []) if a != u]
        if names:
            out[u] = names
    return out


def _summarize(con, ledger_path: Path, output, round_name, as_of, due, notes: list,
               state: str) -> tuple[YearState, Path]:
    """Build and write the summary (a hand-edited one kept aside first) and remember what it was made from."""
    key = _summary_key(output, ledger_path)
    kept = _keep_edited(con, key, output, as_of)
    if kept:
        notes.append(Problem("SUMMARY_EDITED_KEPT", kept.name))
    summary = build_summary(con, round_name, as_of=as_of, due=due, notes=notes)
    summary.ledger = ledger_identity(con)
    out = _write(summary, output)
    _remember(con, key, out, state, summary)
    return summary, out


def _check_identity(con, ledger_path: Path, output) -> None:
    """The summary names the ledger it was made from: a ledger deleted or replaced since is said, never used
    to count the year's files again."""
    if not Path(output).is_file():
        return
    recorded = summary_ledger(output)
    if recorded is None:
        return
    mine, _ = ledger_identity(con)
    if recorded[0] != mine:
        raise GongkaiError.of("LEDGER_REPLACED", ledger_path, other=Path(output).name,
                              created=(recorded[1] or "—").replace("T", " "))


def _summary_key(output, ledger_path: Path) -> str:
    """How the ledger names a summary: by its place relative to the ledger, so a moved year folder still
    finds it (an absolute path where there is no relative one, as across Windows drives)."""
    out = Path(output).resolve()
    try:
        return os.path.relpath(out, Path(ledger_path).resolve().parent)
    except ValueError:
        return str(out)


def _write(summary: YearState, output) -> Path:
    """Write the summary workbook, then let go of the ledger connections it read through (they reopen if
    the caller looks at the answers or figures afterwards)."""
    try:
        return write_summary(summary, output)
    finally:
        summary.entries.close()
        summary.figures.close()


def _recorded_due(con, round_name: str) -> dt.date | None:
    """The cut-off recorded with the distribution this round is collected against."""
    found = recorded_round(con, round_name)
    return dt.date.fromisoformat(found[1]) if found and found[1] else None


def _state(con, round_name: str, due: dt.date | None, as_of: dt.datetime, notes: list[Problem], inputs: list) -> str:
    """Everything a summary is made from, in one string: the ledger's files and on-time list, the round,
    its cut-off (or, without one, the day: overdue is counted against it), the task list and registry as
    files, and what was skipped in the folder."""
    files = con.execute("SELECT COUNT(*), MAX(id) FROM files").fetchone()
    files = [*files, *con.execute("SELECT COUNT(*), MAX(id) FROM reminders").fetchone()]    # 单位进度 shows 催报
    on_time = [r[0] for r in con.execute("SELECT unit FROM on_time WHERE round=? ORDER BY unit", (round_name,))]
    # what was sent this round, to whom and by when (a re-send or one unit's extension changes the summary)
    sent = [list(con.execute("SELECT due, plan_id FROM distributions WHERE round=?", (round_name,)).fetchall()),
            list(con.execute("SELECT COUNT(*), MAX(rowid) FROM sent WHERE round=?", (round_name,)).fetchone()),
            [list(r) for r in con.execute("SELECT unit, issued_at, due FROM round_units WHERE round=? ORDER BY unit",
                                          (round_name,))]]
    stats = []
    for p in inputs:
        if p:
            st = Path(p).stat()
            stats.append([str(p), st.st_size, st.st_mtime_ns])
    return json.dumps([list(files), on_time, round_name, due.isoformat() if due else as_of.date().isoformat(),
                       stats, [p.to_dict() for p in notes], sent], ensure_ascii=False, default=str)


def _summary_row(con, key: str, output):
    """What the ledger remembers of the summary (state, size, mtime_ns, result, sha256); ledgers before the
    relative key remembered it by its absolute path."""
    for k in (key, str(Path(output).resolve())):
        row = con.execute("SELECT state, size, mtime_ns, result, sha256 FROM summaries WHERE output=?", (k,)).fetchone()
        if row is not None:
            return row
    return None


def _unchanged(con, key: str, output, state: str) -> tuple[Headline, list[Problem]] | None:
    """The headline and problems of the summary at ``output`` when it was made from this very state and is
    still there (a clerk's corrections in it since are kept: a run with nothing new never rewrites it)."""
    row = _summary_row(con, key, output)
    if row is None or row[0] != state or not Path(output).is_file():
        return None
    saved = json.loads(row[3])
    return Headline(**saved["headline"]), [Problem(**p) for p in saved["problems"]]


def _keep_edited(con, key: str, output, as_of: dt.datetime) -> Path | None:
    """A summary changed by hand since this tool wrote it is copied aside before a new one replaces it.  Its
    size and time say it is unchanged; when the time moved (a copied or moved folder) its content decides."""
    out = Path(output)
    row = _summary_row(con, key, output)
    try:
        st = out.stat()
    except OSError:
        return None
    if row is None or (st.st_size, st.st_mtime_ns) == (row[1], row[2]):
        return None
    if row[4] and st.st_size == row[1] and _summary_digest(out) == row[4]:
        return None
    kept = out.with_name(f"{out.stem}_手工修改_{as_of:%Y%m%d-%H%M%S}{out.suffix}")
    shutil.copy2(out, kept)
    return kept


def _summary_digest(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _remember(con, key: str, out: Path, state: str, summary: YearState) -> None:
    st = out.stat()
    result = json.dumps({"headline": summary.headline, "problems": [asdict(p) for p in summary.problems]},
                        ensure_ascii=False, default=str)
    con.execute("DELETE FROM summaries WHERE output=?", (str(out.resolve()),))
    con.execute("INSERT OR REPLACE INTO summaries VALUES (?,?,?,?,?,?)",
                (key, state, st.st_size, st.st_mtime_ns, result, _summary_digest(out)))


def _scan(con, round_name: str, folder: Path, earlier: dict, notes: list) -> tuple[list[Path], list[tuple]]:
    """The files of the folder this round has not stored yet, with their digests; what is skipped goes to
    ``notes``.  A file whose size and time are as when it was last hashed is not read again; the digests
    made now are returned to be remembered (``seen`` rows)."""
    known = {row[0]: row[1] for row in con.execute("SELECT sha256, name FROM files WHERE round=?", (round_name,))}
    this_run: dict[str, str] = {}
    known_archives = {k.split("#", 1)[0] for k in known if "#" in k}
    earlier_archives = {k.split("#", 1)[0]: v[1] for k, v in earlier.items() if "#" in k}
    todo: list[Path] = []
    fresh: list[tuple] = []
    seen = {r[0]: (r[1], r[2], r[3]) for r in con.execute("SELECT path, size, mtime_ns, sha256 FROM seen")}
    base = folder.resolve()
    for p in _iter_files(folder):
        rel = str(p.relative_to(folder))
        try:
            rel.encode("utf-8")
        except UnicodeEncodeError:           # bytes no decoder made sense of (GBK names from unzip, a NAS)
            shown = os.fsencode(rel).decode("gb18030", errors="replace")
            notes.append(Problem("BAD_FILE_NAME", shown))
            continue
        if p.name.startswith("~$") or p.name.startswith(".~"):
            notes.append(Problem("LOCK_FILE", rel))
            continue
        ext = p.suffix.lower()
        if ext in (".et", ".ett"):
            notes.append(Problem("WPS_FORMAT", rel))
            continue
        if ext == ".rar":
            notes.append(Problem("ARCHIVE_RAR", rel))
            continue
        if ext not in SPREADSHEET and ext not in ARCHIVES:
            notes.append(Problem("NOT_SPREADSHEET", rel))
            continue
        st = p.stat()
        key = str(base / rel)
        cached = seen.get(key)
        if cached and cached[:2] == (st.st_size, st.st_mtime_ns):
            digest = cached[2]            # unchanged since it was last hashed: size and time are enough
        else:
            digest = file_digest(p)
            fresh.append((key, st.st_size, st.st_mtime_ns, digest))
        if ext in ARCHIVES:           # its workbooks are stored under the archive's digest and their names
            if earlier_archives.get(digest, "").startswith(rel + "/"):
                continue
            if digest in this_run:
                notes.append(Problem("SAME_FILE_TWICE", rel, params={"other": this_run[digest]}))
                continue
            this_run[digest] = rel
            if digest not in known_archives:
                todo.append((p, digest))
            continue
        if digest in earlier and earlier[digest][1] == rel:
            # an earlier round's return still lying where it was read (its modification time is no sign of a new
            # sending: copying or moving the year folder resets it); the same file saved anew elsewhere counts
            continue
        if digest in this_run:
            notes.append(Problem("SAME_FILE_TWICE", rel, params={"other": this_run[digest]}))
            continue
        this_run[digest] = rel
        if digest in known:
            continue          # collected before: the ledger already holds it
        todo.append(p)
    return todo, fresh


def _store_new_returns(con, ctx: Context, folder: Path, todo: list[Path], earlier: dict, progress) -> int:
    """Read and store the files the scan found new (``earlier``: sha256 -> (round, name) of other rounds)."""
    new = 0
    seen_at = ctx.as_of.isoformat()
    for i, rets in enumerate(_read_all(todo, folder, ctx), 1):
        for ret in rets:
            if ret.sha256 in earlier:       # the same content sent again, under another name: it counts now
                ret.problems.append(Problem("SAME_AS_EARLIER", ret.name, params={"other": earlier[ret.sha256][0]}))
            store_return(con, ret, ctx.round, seen_at)
            new += 1
        if progress:
            progress(i, len(todo), rets[-1].name if rets else "")
    if new:
        con.execute("INSERT INTO runs(round, as_of, folder, due, new_files) VALUES (?,?,?,?,?)",
                    (ctx.round, seen_at, str(folder), ctx.due.isoformat() if ctx.due else "", new))
    return new


def _read_one(shared: tuple, item) -> list[Return]:
    ctx, folder = shared
    if isinstance(item, tuple):        # an archive and its digest: the workbooks inside
        return read_archive(item[0], folder, ctx, item[1])
    return [read_return(item, folder, ctx)]


def _read_all(paths: list, folder: Path, ctx: Context):
    """Read returned files (a workbook, or an archive's workbooks), on every core when there are many;
    results (a list for each) come back in order."""
    return in_workers(_read_one, paths, (ctx, folder), 40, chunksize=8)


def rebuild(ledger, output, round_name=None, as_of=None, force: bool = False) -> CollectResult:
    """Rebuild the summary workbook from the ledger alone."""
    p = Path(ledger)
    if not p.exists():
        raise GongkaiError.of("FILE_NOT_FOUND", p)
    guard_output(output, [p], [], force)
    con = open_ledger(p)
    try:
        # the round's own cut-off and time, so a rebuilt old round reads as it did (overdue as of its cut-off)
        runs = con.execute("SELECT as_of, due FROM runs WHERE round=? OR ? IS NULL ORDER BY id DESC LIMIT 1",
                           (round_name, round_name)).fetchone()
        as_of = as_of or (dt.datetime.fromisoformat(runs[0]) if runs else
                          dt.datetime.now(office_zone()).replace(tzinfo=None, microsecond=0))
        due = dt.date.fromisoformat(runs[1]) if runs and runs[1] else _recorded_due(con, round_name or "")
        with transaction(con, p):
            summary, out = _summarize(con, p, output, round_name, as_of, due, [], "rebuild")
    finally:
        con.close()
    return CollectResult(out, p, 0, Headline(**summary.headline), summary, summary.problems)
