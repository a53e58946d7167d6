"""A returned workbook: screened, identified (whose is it, for which plan and round) and read through
the registered checks.  Returned files are untrusted: read-only, by a value reader (python-calamine),
after the file checks; never modified or moved.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from . import unitbook as L
from .checks import (MAX_FILE_BYTES, MAX_UNZIPPED_BYTES, FiguresView, RawFile, TaskRowView, column_index, human_size,
                     run_checks)
from .problems import GongkaiError, Problem
from .reportspec import spec_for
from .tables import CALAMINE_ERRORS, cell_text
from .tasklist import KEY as KEY_TITLE
from .xlsxparts import formula_cells, zip_sheet_parts

MAX_ROWS = 5000
SAVED_TIME, FILE_TIME = "文件内保存时间", "文件修改时间"
UNTRUSTED_TIME = "时间不可信"       # the file's own times are both later than the collect: a PC clock far ahead
OFFICE_TZ = "Asia/Shanghai"        # the offices' clock (北京时间) unless the setting says otherwise; never the machine's
CLOCK_SLACK = dt.timedelta(days=1)  # a saved time later than the collect by more than this is a wrong clock


def office_zone(name: str | None = None) -> dt.tzinfo:
    """The office's time zone by its IANA name (default 北京时间).  Windows has no zone database unless the
    tzdata package is installed; 北京时间 is then UTC+8, which it has been since 1992."""
    name = (name or OFFICE_TZ).strip()
    if name in ("北京时间", "UTC+8", "+08:00"):
        name = OFFICE_TZ
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == OFFICE_TZ:
            return dt.timezone(dt.timedelta(hours=8))
        raise GongkaiError.of("BAD_ARGUMENT", detail=f"时区“{name}”无法识别，请填写如 Asia/Shanghai（北京时间）的时区名称") from None


LOCAL = office_zone()


@dataclass
class Return:
    path: Path
    name: str
    sha256: str
    size: int
    mtime: dt.datetime
    unit: str = ""
    identity: str = ""          # "meta" | "content"
    plan_id: str = ""
    file_round: str = ""
    fingerprint: str = ""
    entries: dict = field(default_factory=dict)     # task id -> {field: value}
    figures: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    accepted: bool = False
    saved_at: dt.datetime | None = None             # when the unit last saved it (docProps/core.xml)
    time_source: str = FILE_TIME
    ledger: tuple[str, str] = ("", "")              # (identity, made) of the ledger its distribution was recorded in


class Context:
    """What the office expects back: the (edited) task list, assignments, registry, round."""

    def __init__(self, plan, assignments, registry, round_name, due, as_of, tz: dt.tzinfo | None = None,
                 labels_then: list[tuple[str, dict[str, str]]] | None = None):
        """``labels_then``: (round, task key -> 任务编号 as distributed), newest round first (ledgerdb.round_labels)."""
        self.tz = tz or LOCAL
        self.plan = plan
        self.assignments = assignments
        self.registry = registry
        self.round = round_name or ""
        self.due = due
        self.as_of = as_of
        self.year = plan.year
        self.plan_id = L.plan_id(plan)
        self.fingerprint = L.plan_fingerprint(plan)
        position = {id(t): i for i, t in enumerate(plan.tasks)}
        self._tasks = {u: [t for t, _ in sorted(a.tasks, key=lambda tr: position[id(tr[0])])]
                       for u, a in assignments.items()}
        self.spec = spec_for(plan.year)
        self.labels = [("", {t.key: t.id for t in plan.tasks}), *(labels_then or [])]     # today's first
        self._key_of: dict[str, str] = {}
        for _, labels in self.labels:            # a label maps to the task that has it today, else most recently
            for key, label in labels.items():
                self._key_of.setdefault(label, key)

    def unit_named_in(self, path_text: str) -> str | None:
        """The unit a file's name or folder names (the longest unit name or alias in it), if any.  Looked up
        by the path's substrings of each length a name has, so it costs the same for 60 units or 20,000."""
        if not hasattr(self, "_names"):
            names = {u: u for u in self.assignments}
            if self.registry is not None:
                for info in self.registry.units.values():
                    for n in [info.name, *info.aliases]:
                        names.setdefault(n, info.name)
            names.pop("", None)
            self._names = names
            self._lengths = sorted({len(n) for n in names}, reverse=True)
        for size in self._lengths:
            for i in range(len(path_text) - size + 1):
                unit = self._names.get(path_text[i:i + size])
                if unit is not None:
                    return unit
        return None

    def expected_keys(self, unit: str) -> list[str]:
        """The keys of the unit's tasks, in sheet order."""
        return [t.key for t in self._tasks.get(unit, [])]

    def key_of(self, label: str) -> str:
        """The task a 任务编号 names: today's, else the round that last showed it (a task renumbered since)."""
        return self._key_of.get(label, label)

    def expected_rows(self, unit: str, first_row: int, shown: set[str] = frozenset(),
                      keyed: dict[str, str] | None = None) -> list:
        """The rows a workbook sent to the unit would have, for a file that lost its metadata: each task under
        the 任务编号 the file shows for it -- where the file has the hidden 任务标识 column (``keyed``: key ->
        the 任务编号 on its row), the row with its key; else the labels of the round the file was issued in (the
        one whose labels the file's ``shown`` ids fit best; today's on a tie), so a task renumbered since that
        round is still the same task."""
        tasks = self._tasks.get(unit, [])
        keyed = keyed or {}
        _, then = max(self.labels, key=lambda rl: sum(1 for t in tasks if rl[1].get(t.key, t.id) in shown))
        rows = []
        for i, t in enumerate(tasks):
            label = keyed.get(t.key) or next((x for x in (then.get(t.key), t.id) if x and x in shown), t.id)
            rows.append(L.TaskRow(id=t.key, digest="", row=first_row + i, label=label))
        return rows

    def canonical(self, name: str) -> str:
        if self.registry is not None:
            return self.registry.canonical(name) or name
        return name

    def locked_values(self, unit: str, key: str) -> dict | None:
        """The locked cells of a task (by key) as distribute writes them (for naming a changed cell)."""
        for t, role in (self.assignments[unit].tasks if unit in self.assignments else []):
            if t.key == key:
                values = L.locked_cells(t, role, [x.key for x in self._tasks[unit]].index(key) + 1)
                return {k: cell_text(values[k]) for k in L.LOCKED_KEYS}
        return None


