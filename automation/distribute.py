"""Stage 2: one task ledger workbook per unit, built from the editable template.

API: ``distribute(DistributeOptions(tasks=…, output=…, …)) -> DistributeResult``.

Speed: the template is opened with openpyxl once per run to make a *prototype* workbook (plan
fields filled, validations, conditional formats, protection, a hidden metadata sheet, custom
properties).  Each unit's workbook is then that prototype's zip with three parts rewritten as
text: the ledger rows, the metadata rows and the unit's name.  Styles the office gave the
template are kept because they are never re-serialised.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from copy import copy
from dataclasses import dataclass, field
from functools import cached_property
from functools import lru_cache
from pathlib import Path
from typing import Callable

from openpyxl import Workbook, load_workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import PatternFill, Protection
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.datavalidation import DataValidation

from . import unitbook as L
from .assignment import assign, unresolved_names
from .dates import parse_due
from .filenames import LEDGER_NAME, unit_workbook_names
from .ledgerdb import (Distribution, broken_distribution, finish_broken_distributions, latest_answers, ledger_identity,
                       ledger_now, open_ledger, record_distribution, start_distribution, store_round_labels,
                       transaction)
from .problems import GongkaiError, Problem
from .registry import load_registry
from .reportspec import spec_for
from .resources import workbook_template
from .results import DistributeResult
from .tables import (CALAMINE_ERRORS, atomic_target, cell_text, copy_style, read_rows, save_workbook, style_header,
                     write_text_row)
from .tasklist import read_task_list, record_keys
from .workers import in_workers
from .xlsxparts import cell_xml, rows_xml, sheet_parts, xml_text

CARRIED_FILL = "E2EFDA"        # answers carried over from the unit's previous round
TOKEN_UNIT = "@@GK_UNIT@@"
TOKEN_UNIT_ID = "@@GK_UNIT_ID@@"


# ------------------------------------------------------------------------------ the prototype's build steps

def _open_template(template: Path, spec) -> Workbook:
    """The unit workbook template, refused when it is unreadable or lacks a name or sheet the run needs."""
    try:
        wb = load_workbook(template)
    except Exception as exc:  # noqa: BLE001
        raise GongkaiError.of("TEMPLATE_INVALID", template, detail=f"无法打开（{type(exc).__name__}）") from None
    missing = [n for n in L.required_names(spec) if L.resolve_name(wb, n) is None]
    sheets = [L.GUIDE_SHEET, L.LEDGER_SHEET, L.FIGURE_SHEET]
    missing += [f"工作表“{s}”" for s in sheets if s not in wb.sheetnames]
    if missing:
        raise GongkaiError.of("TEMPLATE_INVALID", template, detail="缺少必需的名称：" + "、".join(missing))
    return wb


def _ledger_columns(wb: Workbook, template: Path) -> tuple[dict[str, str], int]:
    """The task ledger's column letters by key (from the GK_COL_… names) and its header row."""
    columns: dict[str, str] = {}
    header_rows = set()
    for col in L.COLUMNS:
        sheet, ref = L.resolve_name(wb, col.name)
        m = re.match(r"\$?([A-Z]+)\$?(\d+)", ref)
        columns[col.key] = m.group(1)
        header_rows.add(int(m.group(2)))
    if len(header_rows) != 1 or len(set(columns.values())) != len(columns):
        raise GongkaiError.of("TEMPLATE_INVALID", template, detail="任务台账各列的名称（GK_COL_…）应指向同一表头行的不同列")
    h = header_rows.pop()
    return columns, h


