"""Stage 3: validate returned workbooks, keep every round in a SQLite ledger, write the summary.

API: ``collect(folder, tasks_path, output, ledger=None, due=None, round_name=None, registry_path=None)``
and ``rebuild(ledger, output)``.  Returned files are untrusted: they are opened read-only with a
value reader (python-calamine) after size, zip and XML-entity checks, never modified or moved.
Totals are computed from input cells, never taken from cached formula results.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import column_index_from_string, get_column_letter

from . import ledger as L
from . import reportspec as R
from .problems import GongkaiError, Problem
from .tables import cell_text as _plain

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_ROWS = 5000
SPREADSHEET = {".xlsx", ".xlsm", ".xls"}
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


# ------------------------------------------------------------------------------ reading one file

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


def _human(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


class ZipView:
    """One returned .xlsx/.xlsm opened once (from memory) for the structural checks."""

    def __init__(self, data: bytes):
        import io

        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self._parts: dict | None = None

    def screen(self, name: str) -> Problem | None:
        """Reject zip bombs and XML entity bombs before any parser sees the file."""
        infos = self.zip.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_UNZIPPED_BYTES:
            return Problem("ZIP_BOMB", name, params={"detail": f"解压后 {_human(total)}"})
        for i in infos:
            if i.file_size > 1024 * 1024 and i.compress_size and i.file_size / i.compress_size > MAX_RATIO:
                return Problem("ZIP_BOMB", name, params={"detail": f"{i.filename} 压缩比 {i.file_size // i.compress_size}:1"})
        for i in infos:
            if i.filename.endswith((".xml", ".rels", ".vml")):
                with self.zip.open(i) as fh:
                    head = fh.read(2048)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    return Problem("XML_BOMB", name, params={"detail": i.filename})
        return None

    def parts(self) -> dict[str, str]:
        """Sheet name -> part name, from workbook.xml (parsed with defusedxml)."""
        if self._parts is None:
            from defusedxml.ElementTree import fromstring

            self._parts = {}
            try:
                wb = fromstring(self.zip.read("xl/workbook.xml"))
                rels = fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
            except Exception:  # noqa: BLE001
                return self._parts
            m = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
            r = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
            targets = {x.get("Id"): x.get("Target") for x in rels}
            for sh in wb.iter(f"{m}sheet"):
                t = targets.get(sh.get(f"{r}id"), "").lstrip("/")
                self._parts[sh.get("name")] = t if t.startswith("xl/") else "xl/" + t
        return self._parts

    def formula_cells(self, sheet: str) -> set[str]:
        """Cells of a sheet that hold a formula (the value reader cannot tell)."""
        part = self.parts().get(sheet)
        if not part:
            return set()
        try:
            xml = self.zip.read(part)
        except KeyError:
            return set()
        out = set()
        for m in re.finditer(rb"<f[ >/]", xml):
            start = xml.rfind(b'<c r="', 0, m.start())
            if start >= 0:
                end = xml.index(b'"', start + 6)
                out.add(xml[start + 6:end].decode())
        return out


def _col_index(letter: str) -> int:
    return column_index_from_string(letter) - 1


def _addr(ref: str) -> tuple[int, int]:
    m = re.match(r"([A-Z]+)(\d+)", ref)
    return int(m.group(2)) - 1, _col_index(m.group(1))


def _value_at(rows: list[list], ref: str):
    r, c = _addr(ref)
    if r < len(rows) and c < len(rows[r]):
        v = rows[r][c]
        return None if v == "" else v
    return None


def read_return(path: Path, base: Path, ctx: "Context") -> Return:
    """Read and check one returned workbook; every finding is a Problem on the Return."""
    from python_calamine import CalamineWorkbook

    name = str(path.relative_to(base)) if path.is_relative_to(base) else path.name
    stat = path.stat()
    data = path.read_bytes() if stat.st_size <= MAX_FILE_BYTES else b""
    ret = Return(path, name, hashlib.sha256(data).hexdigest() if data else f"big:{stat.st_size}:{stat.st_mtime_ns}",
                 stat.st_size, dt.datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0))
    P = ret.problems
    if stat.st_size > MAX_FILE_BYTES:
        P.append(Problem("TOO_LARGE", name, params={"size": _human(stat.st_size), "limit": _human(MAX_FILE_BYTES)}))
        return ret
    if stat.st_size == 0:
        P.append(Problem("FILE_EMPTY", name))
        return ret
    ext = path.suffix.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    view = None
    if ext in (".xlsx", ".xlsm"):
        if not is_zip:
            if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and "EncryptionInfo".encode("utf-16-le") in data:
                P.append(Problem("ENCRYPTED", name))
                return ret
            if data[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
                P.append(Problem("UNREADABLE", name, params={"detail": "内容不是 Excel 文件"}))
                return ret
        else:
            try:
                view = ZipView(data)
                bad = view.screen(name)
            except zipfile.BadZipFile:
                bad = Problem("UNREADABLE", name, params={"detail": "不是有效的 xlsx 压缩包"})
            except Exception as exc:  # noqa: BLE001
                bad = Problem("UNREADABLE", name, params={"detail": type(exc).__name__})
            if bad:
                P.append(bad)
                return ret
    elif ext == ".xls":
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and "EncryptionInfo".encode("utf-16-le") in data:
            P.append(Problem("ENCRYPTED", name))
            return ret
        P.append(Problem("XLS_FORMAT", name))
    if is_zip and b"vbaProject.bin" in data:
        P.append(Problem("MACROS", name))
    view = view if is_zip and ext in (".xlsx", ".xlsm") else None
    try:
        import io

        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = list(wb.sheet_names)

        def rows_of(sheet):
            return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=MAX_ROWS)
    except Exception as exc:  # noqa: BLE001 - a file that crashes a reader is a problem entry
        P.append(Problem("UNREADABLE", name, params={"detail": f"{type(exc).__name__}"}))
        return ret
    try:
        _read_content(ret, sheets, rows_of, view, ctx)
    except Exception as exc:  # noqa: BLE001
        P.append(Problem("UNREADABLE", name, params={"detail": f"{type(exc).__name__}: {str(exc)[:60]}"}))
        ret.accepted = False
    return ret


def _read_content(ret: Return, sheets, rows_of, view: "ZipView | None", ctx: "Context") -> None:
    P = ret.problems
    name = ret.name
    meta: dict = {}
    cols: dict[str, str] = {}
    figs: dict[str, str] = {}
    extras: list[tuple[str, str]] = []
    task_rows: list[tuple[str, str, int]] = []
    if L.META_SHEET in sheets:
        for row in rows_of(L.META_SHEET):
            if not row or row[0] in ("", None):
                continue
            k = str(row[0])
            if k == "col":
                cols[str(row[1])] = str(row[2])
            elif k == "fig":
                figs[str(row[1])] = str(row[2])
            elif k == "extra":
                extras.append((str(row[1]), str(row[2])))
            elif k == "task":
                task_rows.append((str(row[1]), str(row[2]), int(float(row[3]))))
            else:
                meta[k] = row[1]
    if L.LEDGER_SHEET not in sheets:
        P.append(Problem("NOT_OUR_FILE", name))
        return
    ledger_rows = rows_of(L.LEDGER_SHEET)
    if meta.get("unit"):
        ret.identity = "meta"
        ret.unit = str(meta["unit"])
        ret.plan_id = str(meta.get("plan_id", ""))
        ret.file_round = str(meta.get("round", ""))
        ret.fingerprint = str(meta.get("fingerprint", ""))
        header_row = int(float(meta.get("header_row", 1)))
        if ret.plan_id != ctx.plan_id:
            P.append(Problem("WRONG_PLAN", name, params={"other": str(meta.get("plan_title", "")) + " " +
                                                          str(meta.get("plan_year", ""))}))
            return
        if ctx.round and ret.file_round and ret.file_round != ctx.round:
            P.append(Problem("OLD_ROUND", name, params={"other": ret.file_round, "round": ctx.round}))
        if ret.fingerprint != ctx.fingerprint:
            P.append(Problem("PLAN_CHANGED", name))
    else:
        # identity lost (content copied into a fresh workbook): find the header, match by task ids
        header_row, cols = _find_header(ledger_rows)
        if header_row is None:
            P.append(Problem("NOT_OUR_FILE", name))
            return
        ids = [str(r[_col_index(cols["id"])]).strip() for r in ledger_rows[header_row:]
               if len(r) > _col_index(cols["id"]) and str(r[_col_index(cols["id"])]).strip()]
        unit = _match_unit(ids, ctx, rows_of if L.GUIDE_SHEET in sheets else None)
        if not unit:
            P.append(Problem("IDENTITY_UNKNOWN", name))
            return
        ret.unit, ret.identity = unit, "content"
        P.append(Problem("IDENTITY_MISSING", name, params={"unit": unit}))
        task_rows = [(tid, "", header_row + 1 + i) for i, tid in enumerate(ctx.expected_ids(unit))]
        figs, extras = _default_figure_layout(ctx.spec)
    if ret.unit not in ctx.assignments:
        P.append(Problem("UNIT_NOT_EXPECTED", name, params={"unit": ret.unit}))
    formulas = view.formula_cells(L.LEDGER_SHEET) if view else set()
    _read_entries(ret, ledger_rows, header_row, cols, task_rows, formulas, ctx)
    if L.FIGURE_SHEET in sheets:
        fig_formulas = view.formula_cells(L.FIGURE_SHEET) if view else set()
        _read_figures(ret, rows_of(L.FIGURE_SHEET), figs, extras, fig_formulas, ctx.spec)
    ret.accepted = True


def _find_header(rows: list[list]) -> tuple[int | None, dict]:
    titles = {c.title: c.key for c in L.COLUMNS}
    for i, row in enumerate(rows[:20]):
        found = {titles[str(v).strip()]: get_column_letter(j + 1) for j, v in enumerate(row) if str(v).strip() in titles}
        if {"id", "status", "detail"} <= found.keys():
            return i + 1, found
    return None, {}


def _match_unit(ids: list[str], ctx: "Context", rows_of) -> str | None:
    named = None
    if rows_of:
        for row in rows_of(L.GUIDE_SHEET)[:12]:
            if row and str(row[0]).strip() == "单位名称" and len(row) > 1:
                named = ctx.canonical(str(row[1]).strip())
    if named in ctx.assignments:
        return named
    want = set(ids)
    best, score = None, 0.0
    for unit in ctx.assignments:
        have = set(ctx.expected_ids(unit))
        s = len(want & have) / max(1, len(want | have))
        if s > score:
            best, score = unit, s
    # the set of task ids must identify one unit (many units share collective tasks)
    ties = [u for u in ctx.assignments if len(want & set(ctx.expected_ids(u))) / max(1, len(want | set(ctx.expected_ids(u)))) == score]
    return best if score >= 0.9 and len(ties) == 1 else None


def _cell_ref(cols: dict, key: str, row: int) -> str:
    return f"{cols[key]}{row}"


def _read_entries(ret: Return, rows, header_row, cols, task_rows, formulas, ctx: "Context") -> None:
    P, name = ret.problems, ret.name
    id_col = _col_index(cols["id"])
    present: dict[str, int] = {}
    for r_i in range(header_row, len(rows)):
        row = rows[r_i]
        tid = str(row[id_col]).strip() if id_col < len(row) and row[id_col] not in (None, "") else ""
        if tid:
            present.setdefault(tid, r_i + 1)
    expected = {tid: (h, r) for tid, h, r in task_rows}
    for tid, row_no in present.items():
        if tid not in expected:
            P.append(Problem("ROW_INSERTED", name, L.LEDGER_SHEET, f"A{row_no}", {"row": row_no, "task": tid}))
    for tid, (digest, row_no) in expected.items():
        if tid not in present:
            P.append(Problem("ROW_DELETED", name, L.LEDGER_SHEET, "", {"task": tid}))
            continue
        actual_row = present[tid]
        if actual_row != row_no:
            P.append(Problem("ROW_MOVED", name, L.LEDGER_SHEET, f"{cols['id']}{actual_row}",
                             {"task": tid, "row": actual_row}))
        row = rows[actual_row - 1]

        def val(key):
            c = _col_index(cols[key])
            v = row[c] if c < len(row) else None
            return None if v == "" else v

        # locked cells: compare with the hash written at distribution, name the changed cell
        if digest:
            locked = [val(k) for k in L.LOCKED_KEYS]
            plain = [_plain(v) for v in locked]
            if L.task_hash(plain) != digest:
                expected_vals = ctx.locked_values(ret.unit, tid)
                changed = [k for k, v in zip(L.LOCKED_KEYS, plain) if expected_vals and expected_vals.get(k) != v]
                for k in changed or ["text"]:
                    P.append(Problem("TASK_CHANGED", name, L.LEDGER_SHEET, _cell_ref(cols, k, actual_row),
                                     {"task": tid, "column": L.COLUMN_BY_KEY[k].title}))
        entry = {}
        cell = lambda k: _cell_ref(cols, k, actual_row)  # noqa: E731
        status = val("status")
        status = str(status).strip() if status is not None else None
        if status and status not in L.STATUSES:
            P.append(Problem("INVALID_STATUS", name, L.LEDGER_SHEET, cell("status"), {"value": status}))
            status = None
        entry["status"] = status
        raw_date = val("done_date")
        done = None
        if raw_date is not None:
            done = _to_date(raw_date, ctx.year)
            if done is None:
                P.append(Problem("BAD_DATE", name, L.LEDGER_SHEET, cell("done_date"), {"value": str(raw_date)}))
            elif done > ctx.as_of.date():
                P.append(Problem("DATE_FUTURE", name, L.LEDGER_SHEET, cell("done_date"), {"value": done.isoformat()}))
            elif ctx.year and done.year < ctx.year - 1:
                P.append(Problem("DATE_BEFORE_PLAN", name, L.LEDGER_SHEET, cell("done_date"),
                                 {"value": done.isoformat()}))
        entry["done_date"] = done.isoformat() if done else None
        for key in L.EDITABLE_KEYS:
            if cell(key) in formulas:
                P.append(Problem("FORMULA_IN_INPUT", name, L.LEDGER_SHEET, cell(key)))
        for key in ("progress", "actual"):
            v = val(key)
            num = _number(v)
            if v is not None and num is None:
                P.append(Problem("TEXT_IN_NUMBER", name, L.LEDGER_SHEET, cell(key), {"value": str(v)}))
            elif num is not None and num < 0:
                P.append(Problem("NEGATIVE_NUMBER", name, L.LEDGER_SHEET, cell(key), {"value": num}))
                num = None
            if key == "progress" and num is not None and num > 1:
                num = num / 100 if num <= 100 else None
            entry[key] = num
        for key in ("detail", "evidence", "issues", "next"):
            v = val(key)
            entry[key] = str(v).strip() if v is not None and str(v).strip() else None
        if status == L.DONE:
            if not entry["done_date"] and raw_date is None:
                P.append(Problem("DONE_NO_DATE", name, L.LEDGER_SHEET, cell("done_date"), {"task": tid}))
            if not entry["detail"]:
                P.append(Problem("DONE_NO_DETAIL", name, L.LEDGER_SHEET, cell("detail"), {"task": tid}))
        if status == L.NA and not entry["issues"]:
            P.append(Problem("NA_NO_REASON", name, L.LEDGER_SHEET, cell("issues"), {"task": tid}))
        ret.entries[tid] = entry


def _read_figures(ret: Return, rows, figs: dict, extras: list, formulas: set, spec) -> None:
    P, name, sheet = ret.problems, ret.name, L.FIGURE_SHEET
    inputs = set(spec.input_keys)
    values: dict = {}
    for key, ref in figs.items():
        if key not in inputs:
            continue
        v = _value_at(rows, ref)
        if ref in formulas:
            P.append(Problem("FORMULA_IN_INPUT", name, sheet, ref))
        num = _number(v)
        if v is not None and num is None:
            P.append(Problem("TEXT_IN_NUMBER", name, sheet, ref, {"value": str(v)}))
            continue
        if num is not None and num < 0 and key not in spec.t2_signed:
            P.append(Problem("NEGATIVE_NUMBER", name, sheet, ref, {"value": num}))
            continue
        if num is not None and key not in spec.decimal and not float(num).is_integer():
            P.append(Problem("TEXT_IN_NUMBER", name, sheet, ref, {"value": str(v)}))
            continue
        values[key] = (int(num) if key not in spec.decimal else float(num)) if num is not None else 0
    for res in spec.check_balance(values):   # the 总计 column follows from the others
        col = R.T3_COLS.index(res.column) + 1
        P.append(Problem("FIGURES_INCONSISTENT", name, sheet, figs.get(R.t3(1, col), ""), {"detail": res.message}))
    for label_ref, value_ref in extras:
        label = _value_at(rows, label_ref)
        if label is None or not str(label).strip():
            continue
        v = _value_at(rows, value_ref)
        num = _number(v)
        if v is not None and num is None:
            P.append(Problem("TEXT_IN_NUMBER", name, sheet, value_ref, {"value": str(v)}))
        values[str(label).strip()] = num or 0
    ret.figures = values


def _number(v):
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    s = str(v).strip().replace(",", "").replace("，", "")
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*%", s)
    if m:
        return float(m.group(1)) / 100
    try:
        return float(s)
    except ValueError:
        return None


def _to_date(v, year: int | None = None) -> dt.date | None:
    """A date as units type it; "6月30日" takes the plan's year."""
    from .tables import as_date

    try:
        return as_date(v)
    except ValueError:
        m = re.fullmatch(r"\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*", str(v))
        if m and year:
            try:
                return dt.date(year, int(m.group(1)), int(m.group(2)))
            except ValueError:
                return None
        return None