def file_digest(p: Path) -> str:
    st = p.stat()
    if st.st_size > MAX_FILE_BYTES:
        return f"big:{st.st_size}:{st.st_mtime_ns}"
    return hashlib.sha256(p.read_bytes()).hexdigest()


def read_return(path: Path, base: Path, ctx: Context) -> Return:
    """Read and check one returned workbook; every finding is a Problem on the Return."""
    name = str(path.relative_to(base)) if path.is_relative_to(base) else path.name
    stat = path.stat()
    data = path.read_bytes() if stat.st_size <= MAX_FILE_BYTES else b""
    ret = Return(path=path, name=name,
                 sha256=hashlib.sha256(data).hexdigest() if data else f"big:{stat.st_size}:{stat.st_mtime_ns}",
                 size=stat.st_size, mtime=local_time(stat.st_mtime, ctx.tz))
    return _read_workbook(ret, path.suffix.lower(), data, ctx)


def local_time(timestamp: float, tz: dt.tzinfo) -> dt.datetime:
    """A file time in the office's clock, whatever zone the machine is set to."""
    return dt.datetime.fromtimestamp(timestamp, tz).replace(tzinfo=None, microsecond=0)


def _judge_time(ret: Return, ctx: Context) -> None:
    """A saved time later than the collect is a PC clock running ahead (2031 in 2021): it neither decides
    which of a unit's files is its latest nor makes the file late.  The file time is used instead when it is
    plausible; else the time is marked untrusted (ranked below every trusted one, never late)."""
    limit = ctx.as_of + CLOCK_SLACK
    if ret.saved_at is None or ret.saved_at <= limit:
        if ret.saved_at is None and ret.mtime > limit:
            ret.problems.append(Problem("CLOCK_AHEAD", ret.name, params={
                "time": ret.mtime.isoformat(sep=" "), "source": FILE_TIME, "now": ctx.as_of.isoformat(sep=" "),
                "used": "报送先后和是否逾期不按它判断"}))
            ret.mtime, ret.time_source = ctx.as_of, UNTRUSTED_TIME
        return
    wrong = ret.saved_at
    ret.saved_at = None
    if ret.mtime <= limit:
        ret.time_source = FILE_TIME
        used = f"改按文件修改时间 {ret.mtime.isoformat(sep=' ')} 判断"
    else:
        ret.mtime, ret.time_source = ctx.as_of, UNTRUSTED_TIME
        used = "文件修改时间也是如此，报送先后和是否逾期不按它判断"
    ret.problems.append(Problem("CLOCK_AHEAD", ret.name, params={
        "time": wrong.isoformat(sep=" "), "source": SAVED_TIME, "now": ctx.as_of.isoformat(sep=" "), "used": used}))