def _sample_rows(ws, columns: dict[str, str], r0: int) -> None:
    """Four sample rows: r0 with 实际完成数量 open (tasks with a target), r0+1 with it locked, and the
    same two with the answer cells tinted (answers carried over from the unit's previous round)."""
    ws.insert_rows(r0 + 1, 3)
    grey = copy(ws[f"{columns['target']}{r0}"].fill)
    for key, letter in columns.items():
        src = ws[f"{letter}{r0}"]
        dsts = [ws[f"{letter}{r}"] for r in (r0 + 1, r0 + 2, r0 + 3)]
        copy_style(src, *dsts)
        for cell in [src, *dsts]:
            cell.value = None
    for r in (r0 + 1, r0 + 3):
        plain_actual = ws[f"{columns['actual']}{r}"]
        plain_actual.protection = Protection(locked=True)
        plain_actual.fill = grey
    for key in L.EDITABLE_KEYS:
        for r in (r0 + 2, r0 + 3):
            if key != "actual" or r == r0 + 2:
                ws[f"{columns[key]}{r}"].fill = PatternFill("solid", fgColor=CARRIED_FILL)
    for key, letter in columns.items():   # every cell of the sample rows is written so it keeps its style
        for r in range(r0, r0 + 4):
            if not ws[f"{letter}{r}"].has_style:
                ws[f"{letter}{r}"].style = "Normal"


def _fill_guide(wb: Workbook, plan, shown_round: str | None, due: dt.date | None, contact: str,
                columns: dict[str, str], r0: int) -> None:
    """The guide sheet's fields, and its live status line (what is still to fill in)."""
    def put(name, value):
        sheet, ref = L.resolve_name(wb, name)
        wb[sheet][ref.replace("$", "")].value = value

    put("GK_UNIT", TOKEN_UNIT)
    put("GK_PLAN", plan.title or "")
    put("GK_ROUND", shown_round or "")
    put("GK_DUE", due.isoformat() + "（请在此日期前报送）" if due else "按办公室通知")
    put("GK_CONTACT", contact or "")
    last = L.MAX_ROW
    q = f"'{L.LEDGER_SHEET}'!"
    idr = f"{q}${columns['id']}${r0}:${columns['id']}${last}"
    str_ = f"{q}${columns['status']}${r0}:${columns['status']}${last}"
    det = f"{q}${columns['detail']}${r0}:${columns['detail']}${last}"
    dd = f"{q}${columns['done_date']}${r0}:${columns['done_date']}${last}"
    check_sheet, check_ref = L.resolve_name(wb, "GK_CHECK_ALL")
    put("GK_STATUS",
        f'=IF(COUNTA({idr})-COUNTA({str_})>0,"尚有 "&(COUNTA({idr})-COUNTA({str_}))&" 项未填写完成状态；","完成状态已全部填写；")'
        f'&IF(SUMPRODUCT(({str_}="{L.DONE}")*(LEN(TRIM({det}))=0))>0,"有 "&SUMPRODUCT(({str_}="{L.DONE}")*(LEN(TRIM({det}))=0))&" 项已完成但未填写落实情况；","")'
        f'&IF(SUMPRODUCT(({str_}="{L.DONE}")*({dd}=""))>0,"有 "&SUMPRODUCT(({str_}="{L.DONE}")*({dd}=""))&" 项已完成但未填写完成时间；","")'
        f'&IF(LEFT(\'{check_sheet}\'!{check_ref},1)="✗","年度报告数据"&MID(\'{check_sheet}\'!{check_ref},3,99)&"。","")')


def _add_validations(ws, columns: dict[str, str], r0: int) -> None:
    """Validations with input messages on the editable columns."""
    last = L.MAX_ROW

    def rng(key):
        return f"{columns[key]}{r0}:{columns[key]}{last}"

    def dv(key, **kw):
        col = L.COLUMN_BY_KEY[key]
        v = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=col.title, prompt=col.help,
                           showErrorMessage="type" in kw, errorTitle=col.title, **kw)
        ws.add_data_validation(v)
        v.add(rng(key))

    dv("status", type="list", formula1='"' + ",".join(L.STATUSES) + '"',
       error="请从下拉列表选择：" + "、".join(L.STATUSES))
    dv("done_date", type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2099,12,31)",
       error="请填写日期，如 2021-06-30")
    dv("progress", type="decimal", operator="between", formula1="0", formula2="1",
       error="请填写 0% 到 100% 之间的百分比")
    dv("actual", type="decimal", operator="greaterThanOrEqual", formula1="0", error="请填写不小于 0 的数字")
    for key in ("detail", "evidence", "issues", "next"):
        dv(key)