# ------------------------------------------------------------------------------ context: what was sent

class Context:
    """What the office expects back: the (edited) task list, assignments, registry, round."""

    def __init__(self, plan, assignments, registry, round_name, due, as_of):
        from .distribute import plan_fingerprint, plan_id

        self.plan = plan
        self.assignments = assignments
        self.registry = registry
        self.round = round_name or ""
        self.due = due
        self.as_of = as_of
        self.year = plan.year
        self.plan_id = plan_id(plan)
        self.fingerprint = plan_fingerprint(plan)
        position = {id(t): i for i, t in enumerate(plan.tasks)}
        self._ids = {u: [t.id for t, _ in sorted(a.tasks, key=lambda tr: position[id(tr[0])])]
                     for u, a in assignments.items()}
        self._locked: dict = {}
        from .reportspec import spec_for

        self.spec = spec_for(plan.year)

    def expected_ids(self, unit: str) -> list[str]:
        return self._ids.get(unit, [])

    def canonical(self, name: str) -> str:
        if self.registry is not None:
            return self.registry.canonical(name) or name
        return name

    def locked_values(self, unit: str, tid: str) -> dict | None:
        """The locked cells of a task as distribute writes them (for naming a changed cell)."""
        from .distribute import locked_cells

        for t, role in (self.assignments[unit].tasks if unit in self.assignments else []):
            if t.id == tid:
                values = locked_cells(t, role, self.expected_ids(unit).index(tid) + 1)
                return {k: _plain(values[k]) for k in L.LOCKED_KEYS}
        return None


