"""Stage 3: collect the returned workbooks, keep every round in the SQLite ledger, write the summary.

API: ``collect(CollectOptions(folder=..., tasks=..., output=..., ...)) -> CollectResult`` (the CLI, the
console and the panel build the same record) and ``rebuild(ledger, output) -> CollectResult``.

The concerns live beside it: ``returned`` identifies and reads one file, ``checks`` holds every check
(registered with its problem codes), ``ledgerdb`` the SQLite ledger (all its SQL), ``standing`` the state of
the year built from the ledger, ``summarybook`` the summary workbook.
"""
from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .assignment import Assignment, assign
from .dates import parse_due
from .filenames import LEDGER_NAME
from .ledgerdb import (SummaryRecord, add_on_time, distribution, ensure_round, file_keys, last_collect_run,
                       ledger_counts, ledger_file, ledger_folder, ledger_identity, ledger_now, on_time_units, open_ledger,
                       other_rounds_files, place_key, record_collect_run, recorded_round, recorded_rounds, remember_seen,
                       remember_summary, remembered_summary, round_files, round_labels, round_record, seen_files,
                       sent_units, store_plan, store_return, transaction)
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


@dataclass(frozen=True)
class CollectOptions:
    """One collect (or, with ``rebuild``, the summary rebuilt from the ledger alone), as the command line, the
    console buttons and the panel ask for it."""
    folder: Path | str | None = None          # the returns folder (回收)
    tasks: Path | str | None = None           # 任务清单.xlsx
    output: Path | str | None = None          # 汇总.xlsx: never an input or inside the returns folder
    ledger: Path | str | None = None          # default 台账.sqlite beside the task list
    due: str | None = None                    # the round's cut-off as typed; default the distribution's
    round_name: str | None = None
    registry_path: Path | str | None = None
    as_of: dt.datetime | None = None          # default now, in the office's time zone
    progress: Callable | None = None          # progress(done, total, name)
    on_time: list[str] = field(default_factory=list)    # units the office accepts as on time whatever their files say
    on_time_label: str = "--on-time"          # how the setting naming them is called when one is no unit of the year
    force: bool = False                       # an existing summary is replaced only with it
    timezone: str | None = None               # the office's (IANA name, default 北京时间); never the machine's
    sent_folder: Path | None = None           # the console's 下发 folder: the round must have been distributed
    rebuild: bool = False                     # from ``ledger`` alone into ``output`` (``round_name``, ``as_of``)


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


def collect(opts: CollectOptions) -> CollectResult:
    """Read what is new in the returns folder into the ledger and write the summary -- the ledger opened once
    (its round and the on-time units checked through it) and the registry read once."""
    if opts.rebuild:
        return rebuild(opts.ledger, opts.output, round_name=opts.round_name, as_of=opts.as_of, force=opts.force)
    folder, output = Path(opts.folder), opts.output
    if not folder.is_dir():
        raise GongkaiError.of("FILE_NOT_FOUND", folder)
    ledger_path = Path(opts.ledger) if opts.ledger else Path(opts.tasks).with_name(LEDGER_NAME)
    guard_output(output, [opts.tasks, opts.registry_path, ledger_path], [folder], opts.force)
    zone = office_zone(opts.timezone)
    as_of = opts.as_of or dt.datetime.now(zone).replace(tzinfo=None, microsecond=0)
    round_name, inputs = opts.round_name or "", [opts.tasks, opts.registry_path]
    con = open_ledger(ledger_path)
    try:
        registry = _check_request(con, opts)
        _check_identity(con, ledger_path, output)
        notes: list[Problem] = []
        # the scan, the reading and the storing under the ledger's write lock: a second run at the same time
        # waits for this one (or, after BUSY_SECONDS, says another is in progress) and then finds nothing new
        with transaction(con, ledger_path):
            earlier = other_rounds_files(con, round_name)
            todo, fresh = _scan(con, round_name, folder, earlier, notes)
            if fresh:                      # the digests made now: the next run need not read these files again
                remember_seen(con, fresh)
            due_date = parse_due(opts.due) if opts.due else _recorded_due(con, round_name)
            same = None
            if not todo and set(opts.on_time) <= set(on_time_units(con, round_name)):
                # nothing new in the folder: when nothing else changed either, the summary stands as it is (with
                # whatever the office corrected in it since)
                same = _unchanged(con, _summary_key(output, ledger_path), output,
                                  _state(con, round_name, due_date, as_of, notes, inputs))
            if same is None:
                if registry is None and opts.registry_path:
                    registry = load_registry(opts.registry_path)
                ctx = _store_round(con, opts, registry, due_date, as_of, zone)
                new = _store_new_returns(con, ctx, folder, todo, earlier, opts.progress)
        if same is not None:
            return CollectResult(Path(output), ledger_path, 0, same[0], {}, same[1], unchanged=True)
        with transaction(con, ledger_path):        # one summary written at a time, its hand edits checked
            state = _state(con, round_name, due_date, as_of, notes, inputs)
            summary, out = _summarize(con, ledger_path, output, ctx.round or None, as_of, ctx.due, notes, state)
    finally:
        con.close()
    return CollectResult(out, ledger_path, new, Headline(**summary.headline), summary, summary.problems)