def _add_formats(ws, columns: dict[str, str], h: int, r0: int) -> None:
    """Conditional formats the unit sees: overdue rows (only once the unit has answered: a workbook just sent
    out is never red), 已完成 without text or date; the filter over the ledger."""
    last = L.MAX_ROW
    first, lastc = min(columns.values(), key=column_index_from_string), max(columns.values(), key=column_index_from_string)
    d, s, t = columns["deadline"], columns["status"], columns["detail"]
    ws.conditional_formatting.add(
        f"{first}{r0}:{lastc}{last}",
        FormulaRule(formula=[f'AND(${d}{r0}<>"",${d}{r0}<TODAY(),${s}{r0}<>"",${s}{r0}<>"{L.DONE}",${s}{r0}<>"{L.NA}")'],
                    fill=PatternFill("solid", fgColor="F8CBAD"), stopIfTrue=False))
    ws.conditional_formatting.add(
        f"{t}{r0}:{t}{last}",
        FormulaRule(formula=[f'AND(${s}{r0}="{L.DONE}",LEN(TRIM(${t}{r0}))=0)'],
                    fill=PatternFill("solid", fgColor="FFC000")))
    ws.conditional_formatting.add(
        f"{columns['done_date']}{r0}:{columns['done_date']}{last}",
        FormulaRule(formula=[f'AND(${s}{r0}="{L.DONE}",${columns["done_date"]}{r0}="")'],
                    fill=PatternFill("solid", fgColor="FFC000")))
    ws.auto_filter.ref = f"{first}{h}:{lastc}{last}"


def _protect(sheets: list, password: str | None) -> None:
    """Sheet protection: an accident guard, not security (the hashes in the metadata are)."""
    for sheet in sheets:
        sheet.protection.sheet = True
        sheet.protection.autoFilter = False
        sheet.protection.formatRows = False
        sheet.protection.formatColumns = False
        sheet.protection.selectLockedCells = False
        sheet.protection.selectUnlockedCells = False
        if password:
            sheet.protection.password = password


def _add_meta(wb: Workbook, plan, round_name: str, issued: str) -> None:
    """The hidden metadata sheet (filled per unit) and the workbook's custom properties."""
    meta = wb.create_sheet(L.META_SHEET)
    meta["A1"] = "placeholder"
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    fingerprint = L.plan_fingerprint(plan)
    pid = L.plan_id(plan)
    for key, value in [("gk_unit", TOKEN_UNIT), ("gk_unit_id", TOKEN_UNIT_ID), ("gk_plan_id", pid),
                       ("gk_fingerprint", fingerprint), ("gk_round", round_name or ""),
                       ("gk_template_version", L.TEMPLATE_VERSION), ("gk_issued", issued)]:
        wb.custom_doc_props.append(StringProperty(name=key, value=value))


def _row_styles(xml: str, r0: int) -> dict[str, dict[str, str]]:
    """The style id of each cell of the four sample rows, as saved: variant -> column letter -> style id."""
    styles = {"target": {}, "plain": {}, "target_carried": {}, "plain_carried": {}}
    for variant, r in (("target", r0), ("plain", r0 + 1), ("target_carried", r0 + 2), ("plain_carried", r0 + 3)):
        row = re.search(rf'<row r="{r}"[^>]*>(.*?)</row>', xml, re.S)
        for m in re.finditer(r'<c r="([A-Z]+)\d+"(?: s="(\d+)")?', row.group(1) if row else ""):
            styles[variant][m.group(1)] = m.group(2) or "0"
    return styles


# ------------------------------------------------------------------------------ the prototype