def _read_workbook(ret: Return, ext: str, data: bytes, ctx: Context) -> Return:
    name = ret.name
    raw = RawFile(name=name, ext=ext, size=ret.size, data=data)
    ret.problems += run_checks("file", raw, stop_on_error=True)
    if any(p.severity == "error" for p in ret.problems):
        return ret
    ret.saved_at = saved_time(raw.zip, ctx.tz)
    if ret.saved_at:
        ret.time_source = SAVED_TIME
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = list(wb.sheet_names)
    except CALAMINE_ERRORS as exc:
        ret.problems.append(Problem("UNREADABLE", name, params={"detail": type(exc).__name__}))
        return ret

    def rows_of(sheet):
        return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=MAX_ROWS)

    parts: dict = {}
    xml_of: dict = {}

    def sheet_xml(sheet) -> bytes | None:
        if raw.zip is None:
            return None
        if sheet not in xml_of:
            if not parts:
                parts.update(zip_sheet_parts(raw.zip))
            part = parts.get(sheet)
            xml_of[sheet] = raw.zip.read(part) if part and part in raw.zip.namelist() else None
        return xml_of[sheet]

    def formulas_of(sheet) -> set[str]:
        xml = sheet_xml(sheet)
        return formula_cells(xml) if xml else set()

    def protected(sheet) -> bool:
        xml = sheet_xml(sheet)
        return xml is None or b"<sheetProtection" in xml

    def merged_of(sheet) -> list:
        return wb.get_sheet_by_name(sheet).merged_cell_ranges or []

    try:
        _read_content(ret, sheets, rows_of, formulas_of, ctx, protected if raw.zip is not None else None, merged_of)
    except CALAMINE_ERRORS + (KeyError, IndexError, TypeError) as exc:
        ret.problems.append(Problem("UNREADABLE", name, params={"detail": f"{type(exc).__name__}: {str(exc)[:60]}"}))
        ret.accepted = False
    if ret.accepted:                    # its time counts only for a return that counts
        _judge_time(ret, ctx)
    return ret


# ------------------------------------------------------------------------------ archives (e-mail attachments)

ARCHIVES = {".zip", ".7z"}
WORKBOOK_EXTS = {".xlsx", ".xlsm", ".xls"}
MAX_ARCHIVE_WORKBOOKS = 100


class _TooBig(Exception):
    pass


def archive_key(digest: str, member: str) -> str:
    """A workbook inside an archive is stored under the archive's digest and its name inside."""
    return f"{digest}#{member}"