_LAYOUT_CACHE: dict = {}


def _default_figure_layout(spec) -> tuple[dict, list]:
    """Figure cell addresses of the bundled template (for files that lost their metadata)."""
    if spec.name not in _LAYOUT_CACHE:
        from openpyxl import load_workbook

        from .distribute import figure_layout
        from .resources import workbook_template

        wb = load_workbook(workbook_template(L.template_name(spec)))
        _LAYOUT_CACHE[spec.name] = figure_layout(wb, spec)
    return _LAYOUT_CACHE[spec.name]


# ------------------------------------------------------------------------------ the ledger database

def open_ledger(path: Path) -> sqlite3.Connection:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), isolation_level=None)
    con.execute("PRAGMA journal_mode=DELETE")
    con.executescript(SCHEMA)
    return con


def _store_plan(con, ctx: Context) -> None:
    plan = ctx.plan
    payload = {"plan": plan.to_dict(),
               "assignments": {u: {"category": a.category, "contact": a.contact, "phone": a.phone,
                                   "tasks": [[t.id, r] for t, r in a.tasks]} for u, a in ctx.assignments.items()}}
    con.execute("INSERT OR REPLACE INTO plan(key, value) VALUES ('current', ?)", (json.dumps(payload, ensure_ascii=False),))


def _store_return(con, ret: Return, round_name: str, seen_at: str) -> None:
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