@dataclass
class Prototype:
    data: dict[str, bytes]
    order: list[str]
    ledger_part: str
    meta_part: str
    columns: dict[str, str]           # key -> column letter
    widths: dict[str, float]
    header_row: int
    styles: dict[str, dict[str, str]]  # "target"/"plain" -> key -> style id
    meta_common: list[tuple]
    plan_year: object
    token_parts: frozenset = frozenset()
    _rows: dict = field(default_factory=dict)      # (task id, role, place) -> (row XML, TaskRow)
    _ledger_parts: tuple | None = None             # the ledger sheet cut where each unit's own content goes

    # -------------------------------------------------------------- build (once per run)
    @classmethod
    def build(cls, template: Path, plan, sent: L.Sending, o: DistributeOptions,
              shown_round: str | None = None) -> "Prototype":
        """``sent``: the round, its issue time and cut-off (recorded in each workbook); ``o``: the contact line and
        password; ``shown_round``: the round as the guide sheet says it (with what was carried forward)."""
        round_name, due, issued = sent.round_name, sent.due, sent.issued
        spec = spec_for(plan.year)
        wb = _open_template(template, spec)
        ws = wb[L.LEDGER_SHEET]
        columns, h = _ledger_columns(wb, template)
        r0 = h + 1
        _sample_rows(ws, columns, r0)
        titles = {key: cell_text(ws[f"{letter}{h}"].value).strip() for key, letter in columns.items()}
        _fill_guide(wb, plan, round_name if shown_round is None else shown_round, due, o.contact, columns, r0)
        _add_validations(ws, columns, r0)
        _add_formats(ws, columns, h, r0)
        _protect([wb[L.GUIDE_SHEET], ws, wb[L.FIGURE_SHEET]], o.password)
        # figures: where each figure sits, recorded in the metadata for collection
        fig_cells, extra_cells = L.figure_layout(wb, spec)
        _add_meta(wb, plan, round_name, issued)
        wb.active = wb.sheetnames.index(L.GUIDE_SHEET)
        buf = io.BytesIO()
        wb.save(buf)
        z = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
        data = {n: z.read(n) for n in z.namelist()}
        parts = sheet_parts(data["xl/workbook.xml"], data["xl/_rels/workbook.xml.rels"])
        ledger_part, meta_part = parts[L.LEDGER_SHEET], parts[L.META_SHEET]
        styles = _row_styles(data[ledger_part].decode("utf-8"), r0)
        meta_common = L.meta_common_rows(plan, spec, sent, L.Layout(h, columns, fig_cells, extra_cells, titles))
        widths = {letter: (ws.column_dimensions[letter].width or 9) for letter in columns.values()}
        token_parts = frozenset(n for n, b in data.items() if TOKEN_UNIT.encode() in b or TOKEN_UNIT_ID.encode() in b)
        return cls(data, list(data), ledger_part, meta_part, columns, widths, h, styles, meta_common, plan.year,
                   token_parts)

    # -------------------------------------------------------------- render (once per unit)
    def render(self, unit: str, tasks: list, carried: dict | None = None) -> tuple[bytes, list[L.TaskRow]]:
        """The unit's workbook, and the task rows as written (id, locked-cell hash, row).  ``carried``:
        task id -> the unit's latest answers, pre-filled and tinted so the unit updates them."""
        uid = L.unit_id(unit)
        rows_xml, meta_rows = self._ledger_rows(tasks, carried or {})
        out = io.BytesIO()
        last = self.header_row + max(1, len(tasks))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for name in self.order:
                data = self.data[name]
                if name == self.ledger_part:
                    data = self._ledger_xml(rows_xml, last)
                elif name == "xl/workbook.xml":       # the filter's hidden name follows the filter
                    data = re.sub(rb'(_xlnm\._FilterDatabase"[^>]*>[^<]*\$)' + str(L.MAX_ROW).encode() + rb"<",
                                  lambda m: m.group(1) + str(last).encode() + b"<", data)
                elif name == self.meta_part:
                    data = self._meta_xml(data, unit, uid, meta_rows)
                elif name in self.token_parts:
                    data = data.replace(TOKEN_UNIT.encode(), xml_text(unit).encode()) \
                               .replace(TOKEN_UNIT_ID.encode(), uid.encode())
                z.writestr(name, data)
        return out.getvalue(), meta_rows

    def _ledger_xml(self, rows: str, last: int) -> bytes:
        """The ledger sheet with the unit's task rows in place of the template's probe rows, and every range
        the template opened to MAX_ROW (validations, formats, filter, dimension) ending at the last task."""
        if self._ledger_parts is None:          # cut once: "\x00" where the rows go, "\x01" for the last row
            xml = self.data[self.ledger_part].decode("utf-8")
            r0 = self.header_row + 1
            xml = re.sub(rf'<row r="{r0}"[ >].*?<row r="{r0 + 3}"[^>]*(?:/>|>.*?</row>)', "\x00", xml, count=1,
                         flags=re.S)
            xml = re.sub(r'(<dimension ref="[A-Z]+\d+:[A-Z]+)\d+', "\\g<1>\x01", xml)
            xml = re.sub(rf'(?<=[A-Z]){L.MAX_ROW}(?=["\s])', "\x01", xml)
            self._ledger_parts = tuple(xml.split("\x00"))
        head, tail = self._ledger_parts
        n = str(last)
        return (head.replace("\x01", n) + rows + tail.replace("\x01", n)).encode("utf-8")

    def _ledger_rows(self, tasks: list, carried: dict) -> tuple[str, list[L.TaskRow]]:
        parts = []
        meta_rows = []
        for i, (task, role) in enumerate(tasks, 1):
            answer = carried.get(task.key)
            key = None if answer else (task.key, task.id, role, i)
            hit = self._rows.get(key) if key else None
            if hit is None:                     # a task row without carried answers is the same for every
                hit = self._ledger_row(task, role, i, answer)           # unit that has it in that place
                if key and len(self._rows) < 100000:
                    self._rows[key] = hit
            parts.append(hit[0])
            meta_rows.append(hit[1])
        if not tasks:
            parts.append(f'<row r="{self.header_row + 1}"/>')
        return "".join(parts), meta_rows

    @cached_property
    def _order(self) -> list[tuple[str, str]]:
        """(column key, letter) from left to right."""
        return sorted(self.columns.items(), key=lambda kv: column_index_from_string(kv[1]))

    def _ledger_row(self, task, role: str, i: int, answer: dict | None) -> tuple[str, L.TaskRow]:
        r = self.header_row + i
        values = L.locked_cells(task, role, i)
        meta_row = L.TaskRow(id=task.key, digest=L.task_hash([cell_text(values[k]) for k in L.LOCKED_KEYS]), row=r,
                             label=task.id)
        if answer:
            values.update(carried_values(answer))
        variant = self.styles[("target" if task.targets else "plain") + ("_carried" if answer else "")]
        height = _row_height([(values.get(k), self.widths[self.columns[k]])
                              for k in ("text", "section", "others", "detail", "evidence", "issues", "next")])
        cells = [cell_xml(f"{letter}{r}", variant.get(letter, "0"), values.get(key)) for key, letter in self._order]
        return f'<row r="{r}" ht="{height:.1f}" customHeight="1">{"".join(cells)}</row>', meta_row

    def _meta_xml(self, data: bytes, unit: str, uid: str, task_rows: list[L.TaskRow]) -> bytes:
        if not hasattr(self, "_meta_parts"):
            # the rows every unit shares are rendered once; the unit's own rows follow them
            common = rows_xml(self.meta_common, 1)
            xml = data.decode("utf-8")
            xml = re.sub(r"<sheetData>.*?</sheetData>|<sheetData/>", "<sheetData>\x00</sheetData>", xml, count=1,
                         flags=re.S)
            xml = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:E\x01"/>', xml)
            head, rest = xml.split("\x00")
            self._meta_parts = (head.encode("utf-8"), common.encode("utf-8"), rest)
        head, common, rest = self._meta_parts
        own = L.write_meta(self.meta_common, unit, task_rows)
        n = len(self.meta_common)
        return head.replace(b"\x01", str(n + len(own)).encode()) + common + \
            rows_xml(own, n + 1).encode("utf-8") + rest.encode("utf-8")