def _store_round(con, opts: CollectOptions, registry, due_date, as_of: dt.datetime, zone) -> Context:
    """The round's place, its plan and assignments as collected against, and its on-time units, stored; what
    each returned file is read against."""
    plan, _ = read_task_list(opts.tasks)
    round_name = opts.round_name or ""
    assignments, unassigned, _ = expected_from_record(con, round_name, plan, registry)
    ctx = Context(plan, assignments, registry, round_name, due_date, as_of, tz=zone, labels_then=round_labels(con))
    ensure_round(con, round_name, as_of.isoformat())
    store_plan(con, plan, assignments, unassigned, round_name=round_name, aliases=_aliases(registry, assignments))
    add_on_time(con, ctx.round, [registry.canonical(u) or u if registry is not None else u for u in opts.on_time])
    return ctx


def _check_request(con, opts: CollectOptions):
    """The console's round must have been distributed (recorded in the ledger, or a folder under 下发 holding
    workbooks); units named as on time must be units of the year.  Returns the registry when it was read."""
    if opts.sent_folder is not None:
        rounds = recorded_rounds(con)
        sent = Path(opts.sent_folder)
        if sent.is_dir():
            rounds += sorted(p.name for p in sent.iterdir() if p.is_dir() and any(p.glob("*.xlsx")))
        rounds = list(dict.fromkeys(rounds))
        if (opts.round_name or "") not in rounds:
            raise GongkaiError.of("ROUND_NOT_DISTRIBUTED", round=opts.round_name or "",
                                  rounds="、".join(rounds) or "（还没有下发过）")
    if not opts.on_time:
        return None
    registry = load_registry(opts.registry_path) if opts.registry_path else None
    known = sent_units(con) or (sorted(registry.units) if registry is not None else [])
    check_units(opts.on_time, known, registry, opts.on_time_label)
    return registry