# ------------------------------------------------------------------------------ the stage

def _iter_files(folder: Path):
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            yield p


def collect(folder, tasks_path, output, ledger=None, due=None, round_name=None, registry_path=None,
            as_of: dt.datetime | None = None, progress=None) -> dict:
    from .distribute import _parse_due, assign
    from .registry import load_registry
    from .tasklist import read_task_list

    folder = Path(folder)
    if not folder.is_dir():
        raise GongkaiError.of("FILE_NOT_FOUND", folder)
    plan, _ = read_task_list(tasks_path)
    registry = load_registry(registry_path) if registry_path else None
    assignments, _ = assign(plan, registry)
    as_of = as_of or dt.datetime.now().replace(microsecond=0)
    ctx = Context(plan, assignments, registry, round_name, _parse_due(due), as_of)
    ledger_path = Path(ledger) if ledger else Path(tasks_path).with_name("台账.sqlite")
    con = open_ledger(ledger_path)
    seen_at = as_of.isoformat()
    notes: list[Problem] = []
    files = list(_iter_files(folder))
    new = 0
    con.execute("BEGIN IMMEDIATE")
    try:
        _store_plan(con, ctx)
        known = {row[0]: row[1] for row in con.execute("SELECT sha256, name FROM files")}
        this_run: dict[str, str] = {}
        todo: list[Path] = []
        for i, p in enumerate(files, 1):
            rel = str(p.relative_to(folder))
            if p.name.startswith("~$") or p.name.startswith(".~"):
                notes.append(Problem("LOCK_FILE", rel))
                continue
            ext = p.suffix.lower()
            if ext in (".et", ".ett"):
                notes.append(Problem("WPS_FORMAT", rel))
                continue
            if ext not in SPREADSHEET:
                notes.append(Problem("NOT_SPREADSHEET", rel))
                continue
            digest = _sha(p)
            if digest in this_run:
                notes.append(Problem("SAME_FILE_TWICE", rel, params={"other": this_run[digest]}))
                continue
            this_run[digest] = rel
            if digest in known:
                continue          # collected before: the ledger already holds it
            todo.append(p)
        for i, ret in enumerate(_read_all(todo, folder, ctx), 1):
            _store_return(con, ret, ctx.round, seen_at)
            known[ret.sha256] = ret.name
            new += 1
            if progress:
                progress(i, len(todo), ret.name)
        con.execute("INSERT INTO runs(round, as_of, folder, due, new_files) VALUES (?,?,?,?,?)",
                    (ctx.round, seen_at, str(folder), ctx.due.isoformat() if ctx.due else "", new)) if new else None
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        con.close()
        raise
    summary = build_summary(con, ctx.round or None, as_of=as_of, due=ctx.due, notes=notes)
    con.close()
    from .summary import write_summary

    out = write_summary(summary, output)
    h = summary["headline"]
    msg = (f"已汇总 {h['returned']}/{h['expected']} 个单位（本次新读取 {new} 个文件，未报送 {h['missing']} 个，"
           f"逾期报送 {h['late']} 个）；任务 {h['tasks']} 项：已完成 {h['done']}，推进中 {h['in_progress']}，"
           f"未启动 {h['not_started']}，逾期 {h['overdue']}；发现问题 {len(summary['problems'])} 条。\n"
           f"汇总表：{out}\n台账数据库：{ledger_path}")
    return {"output": str(out), "ledger": str(ledger_path), "new_files": new, "summary": summary,
            "problems": summary["problems"], "message": msg}