def carried_values(entry: dict) -> dict:
    """A stored answer as cell values: dates as dates, numbers as numbers, text as text."""
    out = {k: entry.get(k) for k in L.EDITABLE_KEYS if entry.get(k) not in (None, "")}
    if out.get("done_date"):
        out["done_date"] = dt.date.fromisoformat(out["done_date"])
    return out


def _row_height(texts: list[tuple[str, float]]) -> float:
    return _row_height_cached(tuple(texts))


@lru_cache(maxsize=16384)
def _row_height_cached(texts: tuple) -> float:
    lines = 1
    for text, width in texts:
        if not text:
            continue
        per_line = max(4, int(width * 0.95))
        n = 0
        for part in str(text).split("\n"):
            units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in part)
            n += max(1, -(-units // per_line))
        lines = max(lines, n)
    return min(409.0, 13.5 * lines + 6)


# ------------------------------------------------------------------------------ the stage

@dataclass(frozen=True)
class DistributeOptions:
    """How a round is sent out, built by the CLI (its flags) and the console's step (and so the web panel)
    alike: ``registry_path`` the unit registry; ``due`` the cut-off as typed; ``round_name``; ``template`` a unit
    workbook template (default the built-in one for the plan's year); ``units``: only these units (a re-send);
    ``force``: write into a folder holding an earlier run's files; ``password`` protecting the sheets;
    ``contact`` the office's contact line; ``progress(done, total, unit)``; ``ledger`` (default 台账.sqlite
    beside the task list); ``skip_unresolved``: names that are no real unit do not stop the run, their tasks are
    listed as 未分解; ``carry_forward``: from the second round on, each workbook carries the unit's latest
    answers."""
    tasks: str | Path | None = None           # 任务清单.xlsx
    output: str | Path | None = None          # the round's folder of unit workbooks
    registry_path: str | Path | None = None
    due: str | dt.date | None = None
    round_name: str | None = None
    template: str | Path | None = None
    units: tuple | list | None = None
    force: bool = False
    password: str | None = None
    contact: str = ""
    progress: Callable | None = None
    ledger: str | Path | None = None
    skip_unresolved: bool = False
    carry_forward: bool = True


def distribute(opts: DistributeOptions) -> DistributeResult:
    """One workbook per real unit, a listing, and the record of what was sent to whom in the ledger.  Names
    in the task list that are no real unit stop the run (nothing written) unless ``skip_unresolved``."""
    o = opts
    tasks_path, output_dir = o.tasks, o.output
    registry_path, due, round_name, units, force = o.registry_path, o.due, o.round_name, o.units, o.force
    plan, problems = read_task_list(tasks_path)
    copied = [p for p in problems if p.code in ("TASKLIST_DUPLICATE_ID", "TASKLIST_DUPLICATE_KEY")]
    if copied:                  # a copied row would be sent to nobody: the clerk says which task it is
        raise GongkaiError(copied[0])
    registry = load_registry(registry_path) if registry_path else None
    due_date = parse_due(due)
    assignments, assign_problems = assign(plan, registry)
    problems += assign_problems
    unresolved = unresolved_names(assign_problems)
    if unresolved and not o.skip_unresolved:
        raise GongkaiError.of("DISTRIBUTE_UNRESOLVED", count=len(unresolved),
                              names="；".join(f"“{n}”（任务 {t}）" for n, t in unresolved.items()))
    out = Path(output_dir)
    chosen = chosen_units(units, registry, assignments)
    names = unit_workbook_names(list(assignments), plan.year)
    tpl = Path(o.template) if o.template else workbook_template(L.template_name(spec_for(plan.year)))
    ledger_path = Path(o.ledger) if o.ledger else Path(tasks_path).with_name(LEDGER_NAME)
    con = open_ledger(ledger_path)
    try:
        broken = broken_distribution(con, round_name or "", out.resolve()) if out.exists() else None
        if out.exists() and not force and not units and broken is None:
            clash = [names[u] for u in chosen if (out / names[u]).exists()] + \
                    (["下发清单.xlsx"] if (out / "下发清单.xlsx").exists() else [])
            if clash:
                raise GongkaiError.of("OUTPUT_EXISTS", out / clash[0])
        _refuse_lost_ledger(con, ledger_path, out, L.plan_id(plan), round_name or "")
        if broken is not None:          # an earlier run into this folder stopped before it was recorded
            problems.append(Problem("DISTRIBUTE_RESUMED", str(out), params={"time": broken.replace("T", " ")}))
        if not tpl.exists():
            raise GongkaiError.of("FILE_NOT_FOUND", tpl)
        record_keys(tasks_path, plan)      # a task sent out keeps its key in the task list from now on
        aliases = {u: [a for a in [registry.info(u).name, *registry.info(u).aliases] if a != u] for u in chosen
                   if registry is not None and registry.info(u) is not None}
        previous = {u: latest_answers(con, u, before_round=round_name or "", aliases=aliases.get(u, ()))
                    for u in chosen} if o.carry_forward else {}
        issued = dt.datetime.now().replace(microsecond=0).isoformat()
        carried_rounds = sorted({p[0] for p in previous.values() if p})
        shown_round = (round_name or "") + (f"（浅绿色内容沿用“{'、'.join(carried_rounds)}”报送的结果，请逐项核对更新）"
                                             if carried_rounds else "")
        proto = Prototype.build(tpl, plan, L.Sending(round_name or "", issued, due_date, ledger_identity(con)), o,
                                shown_round)
        out.mkdir(parents=True, exist_ok=True)
        with transaction(con, ledger_path):      # before the first workbook (a template refused: nothing recorded)
            run_id = start_distribution(con, round_name or "", out.resolve(), chosen, issued)
        job = Job(proto, plan, assignments, previous, out, names)
        record = {}
        made = in_workers(Job.write, chosen, job, PARALLEL_FROM, chunksize=16)
        for i, (unit, rec) in enumerate(zip(chosen, made), 1):
            record[unit] = rec
            if o.progress:
                o.progress(i, len(chosen), unit)
        unassigned = unassigned_tasks(plan, assignments, unresolved)
        listing = write_listing(out / "下发清单.xlsx", assignments, names, due_date, plan, unassigned)
        with transaction(con, ledger_path):
            record_distribution(con, Distribution(
                round_name=round_name or "", issued=issued, due=due_date, plan_id=L.plan_id(plan),
                fingerprint=L.plan_fingerprint(plan), template_version=L.TEMPLATE_VERSION, units=record,
                unassigned={t.key: names_ for t, names_ in unassigned}, full=not units, run_id=run_id))
            store_round_labels(con, round_name or "", {t.key: t.id for t in plan.tasks})
            if broken is not None:       # the broken run is completed by this one
                finish_broken_distributions(con, round_name or "", out.resolve(), issued)
    finally:
        con.close()
    return DistributeResult(out, listing, len(chosen), len(assignments), len(plan.tasks),
                            sum(a.lead_count for a in assignments.values()),
                            {u: out / names[u] for u in chosen}, problems, ledger_path,
                            [t.id for t, _ in unassigned], sum(1 for u in chosen if previous.get(u)))


def chosen_units(units, registry, assignments: dict) -> list[str]:
    """The units to send to: every unit with tasks, or those named (by any of their names in the registry)."""
    if not units:
        return list(assignments)
    wanted = []
    for u in units:
        c = (registry.canonical(u) if registry else None) or u
        if c not in assignments:
            raise GongkaiError.of("UNIT_UNKNOWN", unit=u)
        wanted.append(c)
    return wanted


def _refuse_lost_ledger(con, ledger_path: Path, out: Path, plan: str, round_name: str) -> None:
    """The year folder knows its ledger: the other rounds' folders beside ``out`` (下发/第1轮 …) hold workbooks
    naming the ledger they were recorded in.  One of this plan and another round naming another ledger means
    the year's ledger was deleted or replaced: refused (LEDGER_LOST) before anything is written, so a round is
    never recorded in a ledger that does not know the rounds before it."""
    mine = ledger_identity(con)
    parent = out.resolve().parent
    if not parent.is_dir():
        return
    for folder in sorted(p for p in parent.iterdir() if p.is_dir() and p != out.resolve()):
        if not (folder / "下发清单.xlsx").exists():
            continue
        for book in sorted(folder.glob("*.xlsx"))[:3]:
            try:
                meta = L.read_meta(read_rows(book, L.META_SHEET) or [])
            except CALAMINE_ERRORS:
                continue
            if meta.unit:
                if meta.text("plan_id") == plan and meta.text("ledger") not in ("", mine[0]) \
                        and meta.text("round") != round_name:
                    raise GongkaiError.of("LEDGER_LOST", ledger_path, returned=f"{folder.name}/{book.name}", count_text="",
                                          created=meta.text("ledger_created").replace("T", " ") or "—",
                                          rounds=f"{meta.text('round') or '未命名轮次'}下发", now=ledger_now(con))
                break


PARALLEL_FROM = 200          # units from which workbooks are made on every core


class Job:
    """Making and writing one unit's workbook: what every unit's file is made from."""

    def __init__(self, proto, plan, assignments: dict, previous: dict, out: Path, names: dict):
        self.proto, self.assignments, self.previous, self.out, self.names = proto, assignments, previous, out, names
        self.position = {t.key: i for i, t in enumerate(plan.tasks)}

    def write(self, unit: str) -> tuple:
        """Write the unit's workbook; the record of what was sent (category, contact, phone, file, rows)."""
        a = self.assignments[unit]
        rows = sorted(a.tasks, key=lambda tr: self.position[tr[0].key])
        data, written = self.proto.render(unit, rows, (self.previous.get(unit) or (None, {}))[1])
        _write_atomic(self.out / self.names[unit], data)
        return (a.category, a.contact, a.phone, self.names[unit],
                [(w.id, role, w.digest, w.row) for w, (_, role) in zip(written, rows)])


def unassigned_tasks(plan, assignments: dict, unresolved: dict[str, str]) -> list[tuple]:
    """(task, the names not sent) for tasks with a name no unit stands for (the clerk chose to skip them)."""
    reached = {t.key for a in assignments.values() for t, _ in a.tasks}
    out = []
    for t in plan.tasks:
        names = [n for n in (t.actual_units or t.all_names) if n in unresolved]
        if names or t.key not in reached:
            out.append((t, "、".join(names) or "（未写明责任单位）"))
    return out


def _write_atomic(path: Path, data: bytes) -> None:
    with atomic_target(path) as tmp:
        tmp.write_bytes(data)


def write_listing(path: Path, assignments: dict, names: dict, due: dt.date | None, plan,
                  unassigned: list[tuple] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "下发清单"
    ws.append(["序号", "单位名称", "类别", "文件名", "任务数", "牵头任务数", "联系人", "联系电话", "报送截止"])
    for i, (unit, a) in enumerate(sorted(assignments.items(), key=lambda kv: _cat_order(kv[1].category)), 1):
        ws.append([i, unit, a.category, names[unit], len(a.tasks), a.lead_count, a.contact, a.phone, due])
    if not any(a.lead_count for a in assignments.values()):     # a plan naming no 牵头 unit: no column of zeros
        ws.column_dimensions["F"].hidden = True
    style_header(ws, [6, 28, 8, 46, 8, 10, 10, 16, 12])
    for r in range(2, ws.max_row + 1):
        ws.cell(r, 9).number_format = "yyyy-mm-dd"
    ws.oddHeader.center.text = f"{plan.title} 任务台账下发清单"
    ws.page_margins.top, ws.page_margins.header = 0.9, 0.3       # the page header above the table, not on it
    if unassigned:
        us = wb.create_sheet("未分解任务")
        us.append(["任务编号", "任务内容", "未能确定的单位名称", "说明"])
        for r, (t, names_) in enumerate(unassigned, 2):
            write_text_row(us, r, [t.id, t.text, names_, "未下发给这些名称；确定责任单位后在任务清单“实际责任单位”列填写，"
                                                         "再生成一次分发工作簿"])
        style_header(us, [12, 60, 30, 50])
    return save_workbook(wb, path)


def _cat_order(cat: str) -> int:
    return {"镇街": 0, "部门": 1, "其他": 2}.get(cat, 3)