def check_units(names: list[str], known: list[str], registry, label: str) -> None:
    """Units named in a setting (认定按时报送的单位, --on-time) must be units of the year: a name matching
    none is refused with the nearest names, never silently ignored."""
    if not known:
        return
    for name in names:
        canonical = registry.canonical(name) if registry is not None else None
        if name not in known and canonical not in known:
            near = difflib.get_close_matches(name, known, n=3, cutoff=0.4)
            raise GongkaiError.of("UNIT_NOT_FOUND", label=label, unit=name,
                                  near=("，是不是：" + "、".join(near)) if near else "")


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
    return place_key(Path(ledger_path).resolve().parent, Path(output).resolve())


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
    files (by their place beside the ledger and their content: a moved or copied year folder is the same
    year), and what was skipped in the folder."""
    files = ledger_counts(con)              # any new file, or 催报 (单位进度 shows it)
    on_time = on_time_units(con, round_name)
    sent = round_record(con, round_name)     # a re-send or one unit's extension changes the summary
    here = ledger_folder(con)
    stats = [[place_key(here, Path(p).resolve()), _digest(Path(p))] for p in inputs if p]
    return json.dumps([files, on_time, round_name, due.isoformat() if due else as_of.date().isoformat(),
                       stats, [p.to_dict() for p in notes], sent], ensure_ascii=False, default=str)


def _unchanged(con, key: str, output, state: str) -> tuple[Headline, list[Problem]] | None:
    """The headline and problems of the summary at ``output`` when it was made from this very state and is
    still there (a clerk's corrections in it since are kept: a run with nothing new never rewrites it)."""
    row = remembered_summary(con, key)
    if row is None or row.state != state or not Path(output).is_file():
        return None
    saved = json.loads(row.result)
    return Headline(**saved["headline"]), [Problem(**p) for p in saved["problems"]]


def _keep_edited(con, key: str, output, as_of: dt.datetime) -> Path | None:
    """A summary changed by hand since this tool wrote it is copied aside before a new one replaces it.  Its
    size and time say it is unchanged; when the time moved (a copied or moved folder) its content decides."""
    out = Path(output)
    row = remembered_summary(con, key)
    try:
        st = out.stat()
    except OSError:
        return None
    if row is None or (st.st_size, st.st_mtime_ns) == (row.size, row.mtime_ns):
        return None
    if row.sha256 and st.st_size == row.size and _digest(out) == row.sha256:
        return None
    kept = out.with_name(f"{out.stem}_手工修改_{as_of:%Y%m%d-%H%M%S}{out.suffix}")
    shutil.copy2(out, kept)
    return kept


def _digest(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _remember(con, key: str, out: Path, state: str, summary: YearState) -> None:
    st = out.stat()
    result = json.dumps({"headline": summary.headline, "problems": [asdict(p) for p in summary.problems]},
                        ensure_ascii=False, default=str)
    remember_summary(con, key, SummaryRecord(state=state, size=st.st_size, mtime_ns=st.st_mtime_ns, result=result,
                                             sha256=_digest(out)))


def _scan(con, round_name: str, folder: Path, earlier: dict, notes: list) -> tuple[list[Path], list[tuple]]:
    """The files of the folder this round has not stored yet, with their digests; what is skipped goes to
    ``notes``.  A file whose size and time are as when it was last hashed is not read again; the digests
    made now are returned to be remembered (``seen`` rows)."""
    known = round_files(con, round_name)
    this_run: dict[str, str] = {}
    known_archives = {k.split("#", 1)[0] for k in known if "#" in k}
    earlier_archives = {k.split("#", 1)[0]: v[1] for k, v in earlier.items() if "#" in k}
    todo: list[Path] = []
    fresh: list[tuple] = []
    seen = seen_files(con)
    key_of = file_keys(con, folder)           # relative to the ledger: a moved year folder is not hashed again
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
        key = key_of(rel)
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
    mine, foreign, sent_here = ledger_identity(con)[0], [], set(recorded_rounds(con))
    for i, rets in enumerate(_read_all(todo, folder, ctx), 1):
        # another ledger's workbook of another round (this ledger does not know that round was counted), or of a
        # round this ledger has no record of sending (the ledger it was sent from is lost: never a first count)
        foreign += [ret for ret in rets if ret.ledger[0] not in ("", mine)
                    and (ret.file_round != ctx.round or ret.file_round not in sent_here)]
        for ret in rets:
            if ret.sha256 in earlier:       # the same content sent again, under another name: it counts now
                ret.problems.append(Problem("SAME_AS_EARLIER", ret.name, params={"other": earlier[ret.sha256][0]}))
            store_return(con, ret, ctx.round, seen_at)
            new += 1
        if progress:
            progress(i, len(todo), rets[-1].name if rets else "")
    if foreign:                  # nothing of this run is kept: the transaction is rolled back
        first = foreign[0]
        raise GongkaiError.of("LEDGER_LOST", ledger_file(con), returned=first.name,
                              count_text=f" 等 {len(foreign)} 个回收文件" if len(foreign) > 1 else "",
                              created=first.ledger[1].replace("T", " ") or "—",
                              rounds="、".join(dict.fromkeys(r.file_round or "未命名轮次" for r in foreign)) + "下发",
                              now=ledger_now(con))
    if new:
        record_collect_run(con, ctx.round, seen_at, folder, ctx.due.isoformat() if ctx.due else "", new)
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
        runs = last_collect_run(con, round_name)
        as_of = as_of or (dt.datetime.fromisoformat(runs[0]) if runs else
                          dt.datetime.now(office_zone()).replace(tzinfo=None, microsecond=0))
        due = dt.date.fromisoformat(runs[1]) if runs and runs[1] else _recorded_due(con, round_name or "")
        with transaction(con, p):
            summary, out = _summarize(con, p, output, round_name, as_of, due, [], "rebuild")
    finally:
        con.close()
    return CollectResult(out, p, 0, Headline(**summary.headline), summary, summary.problems)