_WORKER_CTX: dict = {}


def _init_worker(ctx: "Context", folder: Path) -> None:
    _WORKER_CTX["ctx"], _WORKER_CTX["folder"] = ctx, folder


def _read_in_worker(path: Path) -> Return:
    return read_return(path, _WORKER_CTX["folder"], _WORKER_CTX["ctx"])


def _read_all(paths: list[Path], folder: Path, ctx: "Context"):
    """Read returned files, on every core when there are many; results come back in order."""
    import os

    workers = min(4, os.cpu_count() or 1)
    if len(paths) < 40 or workers < 2:
        for p in paths:
            yield read_return(p, folder, ctx)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(ctx, folder)) as pool:
        yield from pool.map(_read_in_worker, paths, chunksize=8)


def _sha(p: Path) -> str:
    if p.stat().st_size > MAX_FILE_BYTES:
        st = p.stat()
        return f"big:{st.st_size}:{st.st_mtime_ns}"
    return hashlib.sha256(p.read_bytes()).hexdigest()


def rebuild(ledger, output, round_name=None, as_of=None) -> dict:
    """Rebuild the summary workbook from the ledger alone."""
    from .summary import write_summary

    p = Path(ledger)
    if not p.exists():
        raise GongkaiError.of("FILE_NOT_FOUND", p)
    con = open_ledger(p)
    runs = con.execute("SELECT as_of, due FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    as_of = as_of or (dt.datetime.fromisoformat(runs[0]) if runs else dt.datetime.now().replace(microsecond=0))
    due = dt.date.fromisoformat(runs[1]) if runs and runs[1] else None
    summary = build_summary(con, round_name, as_of=as_of, due=due, notes=[])
    con.close()
    out = write_summary(summary, output)
    return {"output": str(out), "summary": summary, "message": f"已根据台账数据库重建汇总表：{out}"}


# ------------------------------------------------------------------------------ the summary data

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
    headline = {"expected": len(assignments), "returned": len(chosen), "missing": len(missing), "late": len(late),
                "tasks": len(tasks), "done": sum(1 for r in task_rows if r["overall"] == L.DONE),
                "in_progress": sum(1 for r in task_rows if r["overall"] == "推进中"),
                "not_started": sum(1 for r in task_rows if r["overall"] == "未启动"),
                "overdue": sum(1 for r in task_rows if r["overdue"])}
    return {"plan": plan, "round": round_name, "as_of": as_of, "due": due, "headline": headline,
            "task_rows": task_rows, "unit_rows": unit_rows, "entries": entries, "figures": figures,
            "missing": missing, "problems": problems, "history": history, "trend": trend,
            "assignments": assignments}