def read_archive(path: Path, base: Path, ctx: Context, digest: str) -> list[Return]:
    """The workbooks inside a .zip or .7z a unit attached (zip or 7z: the archive's listing says how big
    each is; nothing is unpacked past the limits, whatever the listing says).  Each workbook is read as if
    it lay in the folder, named "区财政局报送材料.zip/区财政局.xlsx"."""
    rel = str(path.relative_to(base)) if path.is_relative_to(base) else path.name
    stat = path.stat()
    mtime = local_time(stat.st_mtime, ctx.tz)

    def problem(code: str, **params) -> list[Return]:      # named so the catalogue test sees its codes
        ret = Return(path=path, name=rel, sha256=archive_key(digest, ""), size=stat.st_size, mtime=mtime)
        ret.problems.append(Problem(code, rel, params=params))
        return [ret]

    if stat.st_size > MAX_FILE_BYTES * 5:
        return problem("TOO_LARGE", size=human_size(stat.st_size), limit=human_size(MAX_FILE_BYTES * 5))
    try:
        members = _zip_members(path) if path.suffix.lower() == ".zip" else _7z_members(path)
    except _TooBig as exc:
        return problem("ZIP_BOMB", detail=str(exc))
    except Exception as exc:        # noqa: BLE001 - any archive library failure on a user file is a problem, not a crash
        detail = "设置了密码" if "password" in str(exc).lower() or "encrypt" in str(exc).lower() else type(exc).__name__
        return problem("ARCHIVE_UNREADABLE", detail=detail)
    if not members:
        return problem("ARCHIVE_NO_WORKBOOK")
    out = []
    for member, data, when, size in members:
        ret = Return(path=path, name=f"{rel}/{member}", sha256=archive_key(digest, member), size=size,
                     mtime=when or mtime)
        if data is None:
            ret.problems.append(Problem("TOO_LARGE", ret.name, params={"size": human_size(size),
                                                                      "limit": human_size(MAX_FILE_BYTES)}))
            out.append(ret)
            continue
        out.append(_read_workbook(ret, Path(member).suffix.lower(), data, ctx))
    return out


def _workbook_member(name: str) -> bool:
    leaf = name.replace("\\", "/").rsplit("/", 1)[-1]
    return Path(leaf).suffix.lower() in WORKBOOK_EXTS and not leaf.startswith(("~$", ".~")) \
        and not name.startswith("__MACOSX/")


def _member_name(info) -> str:
    """A zip member's name: zips made on Chinese Windows store GBK names without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _zip_members(path: Path) -> list[tuple[str, bytes | None, dt.datetime | None, int]]:
    with zipfile.ZipFile(path) as z:
        infos = [i for i in z.infolist() if not i.is_dir() and _workbook_member(_member_name(i))][:MAX_ARCHIVE_WORKBOOKS]
        declared = sum(i.file_size for i in infos)
        if declared > MAX_UNZIPPED_BYTES:
            raise _TooBig(f"解压后 {human_size(declared)}")
        out, total = [], 0
        for i in infos:
            when = dt.datetime(*i.date_time) if i.date_time[0] >= 1980 else None
            if i.file_size > MAX_FILE_BYTES:
                out.append((_member_name(i), None, when, i.file_size))
                continue
            with z.open(i) as fh:
                data = fh.read(MAX_FILE_BYTES + 1)          # never more than the limit, whatever the header says
            if len(data) > MAX_FILE_BYTES:
                raise _TooBig(f"{_member_name(i)} 实际解压后超过 {human_size(MAX_FILE_BYTES)}")
            total += len(data)
            if total > MAX_UNZIPPED_BYTES:
                raise _TooBig(f"解压后超过 {human_size(MAX_UNZIPPED_BYTES)}")
            out.append((_member_name(i), data, when, len(data)))
        return out


def _7z_members(path: Path) -> list[tuple[str, bytes | None, dt.datetime | None, int]]:
    import py7zr                # here, not at the top: importing it takes half a second, and few returns are .7z
    from py7zr.io import Py7zBytesIO, WriterFactory

    class Capped(Py7zBytesIO):
        """Stops the unpacking once a member passes the limit (py7zr's own drops the rest but goes on)."""

        def write(self, s) -> int:
            if self.size() + len(s) > self.limit:
                raise _TooBig(f"{self.filename} 解压后超过 {human_size(self.limit)}")
            return super().write(s)

    class Factory(WriterFactory):
        def __init__(self):
            self.made = {}

        def create(self, filename):
            self.made[filename] = Capped(filename, MAX_FILE_BYTES)
            return self.made[filename]

    with py7zr.SevenZipFile(path, mode="r") as z:
        if z.needs_password():
            raise ValueError("password")
        infos = [i for i in z.list() if not i.is_directory and _workbook_member(i.filename)][:MAX_ARCHIVE_WORKBOOKS]
        declared = sum(i.uncompressed or 0 for i in infos)
        if declared > MAX_UNZIPPED_BYTES:
            raise _TooBig(f"解压后 {human_size(declared)}")
        big = {i.filename for i in infos if (i.uncompressed or 0) > MAX_FILE_BYTES}
        wanted = [i.filename for i in infos if i.filename not in big]
        factory = Factory()
        if wanted:
            z.extract(targets=wanted, factory=factory)
    out = []
    for i in infos:
        if i.filename in big:
            out.append((i.filename, None, None, i.uncompressed))
        elif i.filename in factory.made:
            made = factory.made[i.filename]
            made.seek(0)
            data = made.read()
            out.append((i.filename, data, None, len(data)))
    return out


def saved_time(z, tz: dt.tzinfo = LOCAL) -> dt.datetime | None:
    """The workbook's own last-saved time (dcterms:modified, written by Excel and WPS, in UTC), in the
    office's time."""
    if z is None or "docProps/core.xml" not in z.namelist():
        return None
    try:
        root = fromstring(z.read("docProps/core.xml"))
    except (ParseError, DefusedXmlException, KeyError):
        return None
    node = root.find("{http://purl.org/dc/terms/}modified")
    if node is None or not (node.text or "").strip():
        return None
    try:
        when = dt.datetime.fromisoformat(node.text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(tz).replace(tzinfo=None, microsecond=0)


# ------------------------------------------------------------------------------ identity

def _identify(ret: Return, sheets, rows_of, ledger_rows, ctx: Context) -> L.Meta | None:
    """Whose workbook, for which plan and round: from the metadata sheet, else by content.
    None when the file is not to be read further (its problem is on the Return)."""
    P, name = ret.problems, ret.name
    meta = L.read_meta(rows_of(L.META_SHEET)) if L.META_SHEET in sheets else L.Meta()
    if meta.unit:
        ret.identity, ret.unit = "meta", meta.unit
        ret.plan_id, ret.file_round, ret.fingerprint = meta.text("plan_id"), meta.text("round"), meta.text("fingerprint")
        ret.ledger = (meta.text("ledger"), meta.text("ledger_created"))
        if ret.plan_id != ctx.plan_id:
            P.append(Problem("WRONG_PLAN", name, params={"other": f"{meta.text('plan_title')} {meta.text('plan_year')}"}))
            return None
        if ctx.round and ret.file_round and ret.file_round != ctx.round:
            P.append(Problem("OLD_ROUND", name, params={"other": ret.file_round, "round": ctx.round}))
        if ret.fingerprint != ctx.fingerprint:
            P.append(Problem("PLAN_CHANGED", name))
    else:
        # identity lost (content copied into a fresh workbook): find the header, match by task ids
        header_row, cols = _find_header(ledger_rows)
        if header_row is None:
            P.append(Problem("NOT_OUR_FILE", name))
            return None
        id_col = column_index(cols["id"])
        ids = [cell_text(r[id_col]).strip() for r in ledger_rows[header_row:]
               if len(r) > id_col and cell_text(r[id_col]).strip()]
        keyed = _keyed_rows(ledger_rows, header_row, id_col)
        unit = _match_unit([keyed.get(i) or ctx.key_of(i) for i in ids], ctx,
                           rows_of if L.GUIDE_SHEET in sheets else None, name)
        if not unit:
            P.append(Problem("IDENTITY_UNKNOWN", name))
            return None
        ret.unit, ret.identity = unit, "content"
        P.append(Problem("IDENTITY_MISSING", name, params={"unit": unit}))
        figs, extras = L.default_figure_layout(ctx.spec.name)
        meta = L.Meta(info={"unit": unit, "header_row": header_row}, columns=cols, figures=dict(figs),
                      extras=list(extras), tasks=ctx.expected_rows(unit, header_row + 1, set(ids),
                                                                   {k: i for i, k in keyed.items()}))
    if ret.unit not in ctx.assignments:
        P.append(Problem("UNIT_NOT_EXPECTED", name, params={"unit": ret.unit}))
    named = ctx.unit_named_in(name)
    if named and named != ret.unit:
        P.append(Problem("NAME_MISMATCH", name, params={"unit": ret.unit, "other": named}))
    return meta


def _keyed_rows(rows: list[list], header_row: int, id_col: int) -> dict[str, str]:
    """任务编号 -> the task's key, where the sheet has a 任务标识 column (the task list's hidden key column,
    kept when rows were copied from it); {} without one."""
    header = [cell_text(v).strip() for v in rows[header_row - 1]]
    if KEY_TITLE not in header:
        return {}
    k = header.index(KEY_TITLE)
    return {cell_text(r[id_col]).strip(): cell_text(r[k]).strip() for r in rows[header_row:]
            if len(r) > max(k, id_col) and cell_text(r[id_col]).strip() and cell_text(r[k]).strip()}


def _find_header(rows: list[list]) -> tuple[int | None, dict]:
    titles = {c.title: c.key for c in L.COLUMNS}
    for i, row in enumerate(rows[:20]):
        found = {titles[str(v).strip()]: get_column_letter(j + 1) for j, v in enumerate(row) if str(v).strip() in titles}
        if {"id", "status", "detail"} <= found.keys():
            return i + 1, found
    return None, {}


def _match_unit(ids: list[str], ctx: Context, rows_of, file_name: str = "") -> str | None:
    """The unit whose assigned tasks (``ids``: the keys the file's rows name) the file holds.  Units sharing the same tasks (every town gets
    the towns' tasks) are told apart by the unit the file's name or folder names (孟庄镇_任务台账.xlsx),
    when that unit is one of those the ids fit."""
    named = None
    if rows_of:
        for row in rows_of(L.GUIDE_SHEET)[:12]:
            if row and str(row[0]).strip() == "单位名称" and len(row) > 1:
                named = ctx.canonical(str(row[1]).strip())
    if named in ctx.assignments:
        return named
    want = set(ids)                  # the tasks' keys

    def score(unit: str) -> float:
        have = set(ctx.expected_keys(unit))
        return len(want & have) / max(1, len(want | have))

    scores = {u: score(u) for u in ctx.assignments}
    best = max(scores, key=scores.get, default=None)
    if best is None:
        return None
    # the set of task ids must identify one unit (many units share collective tasks)
    if scores[best] < 0.9:
        return None
    ties = [u for u, s in scores.items() if s == scores[best]]
    if len(ties) == 1:
        return best
    by_name = ctx.unit_named_in(file_name) if file_name else None
    return by_name if by_name in ties else None


# ------------------------------------------------------------------------------ content

def _map_columns(ret: Return, rows, meta: L.Meta) -> None:
    """Columns are found by their header as sent, not by position: a moved column is followed (and
    named), a renamed one is read where it was, a missing one is named and read as blank."""
    h = meta.header_row
    header = [cell_text(v).strip() for v in (rows[h - 1] if 0 < h <= len(rows) else [])]
    where = {}
    for i, text in enumerate(header):
        if text:
            where.setdefault(text, []).append(get_column_letter(i + 1))
    for key, letter in list(meta.columns.items()):
        title = meta.titles.get(key) or L.COLUMN_BY_KEY[key].title
        at = header[column_index(letter)] if column_index(letter) < len(header) else ""
        if at == title:
            continue
        found = where.get(title, [])
        if len(found) == 1:
            meta.columns[key] = found[0]
            ret.problems.append(Problem("COLUMN_MOVED", ret.name, L.LEDGER_SHEET, f"{found[0]}{h}",
                                        {"column": title, "was": f"{letter}{h}"}))
        elif at:
            ret.problems.append(Problem("COLUMN_RENAMED", ret.name, L.LEDGER_SHEET, f"{letter}{h}",
                                        {"column": title, "value": at}))
        else:
            ret.problems.append(Problem("COLUMN_MISSING", ret.name, L.LEDGER_SHEET, f"{letter}{h}", {"column": title}))
            meta.columns[key] = "XFD"           # beyond every row: read as blank


def _read_content(ret: Return, sheets, rows_of, formulas_of, ctx: Context, protected=None, merged_of=None) -> None:
    if L.LEDGER_SHEET not in sheets:
        ret.problems.append(Problem("NOT_OUR_FILE", ret.name))
        return
    ledger_rows = rows_of(L.LEDGER_SHEET)
    meta = _identify(ret, sheets, rows_of, ledger_rows, ctx)
    if meta is None:
        return
    if ret.identity == "meta":
        _map_columns(ret, ledger_rows, meta)
        if protected is not None and not protected(L.LEDGER_SHEET):
            ret.problems.append(Problem("PROTECTION_REMOVED", ret.name, L.LEDGER_SHEET))
    if merged_of is not None:
        _spread_merged(ret, ledger_rows, meta, merged_of(L.LEDGER_SHEET))
    _read_task_rows(ret, ledger_rows, meta, formulas_of(L.LEDGER_SHEET), ctx)
    ledger_filled = _filled(ret.entries)
    if not ledger_filled:
        ledger_filled = _answers_in_a_copy(ret, sheets, rows_of, meta, ctx)
    if L.FIGURE_SHEET in sheets:
        fv = FiguresView(ret.name, rows_of(L.FIGURE_SHEET), meta.figures, meta.extras, formulas_of(L.FIGURE_SHEET),
                         ctx.spec)
        found = run_checks("figures", fv)
        ret.problems += found
        if any(p.code == "FIGURES_NOT_REPORTED" for p in found):
            status = L.FIGURES_MISSING
        elif any(p.severity == "error" for p in found):
            status = L.FIGURES_UNUSABLE
        else:
            status = L.FIGURES_OK
        ret.figures = {**fv.values, L.FIGURE_STATUS: status}
    if not ledger_filled:
        # a blank 任务台账 is not a report with nothing done: said, and with no figures either not counted
        figures_sent = ret.figures.get(L.FIGURE_STATUS) not in (None, L.FIGURES_MISSING)
        if figures_sent:
            ret.problems.append(Problem("LEDGER_NOT_FILLED", ret.name, L.LEDGER_SHEET))
        else:
            ret.problems.append(Problem("RETURN_BLANK", ret.name, L.LEDGER_SHEET))
            ret.entries = {}
            return
    ret.accepted = True


def _filled(entries: dict) -> bool:
    """Anything typed in a task row's answer cells."""
    return any(v not in (None, "") for e in entries.values() for v in e.values())


def _answers_in_a_copy(ret: Return, sheets, rows_of, meta: L.Meta, ctx: Context) -> bool:
    """The answers typed in a copy of the sheet ("任务台账 (2)", made by 移动或复制) while the original stays
    blank: read from the copy (same layout, found by task id), and said so.  True when a copy had answers."""
    for sheet in sheets:
        if sheet == L.LEDGER_SHEET or L.LEDGER_SHEET not in sheet:
            continue
        trial = Return(path=ret.path, name=ret.name, sha256=ret.sha256, size=ret.size, mtime=ret.mtime, unit=ret.unit)
        rows = rows_of(sheet)
        _read_task_rows(trial, rows, meta, set(), ctx)
        if not _filled(trial.entries):
            continue
        for p in trial.problems:
            p.sheet = sheet
        ret.problems.append(Problem("ANSWERS_IN_COPY", ret.name, sheet, params={"copy": sheet}))
        ret.problems += trial.problems
        ret.entries = trial.entries
        return True
    return False


def _spread_merged(ret: Return, rows: list, meta: L.Meta, ranges: list) -> None:
    """Answers under merged cells (J3:J5 merged holding 已完成): Excel shows the one value over all the rows
    and stores it in the first; each covered task row is read with it, and the merge is named."""
    editable = {column_index(letter) for key, letter in meta.columns.items()
                if key in L.COLUMN_BY_KEY and L.COLUMN_BY_KEY[key].editable}
    for (r1, c1), (r2, c2) in ranges:
        if r2 <= r1 or r1 < meta.header_row or c1 not in editable or r1 >= len(rows):
            continue                    # one row, or the title and header: nothing to spread
        top = rows[r1][c1] if c1 < len(rows[r1]) else None
        if top in (None, ""):
            continue
        for r in range(r1 + 1, min(r2, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            row[c1] = top
        ref = f"{get_column_letter(c1 + 1)}{r1 + 1}:{get_column_letter(c2 + 1)}{r2 + 1}"
        ret.problems.append(Problem("MERGED_ANSWER", ret.name, L.LEDGER_SHEET, ref,
                                    {"value": cell_text(top), "rows": f"{r1 + 1}–{r2 + 1}"}))


def _read_task_rows(ret: Return, rows, meta: L.Meta, formulas: set, ctx: Context) -> None:
    """Rows found by task id (a moved row is still its task); inserted and deleted rows are named."""
    P, name, cols = ret.problems, ret.name, meta.columns
    id_col = column_index(cols["id"])
    present: dict[str, int] = {}
    for r_i in range(meta.header_row, len(rows)):
        row = rows[r_i]
        tid = cell_text(row[id_col]).strip() if id_col < len(row) else ""
        if tid:
            present.setdefault(tid, r_i + 1)
    expected = {t.shown: t for t in meta.tasks}          # by the 任务编号 the unit was shown
    for tid, row_no in present.items():
        if tid not in expected:
            P.append(Problem("ROW_INSERTED", name, L.LEDGER_SHEET, f"A{row_no}", {"row": row_no, "task": tid}))
    for tid, sent in expected.items():
        if tid not in present:
            P.append(Problem("ROW_DELETED", name, L.LEDGER_SHEET, "", {"task": tid}))
            continue
        actual_row = present[tid]
        if actual_row != sent.row:
            P.append(Problem("ROW_MOVED", name, L.LEDGER_SHEET, f"{cols['id']}{actual_row}",
                             {"task": tid, "row": actual_row}))
        view = TaskRowView(name, tid, rows[actual_row - 1], cols, actual_row, sent.digest,
                           partial(ctx.locked_values, ret.unit, sent.id), formulas, ctx.as_of.date(), ctx.year)
        P.extend(run_checks("row", view))
        view.entry.pop("_date_typed", None)
        ret.entries[sent.id] = view.entry              # answers are kept by the task's key
