"""Stage 4: the 政府信息公开工作年度报告 in Word, per unit and consolidated, in the national format
(国办公开办函〔2021〕30号 for 2021 and later, the 2019 trial format for 2019 and 2020).

API: ``make_reports(ReportOptions(summary=…, output=…, …)) -> ReportResult``.  Data come from the summary workbook
(汇总.xlsx), so a clerk's corrections in its 年度报告数据 sheet are what the reports print.  The
narrative's numbers are generated from the same figures as the tables, so they cannot disagree.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, NamedTuple
from pathlib import Path

from jinja2 import Environment, StrictUndefined
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from . import narrative as N
from . import repeats as RP
from . import reportspec as R
from . import unitbook as L
from .dates import cn_date, typed_date
from .docxfill import PreparedDocx
from .filenames import LEDGER_NAME, report_name
from .keepedits import keep_edited, read_record, write_record
from .ledgerdb import round_cutoffs
from .problems import GongkaiError, Problem
from .resources import report_template
from .results import ReportOutcome, ReportResult, ReportStatus
from .registry import load_registry
from .summarybook import FIGURES as FIGURES_SHEET, SummaryData, UnitData, read_summary
from .tables import CALAMINE_ERRORS, cell_text, read_rows, row_height_for, save_workbook, style_header
from .workers import in_workers

SETTINGS_SHEET = "报告设置"
SETTING_KEYS = {"机关名称": "organ", "地址": "address", "邮编": "postcode", "联系电话": "phone", "电子邮箱": "email",
                "网站": "website", "网址": "url", "成文日期": "date", "汇总范围": "scope", "人大代表建议和政协提案": "npc",
                "其他需要报告的事项": "other", "接受年中数据的单位": "accept_midyear", "上年度问题整改情况": "last_year"}


def read_settings(path) -> dict:
    if not path:
        return {}
    p = Path(path)
    if not p.exists():
        raise GongkaiError.of("FILE_NOT_FOUND", p)
    out = {}
    try:
        rows = read_rows(p, SETTINGS_SHEET) or []
    except CALAMINE_ERRORS as exc:
        raise GongkaiError.of("BAD_ARGUMENT", detail=f"报告设置文件 {p.name} 无法读取（{type(exc).__name__}）") from None
    for r in rows:
        if r and str(r[0]).strip() in SETTING_KEYS and len(r) > 1:
            out[SETTING_KEYS[str(r[0]).strip()]] = str(r[1]).strip() if r[1] not in (None, "") else ""
    return out


# ------------------------------------------------------------------------------ numbers and checks

_num = N.typed_number          # text kept as typed: rule 5 reports it


def typed_figures(units: list[UnitData]) -> dict:
    """Cell-by-cell sum over units of the figures as typed (None where every unit left it blank)."""
    out: dict = {}
    for u in units:
        for k, v in u.numbers.items():
            n = _num(v)
            if isinstance(n, str):
                out[k] = n
            elif n is not None and not isinstance(out.get(k), str):
                out[k] = (out.get(k) or 0) + n
            else:
                out.setdefault(k, None)
    return out


def fmt(v, key: str = "", spec=R.SPEC_2021) -> str:
    """A figure as entered: whole numbers without ".0", decimals with every digit typed (never rounded)."""
    if v is None or v == "":
        return "0"
    if isinstance(v, float):
        if v.is_integer():
            return str(int(v))
        text = repr(v)
        return text if "e" not in text else f"{v:.12f}".rstrip("0").rstrip(".")
    return str(v)


CAUSES = ("REPORT_FIGURES_BLANK", "REPORT_FIGURE_BAD")
SHOWN_CELLS = 12


def figure_causes(fig: dict, who: str, spec, cell_of=None) -> list[Problem]:
    """What makes a unit's figures unusable, said once: the input cells left blank (one problem listing
    them) and those holding what is not a proper number (one each, at most a dozen).  The totals and
    rules that only fail because of them are not listed."""
    where = cell_of or (lambda key: ("", "", ""))
    blank, bad = [], []
    for k in spec.input_keys:
        v = _num(fig.get(k))
        if v is None:
            blank.append(k)
        elif isinstance(v, str) or v < 0 and k not in spec.t2_signed or \
                k not in spec.decimal and not float(v).is_integer():
            bad.append((k, v))
    out = []
    if blank:
        source = where(blank[0])[0]
        cells = [where(k)[2] or "／".join(x for x in spec.label_of(k) if x) for k in blank[:SHOWN_CELLS]]
        more = f"等 {len(blank)} 个" if len(blank) > SHOWN_CELLS else ""
        out.append(Problem("REPORT_FIGURES_BLANK", source, "年度报告数据" if source else "", where(blank[0])[2], params={
            "unit": who, "count": len(blank), "cells": "、".join(cells) + more}))
    for k, v in bad[:SHOWN_CELLS]:
        source, sheet, cell = where(k)
        kind = "数" if k in spec.decimal else "整数"
        table, row, column = spec.label_of(k)
        out.append(Problem("REPORT_FIGURE_BAD", source, sheet, cell, params={
            "unit": who, "label": "／".join(x for x in (table, row, column) if x), "value": cell_text(v),
            "kind": ("" if k in spec.t2_signed else "非负") + kind, "table": table, "row": row, "column": column}))
    return out


def run_checks(fig: dict, who: str, spec=R.SPEC_2021, previous: dict | None = None, cell_of=None) -> list[Problem]:
    """Every consistency rule on the figures as typed; each failure names unit, table, row, column.
    With last year's figures, rule 6 (上年结转 = last year's 结转下年度) is checked too.  Blank or bad input
    cells are the causes, said once each (``figure_causes``): the rules they break are not listed again."""
    causes = figure_causes(fig, who, spec, cell_of)
    if causes:
        return causes
    full = {k: _num(fig.get(k)) for k in spec.all_keys}
    last = {k: _num(v) for k, v in previous.items()} if previous else None
    if last and any(isinstance(v, str) for v in last.values()):
        last = None
    out = []
    for res in spec.check(full, previous=last, typed=True):
        if not res.ok:
            out.append(Problem("REPORT_CHECK_FAILED", params={"unit": who, "table": res.table, "row": res.row,
                                                                "column": res.column,
                                                                "detail": res.message.replace("实为 None", "实为空白")}))
    return out


# ------------------------------------------------------------------------------ the narrative

def fee_sentence(fig: dict, spec=R.SPEC_2021) -> str:
    fee = _num(fig.get("fee_yuan")) or 0
    unpaid = sum(N.n(fig, R.t3(spec.unpaid_row, c)) for c in range(1, 7)) if spec.unpaid_row else 0
    if isinstance(fee, (int, float)) and fee > 0:
        s = (f"本年度依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）收取信息处理费"
             f"{fmt(float(fee), 'fee_yuan')}元。")
    else:
        s = "本年度未收取信息处理费。"
    if unpaid:
        s += f"因申请人逾期未按收费通知要求缴纳费用而不再处理的申请{unpaid}件。"
    return s


def date_text(d: dt.date | None) -> str:
    """The signature date; a blank to fill by hand when the settings give none."""
    return cn_date(d) if d else "        年    月    日"


def preamble(organ: str, year, settings: dict, consolidated: bool, covered: list[str], spec=R.SPEC_2021,
             covers: str = "") -> str:
    notice = ("《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》"
              if spec.name == "2021" else "《国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告有关事项的通知》")
    s = f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和{notice}（{spec.basis}）要求，由{organ}编制。"
    if consolidated:
        scope = settings.get("scope") or f"本级政府及所属{len(covered)}个镇街和部门"
        s += f"报告汇总了{scope}的政府信息公开工作年度报告数据。" + covers
    s += (f"全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、"
          f"存在的主要问题及改进情况、其他需要报告的事项。报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。")
    site, url = settings.get("website") or "", settings.get("url") or ""
    if site or url:
        s += f"本报告电子版可在{site or '政府门户网站'}{f'（{url}）' if url else ''}下载。"
    else:
        s += "本报告电子版可在        网站（网址：        ）下载。"
    contact = "，".join(x for x in [
        f"地址：{settings['address']}" if settings.get("address") else "",
        f"邮编：{settings['postcode']}" if settings.get("postcode") else "",
        f"电话：{settings['phone']}" if settings.get("phone") else "",
        f"电子邮箱：{settings['email']}" if settings.get("email") else ""] if x)
    s += f"如对本报告有疑问，请与{organ}联系（{contact or '地址：        ，电话：        '}）。"
    return s


# ------------------------------------------------------------------------------ rendering

def check_template(tpl_path: Path) -> None:
    """A template edited by a user: unknown variables or lost required ones are reported first."""
    try:
        used = prepared(tpl_path).variables()
    except Exception as exc:  # noqa: BLE001
        raise GongkaiError.of("TEMPLATE_INVALID", tpl_path.name, detail=f"模板无法解析（{type(exc).__name__}：{exc}）") from None
    unknown = used - REQUIRED_VARS
    missing = REQUIRED_VARS - used
    if unknown or missing:
        parts = []
        if unknown:
            parts.append("使用了未知变量：" + "、".join(sorted(unknown)))
        if missing:
            parts.append("缺少必需的变量：" + "、".join(sorted(missing)))
        raise GongkaiError.of("TEMPLATE_INVALID", tpl_path.name, detail="；".join(parts) +
                              f"。可用变量：{'、'.join(sorted(REQUIRED_VARS))}")


_ENV = None


def _jinja_env():
    """Autoescaping, strict undefined variables, and template text compiled once (what docxtpl compiles
    again for every report of a template it fills itself, and templated file properties)."""
    global _ENV
    if _ENV is None:
        class CachingEnvironment(Environment):
            def from_string(self, source, globals=None, template_class=None):
                if not isinstance(source, str):          # a parsed tree: compiled once by its owner
                    return super().from_string(source, globals, template_class)
                key = (source, template_class)
                hit = self._gk_cache.get(key)
                if hit is None:
                    hit = self._gk_cache[key] = super().from_string(source, globals, template_class)
                return hit

        _ENV = CachingEnvironment(undefined=StrictUndefined, autoescape=True)
        _ENV._gk_cache = {}
    return _ENV


_PREPARED: dict = {}


def prepared(tpl_path: Path) -> PreparedDocx:
    """The template prepared once per process and batch (keyed by its file's size and time, so a template
    edited while the console stays open is prepared again)."""
    st = Path(tpl_path).stat()
    key = (str(tpl_path), st.st_size, st.st_mtime_ns)
    hit = _PREPARED.get(key)
    if hit is None:
        _PREPARED.clear()
        hit = _PREPARED[key] = PreparedDocx(tpl_path, _jinja_env())
    return hit


def render(tpl_path: Path, context: dict, out: Path) -> Path:
    # the file stores UTC ("…Z"); the local time of a Beijing PC written as UTC would show 8 hours late
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    return prepared(tpl_path).fill(context, out, {          # what Word's file properties show
        "title": f"{context['organ']}{context['year']}年政府信息公开工作年度报告",
        "author": context["organ"], "last_modified_by": context["organ"], "created": now, "modified": now,
        "revision": 1})


@dataclass
class ReportInput:
    """What every report section reads: one report's figures, tasks and settings, and the draft its
    sections add notes to (standard sentences to replace, figure/quote contradictions)."""
    organ: str
    who: str
    year: object
    fig: dict
    entries: list[dict]
    unit: str | None
    settings: dict
    covered: list[str]
    data: SummaryData
    when: dt.date | None
    spec: R.Spec
    last_entries: list[dict]
    names: list[str]
    covers: str
    cutoff: dt.date | None
    as_of: object                   # None: the year's state; a date: mid-year data; "": mid-year, date unknown
    views: list[N.TaskView]
    draft: N.Draft

    @property
    def consolidated(self) -> bool:
        return self.unit is None

    def telling(self, makes_rules: bool = True) -> N.Telling:
        """What the prose of ``narrative`` reads of this report."""
        return N.Telling(who=self.who, fig=self.fig, views=self.views, consolidated=self.consolidated,
                         year=self.year, spec=self.spec, names=self.names, makes_rules=makes_rules,
                         plan_title=self.data.title, as_of=self.as_of)


def preamble_section(r: ReportInput):
    """The opening paragraph (organ, legal basis, contact) and the draft's notes on its missing details."""
    if not (r.settings.get("address") or r.settings.get("phone") or r.settings.get("email")):
        r.draft.standard.append("导语中的联系方式（地址、电话）")
    if not r.settings.get("url"):
        r.draft.standard.append("导语中的网站网址")
    return preamble(r.organ, r.year, r.settings, r.consolidated, r.covered, r.spec, r.covers)


def overview_section(r: ReportInput) -> list[dict]:
    """一、总体情况: the lead, then its five subsections (figures, then the tasks told under each); a unit's
    words that contradict its own figures are noted (the consolidated figure is a sum: not compared)."""
    makes_rules = rules_barred(r.unit, r.organ, r.who) is None
    blocks = N.lead(r.who, r.views, r.data.title, r.year, r.as_of, r.consolidated) + N.numbered(
        N.overview(r.telling(makes_rules), N.Frames()))
    if not r.consolidated:
        r.draft.conflicts += N.contradictions(r.fig, blocks)
    return blocks


def tables_section(r: ReportInput) -> dict[str, str]:
    """二、三、四's tables: every figure of the format, printed as the template's cells show it."""
    return {k: fmt(_num(r.fig.get(k)), k, r.spec) for k in r.spec.all_keys}


def five_section(r: ReportInput) -> list[dict]:
    """五、存在的主要问题及改进情况 (with last year's problems and how they were put right)."""
    return N.numbered(N.problems_and_measures(r.views, r.entries, r.consolidated, r.as_of, r.draft, r.who)
                      + N.last_year(list(r.last_entries), r.draft, r.settings.get("last_year", "")))


def six_section(r: ReportInput) -> list[dict]:
    """六、其他需要报告的事项 (fees, NPC/CPPCC proposals, the plan's tasks, other matters)."""
    return N.numbered(N.other_matters(r.telling(), r.settings, r.draft, fee_sentence(r.fig, r.spec)))


def signature_section(r: ReportInput) -> str:
    """The date under the signature."""
    return date_text(r.when)


# The report's sections in the order they are written: (the template's variable, the function that makes it).
# A new section is one function here (its prose in narrative.py), one entry, and its place in the template.
SECTIONS = [("organ", lambda r: r.organ), ("year", lambda r: r.year), ("preamble", preamble_section),
            ("overview", overview_section), ("f", tables_section), ("five", five_section), ("six", six_section),
            ("date_text", signature_section)]
REQUIRED_VARS = {var for var, _ in SECTIONS}    # the template must use each, and nothing else


def build_context(r: ReportInput) -> tuple[dict, N.Draft]:
    """Everything the template prints (one entry of SECTIONS each), and the draft's notes (standard sentences
    to replace)."""
    ctx = {var: make(r) for var, make in SECTIONS}
    if r.as_of is not None:
        r.draft.standard.append(f"全文（年中数据，截至{cn_date(r.cutoff) if r.cutoff else '日期未知'}，办公室已确认使用）")
    return ctx, r.draft


def round_cutoff(data: SummaryData) -> dt.date | None:
    """The date the summary's round stands at: its cut-off (报送截止); None when none was set — never the day
    the summary or the report was made."""
    return data.due


class DataRound(NamedTuple):
    """The round a unit's figures and task statuses come from (its latest file's round)."""
    name: str
    cutoff: dt.date | None
    year_end: bool

    @property
    def when(self) -> str:
        return f"截至{cn_date(self.cutoff)}" if self.cutoff else "未记录报送截止日期"


def is_year_end(round_name: str, cutoff: dt.date | None, year) -> bool:
    """A year-end round: cut off on or after 1 December of the report's year, or named 年终 by the office."""
    if "年终" in (round_name or ""):
        return True
    return bool(cutoff and year and cutoff >= dt.date(int(year), 12, 1))


def data_rounds(data: SummaryData, ledger_path, year) -> dict[str, DataRound]:
    """unit -> the round its data come from, with that round's cut-off: the summary's own round's from the
    summary, an earlier round's from the ledger (台账.sqlite); unknown (None) when neither recorded one."""
    cutoffs = round_cutoffs(ledger_path) if ledger_path else {}
    out = {}
    for u, d in data.units.items():
        name = d.data_round or data.round
        cut = data.due if name == data.round and data.due else typed_date(cutoffs.get(name) or "")
        out[u] = DataRound(name, cut, is_year_end(name, cut, year))
    return out


def accepted_midyear(value) -> list[str]:
    """The units whose mid-year data the office accepts: a list, or the setting's text (、，, ; separated)."""
    if not value:
        return []
    items = re.split(r"[、，,；;\s]+", value) if isinstance(value, str) else list(value)
    return [str(x).strip() for x in items if str(x).strip()]


def coverage(covered: list[str], rounds: dict[str, DataRound], left_out: list[str], not_sent=()) -> str:
    """What the consolidated report's preamble says of whose data it sums and from when (accepted mid-year
    data named with their date; units left out named)."""
    s = ""
    by_when: dict[str, list[str]] = {}
    for u in covered:
        r = rounds.get(u)
        if r is not None and not r.year_end:
            by_when.setdefault(r.when, []).append(u)
    for when, units in by_when.items():
        s += f"其中{N.join_names(units, 3)}的数据{when}。" if units else ""
    if left_out:
        s += f"{N.join_names(left_out, 3)}的数据未纳入汇总。"
    if not_sent:
        s += f"{N.join_names(list(not_sent), 3)}未报送年度报告数据。"
    return s


def organ_names(unit: str | None, conf: dict, registry) -> tuple[str, str]:
    """(full name for the title, signature and file properties; short name for the sentences)."""
    gov = conf.get("organ") or "本级人民政府"
    if unit is None:
        short = re.sub(r"人民政府$", "", gov)
        m = re.match(r"^.+?[省市州盟](.+[区县旗])$", short)
        return gov, (m.group(1) if m else short) or gov
    info = registry.info(unit) if registry else None
    if info and info.full_name:
        return info.full_name, unit
    if re.search(r"[镇乡]$", unit):
        return unit + "人民政府", unit
    if unit.endswith("街道"):
        return unit + "办事处", unit
    prefix = re.sub(r"人民政府$", "", gov)
    if prefix != gov and unit[:1] in "区县市" and prefix.endswith(unit[0]):
        return prefix + unit[1:], unit
    return unit, unit


def unit_settings(conf: dict, data: SummaryData, unit: str | None, registry=None) -> dict:
    """The government's settings serve its consolidated report; a unit's report keeps only what is shared
    (where reports are published) and gives the unit's own address and phone, never the office's."""
    if unit is None:
        return conf
    info = data.units.get(unit)
    reg = registry.info(unit) if registry else None
    return {"website": conf.get("website", ""), "url": conf.get("url", ""), "phone": (reg.phone if reg else "") or (info.phone if info else ""),
            "address": reg.address if reg else ""}


def rules_barred(unit: str | None, organ: str, who: str) -> str | None:
    """Why this organ cannot make 规章 (only provincial governments, governments of cities with districts and
    State Council departments do): "镇街", "县级政府", "县级政府部门"; None when it may."""
    if re.search(r"(镇|乡|街道|办事处)(人民政府)?$", organ):
        return "镇街"
    if unit is None:
        return "县级政府" if re.search(r"[区县旗](人民政府)?$", organ) else None
    return "县级政府部门" if re.match(r"^[区县旗]", who) else None


def figure_warnings(unit: str | None, who: str, fig: dict, spec, organ: str, cell_of) -> list[Problem]:
    """What the national rules let pass but a reader would question (table 二)."""
    out = []
    rule_keys, norm_label, norm_keys = spec.t2_row("规章"), spec.norm_label, spec.t2_row(spec.norm_label)
    header = next((h for _, h, rows in spec.t2_blocks if any(lab == "规章" for lab, _ in rows)), ["", ""])
    typed = [(header[i + 1] if i + 1 < len(header) else "", k) for i, k in enumerate(rule_keys) if N.n(fig, k)]
    kind = rules_barred(unit, organ, who)
    if typed and kind:                 # each cell named with its own number, never a sum of the three
        cells = "、".join(f"{label.replace('件数', '')}{N.n(fig, k)}件（{cell_of(k)[2] or k}）" for label, k in typed)
        out.append(Problem("RULES_NOT_ALLOWED", *cell_of(typed[0][1]), params={"unit": who, "cells": cells,
                                                                              "kind": kind}))
    new, deleted, current = (N.num(fig, k) for k in norm_keys)
    if spec.name == "2021" and new and current == 0:
        out.append(Problem("NORM_MADE_NOT_IN_FORCE", *cell_of(norm_keys[2]), params={
            "unit": who, "label": norm_label, "new": int(new)}))
    if spec.name == "2021" and deleted and deleted > (current or 0) + (new or 0):
        out.append(Problem("ABOLISHED_EXCEEDS", *cell_of(norm_keys[1]), params={
            "unit": who, "label": norm_label, "deleted": int(deleted), "current": int(current or 0),
            "new": int(new or 0)}))
    return out


@dataclass(frozen=True)
class ReportOptions:
    """What the report stage writes and how: built by the CLI (its flags), the console's step (报告设置 and the
    year folder) and the web panel (the same step) alike.
    ``unit`` / ``all_units`` / ``consolidated``: which reports (none of them: the consolidated one);
    ``force``: a report whose figures fail the checks is written anyway (marked so); ``overwrite``: existing
    reports are replaced — the two are separate: overwriting never lets a failing report through, and a report
    changed since this tool wrote it is first copied aside (``…_手工修改_时间.docx``);
    ``settings_path`` / ``settings``: 报告设置 (the mapping wins); ``covered``: the units the consolidated report
    sums (default: every unit with figures); ``when``: the 成文日期 (default: the setting's);
    ``previous``: last year's summary, for rule 6 (上年结转) and last year's problems in section 五;
    ``registry_path``: the unit registry, for each unit's full name, address and phone;
    ``accept_midyear``: units whose data from a mid-year round the office accepts for the year (else the setting
    接受年中数据的单位); ``ledger``: 台账.sqlite (default: beside the summary), for each round's cut-off;
    ``exclude_unusable``: the consolidated report sums the usable units and names the others;
    ``last_reports``: last year's published report (a file: the consolidated one) or its folder — 报告清单 then
    shows each report's share of sentences repeated from it (``repeats.py``); ``progress(done, total, organ)``."""
    summary: str | Path | None = None         # 汇总.xlsx (with the office's corrections)
    output: str | Path | None = None          # the report folder
    year: int | str | None = None
    unit: str | None = None
    all_units: bool = False
    consolidated: bool = False
    template: str | Path | None = None
    force: bool = False
    overwrite: bool = False
    settings_path: str | Path | None = None
    settings: dict | None = None
    covered: tuple | list | None = None
    when: dt.date | None = None
    previous: str | Path | None = None
    progress: Callable | None = None
    exclude_unusable: bool = False
    registry_path: str | Path | None = None
    accept_midyear: tuple | list | str | None = None
    ledger: str | Path | None = None
    last_reports: str | Path | None = None


@dataclass
class Scope:
    """Which units the batch's consolidated report sums, and why the others are not (a unit's own
    reports are decided against the same checks: run once a batch); where the batch is written and what
    holds for all of it.  Read while deciding each report, never handed to a worker (``Batch`` is)."""
    covered: list[str]
    unusable: dict                # unit -> why its figures cannot be used
    own_checks: dict              # unit -> what its own figures' checks found (usable units)
    midyear: dict                 # unit -> DataRound: mid-year data the office did not accept
    left_out: list[str]           # units the consolidated report leaves out (exclude_unusable)
    accepted: list[str]           # units whose mid-year data the office accepted
    peers: PeerAverages           # each category's key figures, for a unit's plausibility notes
    out: Path = None              # the report folder
    record: dict = None           # its record of what this tool wrote (SHA-256 by file name)
    notes: list = None            # what holds for the whole batch (round_notes)


def make_reports(opts: ReportOptions) -> ReportResult:
    """Write the reports ``opts`` asks for from ``opts.summary`` into the folder ``opts.output``, with
    报告清单.xlsx for a batch.  A unit whose figures are unusable or missing, or come from a round that is not a year-end
    one (unless accepted), gets no report; the consolidated report is refused while it sums such a unit,
    unless ``exclude_unusable`` (then it sums the others)."""
    o = opts
    batch, targets = open_batch(o)
    out = Path(o.output)
    out.mkdir(parents=True, exist_ok=True)
    scope = batch_scope(batch, o)
    scope.out, scope.record, scope.notes = out, read_record(out), round_notes(batch)
    decided = [decide(batch, scope, o, organ, u) for organ, u in targets]
    composed = compose_all(batch, decided, o.progress)
    results = [outcome(batch, scope, d, composed.get(i)) for i, d in enumerate(decided)]
    write_record(out, scope.record, [r.file for r in results if r.file])
    problems = sorted_problems(scope.notes, list(batch.data.problems), results)
    repeats = RP.compare_with_last(results, o.last_reports) if o.last_reports else None
    listing = None
    if o.all_units or len(targets) > 1:
        listing = write_report_listing(out / "报告清单.xlsx", results, f"{batch.year}年政府信息公开工作年度报告清单"
                                       + (f"（{batch.data.round}数据）" if batch.data.round else ""), repeats)
    return ReportResult(out, results, listing, problems, repeats or {})


def open_batch(o: ReportOptions) -> tuple[Batch, list[tuple[str, str | None]]]:
    """The summary, last year's, the settings, the template and the rounds every report of the batch reads;
    and the reports to write: (organ, unit), unit None for the consolidated report."""
    data = read_summary(o.summary)
    prev = read_summary(o.previous) if o.previous else None
    year = o.year or data.year
    if prev is not None and year and prev.year != int(year) - 1:
        raise GongkaiError.of("PREVIOUS_MISMATCH", Path(o.previous).name, other=prev.year or "未知",
                              year=year, expected=int(year) - 1)
    spec = R.spec_for(year)
    conf = {**read_settings(o.settings_path), **(o.settings or {})}
    tpl = Path(o.template) if o.template else report_template(
        "年度报告.docx" if spec.name == "2021" else f"年度报告_{spec.name}格式.docx")
    if not tpl.exists():
        raise GongkaiError.of("FILE_NOT_FOUND", tpl)
    check_template(tpl)
    targets: list[tuple[str, str | None]] = []
    if o.unit:
        if o.unit not in data.units:
            raise GongkaiError.of("UNIT_UNKNOWN", unit=o.unit)
        targets.append((o.unit, o.unit))
    if o.all_units:
        targets += [(u, u) for u in data.units]          # units that sent nothing are listed as not written
    if o.consolidated or o.all_units or not targets:
        targets.append((conf.get("organ") or "本级人民政府", None))
    registry = load_registry(o.registry_path) if o.registry_path else None
    ledger = Path(o.ledger) if o.ledger else Path(o.summary).with_name(LEDGER_NAME)
    when = o.when or typed_date(conf.get("date"))       # 成文日期 from the settings; never the day the tool ran
    batch = Batch(tpl, data, prev, spec, conf, registry, [], when, list(data.units), year,
                  data_rounds(data, ledger, year), [], [])
    return batch, targets


def batch_scope(b: Batch, o: ReportOptions) -> Scope:
    """The units the consolidated report sums (``covered``, else every unit with figures), their own checks,
    and those it cannot sum: unusable figures, unaccepted mid-year data (left out with ``exclude_unusable``).
    Fills the batch's ``covered``, ``left_out`` and ``not_sent``."""
    data = b.data
    accepted = accepted_midyear(o.accept_midyear) or accepted_midyear(b.conf.get("accept_midyear"))
    stray = [u for u in accepted if u not in data.units]
    if stray:
        raise GongkaiError.of("UNIT_UNKNOWN", unit="、".join(stray))
    covered = list(o.covered or [u for u, d in data.units.items() if d.figure_status != L.FIGURES_MISSING])
    unknown = [u for u in covered if u not in data.units]
    if unknown:
        raise GongkaiError.of("UNIT_UNKNOWN", unit="、".join(unknown))
    unusable = {u: data.units[u].figure_status for u in covered if data.units[u].figure_status != L.FIGURES_OK}
    own_checks = {u: run_checks(dict(data.units[u].numbers), u, b.spec, cell_of=b.cell_of(u))
                  for u in covered if u not in unusable}
    unusable.update({u: "未通过校验" for u, found in own_checks.items() if found})
    midyear = {u: b.rounds[u] for u in covered if u not in unusable and not b.rounds[u].year_end
               and u not in accepted}
    left_out: list[str] = []
    if (unusable or midyear) and o.exclude_unusable:
        left_out = [u for u in covered if u in unusable or u in midyear]
        covered = [u for u in covered if u not in unusable and u not in midyear]
    b.covered, b.left_out = covered, left_out
    b.not_sent = [] if o.covered else [u for u, d in data.units.items() if d.figure_status == L.FIGURES_MISSING]
    return Scope(covered, unusable, own_checks, midyear, left_out, accepted, PeerAverages(data, b.spec))


def round_notes(b: Batch) -> list[Problem]:
    """What holds for the whole batch: the summary's own round is not a year-end one."""
    cutoff = round_cutoff(b.data)
    if cutoff and b.year and cutoff < dt.date(int(b.year), 12, 1):
        return [Problem("REPORT_ROUND_NOT_YEAR_END", b.data.source, params={
            "round": b.data.round or "本次汇总", "date": cn_date(cutoff)})]
    return []


def blocking(b: Batch, s: Scope, o: ReportOptions, u: str | None) -> tuple[list[Problem], list[str], dict,
                                                                            dict | None]:
    """(what refuses the report whatever --force says, the accepted mid-year units it uses, its figures,
    last year's figures)."""
    data, prev = b.data, b.prev
    if u is None:
        blocked = [Problem("REPORT_UNITS_UNUSABLE", params={
            "units": "、".join(f"{x}（{st}）" for x, st in s.unusable.items())})] \
            if s.unusable and not o.exclude_unusable else []
        blocked += [Problem("REPORT_UNITS_MIDYEAR", params={
            "units": "、".join(f"{x}（{r.name}，{r.when}）" for x, r in s.midyear.items())})] \
            if s.midyear and not o.exclude_unusable else []
        mid_ok = [x for x in s.covered if not b.rounds[x].year_end]
        fig = typed_figures([data.units[x] for x in s.covered])
        last = typed_figures([prev.units[x] for x in s.covered if x in prev.units]) if prev else None
        return blocked, mid_ok, fig, last
    status_u = data.units[u].figure_status
    blocked = [] if status_u == L.FIGURES_OK else [
        Problem("REPORT_FIGURES_UNUSABLE", params={"unit": u, "status": status_u})]
    r = b.rounds[u]
    if not blocked and not r.year_end and u not in s.accepted:
        blocked = [Problem("REPORT_MIDYEAR_DATA", params={"unit": u, "round": r.name, "date": r.when})]
    mid_ok = [u] if not r.year_end and u in s.accepted else []
    last = dict(prev.units[u].numbers) if prev and u in prev.units and prev.units[u].numbers else None
    return blocked, mid_ok, dict(data.units[u].numbers), last


def decide(b: Batch, s: Scope, o: ReportOptions, organ: str, u: str | None) -> Decided:
    """One report of the batch before any prose: its checks, notes and status (refused, forced, kept)."""
    blocked, mid_ok, fig, last = blocking(b, s, o, u)
    cell_of = b.cell_of(u)
    if blocked:          # the causes once (the unit's blank or bad cells), not every rule they break
        found = blocked + ([] if u is None else figure_causes(fig, organ, b.spec, cell_of))
    elif u is not None and last is None and u in s.own_checks:
        found = s.own_checks[u]
    else:
        found = run_checks(fig, organ, b.spec, last, cell_of)
    full, who = organ_names(u, b.conf, b.registry)
    path = s.out / report_name(organ, b.year)
    notes = []
    if not found:
        notes = plausibility_notes(organ, fig, last, s.peers.excluding(u), b.spec)
        notes += figure_warnings(u, organ, fig, b.spec, full, cell_of)
        notes += [Problem("REPORT_MIDYEAR_ACCEPTED", path.name, params={
            "units": N.join_names(mid_ok, 5), "detail": "；".join(sorted({
                f"“{b.rounds[x].name}”，{b.rounds[x].when}" for x in mid_ok}))})] if mid_ok else []
        if b.when is None:
            notes.append(Problem("REPORT_DATE_MISSING", path.name, params={"unit": organ}))
        notes += s.notes
    unit_data = b.data.units.get(u) if u is not None else None
    never_sent = unit_data is not None and unit_data.figure_status == L.FIGURES_MISSING and not unit_data.entries
    status = ReportStatus.MISSING if never_sent else \
        (ReportStatus.PASSED_NOTES if notes else ReportStatus.PASSED) if not found else \
        (ReportStatus.FORCED if o.force and not blocked else ReportStatus.REFUSED)
    found = found + notes
    if path.exists() and status.written:
        if not o.overwrite:
            found = found + [Problem("REPORT_EXISTS", path.name)]
            status = ReportStatus.EXISTS
        else:
            kept = keep_edited(path, s.record)
            if kept:
                found = found + [Problem("REPORT_EDITED_KEPT", path.name, params={"kept": kept.name})]
    return Decided(organ, u, path, status, found, full, who, fig)


def compose_all(b: Batch, decided: list[Decided], progress) -> dict[int, tuple[list[str], Problem | None, list]]:
    """Write the reports decided to be written: the unit reports on every core (already running when
    in_workers returns), the consolidated one meanwhile in this process (it waits for no unit report)."""
    in_pool = [i for i, d in enumerate(decided) if d.status.written and d.unit is not None]
    made = in_workers(compose, [decided[i] for i in in_pool], b, PARALLEL_FROM)
    composed: dict[int, tuple[list[str], Problem | None, list]] = {}
    ticks = 0

    def tick(d: Decided) -> None:
        nonlocal ticks
        ticks += 1
        if progress:
            progress(ticks, len(decided), d.organ)

    for i, d in enumerate(decided):
        if d.status.written and d.unit is None:
            composed[i] = compose(b, d)
        if d.status.written and d.unit is not None:
            continue                      # counted when its worker is done
        tick(d)
    for i, made_one in zip(in_pool, made):
        composed[i] = made_one
        tick(decided[i])
    return composed


def outcome(b: Batch, s: Scope, d: Decided, composed) -> ReportOutcome:
    """A report's line in the result and 报告清单: what composing it found (standard text, contradictions, a
    file that could not be written) added to what deciding it found."""
    organ, u, path, status, found, *_ = d
    standard: list[str] = []
    if composed is not None:
        standard, failed, conflicts = composed
        for first, second in conflicts:      # a figure and a quote disagree: the writer checks (待核实)
            found = found + [Problem("REPORT_FIGURES_CONTRADICT", path.name, params={
                "unit": organ, "first": first, "second": second})]
            if status == ReportStatus.PASSED:
                status = ReportStatus.PASSED_NOTES
        if standard:                       # editorial, not a data warning: listed, status unchanged
            found = found + [Problem("REPORT_STANDARD_TEXT", path.name, params={
                "unit": organ, "places": "、".join(standard)})]
        if failed is not None:             # one locked or unwritable file never stops the batch
            found = found + [failed]
            status = ReportStatus.NOT_WRITTEN
    return ReportOutcome(organ, u, path if path.exists() and status.written else None, status, found,
                         standard, data_from(u, b.rounds, s.accepted, s.covered, s.left_out))


def sorted_problems(batch_notes: list[Problem], read: list[Problem], results: list[ReportOutcome]) -> list[Problem]:
    """The batch's problems: what holds for the whole batch first (a mid-year round), then the refusals, then
    the rest (a stable sort); info notes stay in each report's line."""
    problems = list(batch_notes) + read
    for r in results:
        problems += [p for p in r.problems if p not in batch_notes and p.severity != "info"]
    refused = {id(p) for r in results if not r.status.written for p in r.problems}
    batch = {id(p) for p in batch_notes}
    problems.sort(key=lambda p: 0 if id(p) in batch else 1 if id(p) in refused else 2)
    return problems


def data_from(u: str | None, rounds: dict[str, DataRound], accepted: list[str], covered: list[str],
              left_out: list[str]) -> str:
    """报告清单's 数据来源: the unit's data round and cut-off (mid-year: whether the office accepted it); for the
    consolidated report, how many units from year-end rounds, which from mid-year ones, which left out."""
    if u is not None:
        r = rounds[u]
        return f"{r.name}（{r.when}）" + ("" if r.year_end else
                                              "，年中数据，办公室已确认使用" if u in accepted else "，年中数据")
    mid = [x for x in covered if not rounds[x].year_end]
    s = f"合计{len(covered)}个单位" + (f"，其中年中数据{len(mid)}个（{N.join_names(mid, 3)}）" if mid else "，均为年终数据")
    return s + (f"；未计入{len(left_out)}个（{N.join_names(left_out, 3)}）" if left_out else "")


PARALLEL_FROM = 40            # unit reports from which the batch is spread over worker processes


class Decided(NamedTuple):
    """One report of the batch as decided before any prose is composed."""
    organ: str
    unit: str | None
    path: Path
    status: ReportStatus
    found: list
    full: str                 # the organ's full name
    who: str                  # how the text names it
    fig: dict


@dataclass
class Batch:
    """What every report of a batch is composed from (handed once to each worker process)."""
    tpl: Path
    data: SummaryData
    prev: SummaryData | None
    spec: object
    conf: dict
    registry: object
    covered: list[str]
    when: dt.date | None
    names: list[str]
    year: object
    rounds: dict = None           # unit -> DataRound
    left_out: list = None         # units the consolidated report leaves out
    not_sent: list = None         # units that sent no figures at all

    def cell_of(self, unit: str | None):
        """key -> (file, sheet, cell) of a unit's figure (the total's, for None) in 年度报告数据."""
        return lambda key: (self.data.source, FIGURES_SHEET, self.data.figure_cell(unit, key))


def report_input(b: Batch, d: Decided) -> ReportInput:
    """What one report's sections read: its unit's (or, consolidated, the covered units') tasks, answers and
    last year's answers, its settings, and the round its data come from — a mid-year one (the office
    accepted it) is dated in the text, a year-end one is the year's state and carries no date."""
    u = d.unit
    if u is None:
        entries = [e for x in b.covered for e in b.data.units[x].entries]
        last_entries = [e for x in b.covered if b.prev and x in b.prev.units for e in b.prev.units[x].entries]
    else:
        entries = b.data.units[u].entries
        last_entries = b.prev.units[u].entries if b.prev and u in b.prev.units else []
    rounds = b.rounds or {}
    data_round = rounds.get(u) if u is not None else DataRound(
        b.data.round, round_cutoff(b.data), is_year_end(b.data.round, round_cutoff(b.data), b.year))
    data_round = data_round or DataRound(b.data.round, round_cutoff(b.data), True)
    cutoff = data_round.cutoff
    return ReportInput(organ=d.full, who=d.who, year=b.year, fig=d.fig, entries=entries, unit=u,
                       settings=unit_settings(b.conf, b.data, u, b.registry), covered=b.covered, data=b.data,
                       when=b.when, spec=b.spec, last_entries=list(last_entries), names=list(b.names) + [d.who],
                       covers=coverage(b.covered, rounds, b.left_out or [], b.not_sent or ()) if u is None else "",
                       cutoff=cutoff, as_of=None if data_round.year_end else (cutoff or ""),
                       views=N.task_views(b.data.tasks, entries, u, cutoff), draft=N.Draft())


def compose(b: Batch, d: Decided) -> tuple[list[str], Problem | None, list]:
    """Write one report: (the places left as standard text, the problem that stopped the file, if any, the
    contradictions found in its text)."""
    ctx, draft = build_context(report_input(b, d))
    try:
        render(b.tpl, ctx, d.path)
    except GongkaiError as exc:
        return list(draft.standard), exc.problem, list(draft.conflicts)
    return list(draft.standard), None, list(draft.conflicts)


# the figures a year-on-year jump or a lone zero is looked for in (QR-007, QR-009 of the peer checker)
KEY_FIGURES = {"一、本年新收政府信息公开申请数量（总计）": lambda spec: R.t3(1, 7),
               "行政复议（总计）": lambda spec: R.t4(5), "行政诉讼（未经复议直接起诉，总计）": lambda spec: R.t4(10)}
JUMP, PEER_BUSY = 5, 100


class PeerAverages:
    """Each category's key figures averaged over its usable units, the unit itself left out (QR-009):
    summed once a batch, so N reports cost N, not N²."""

    def __init__(self, data: SummaryData, spec):
        self.keys = [key_of(spec) for key_of in KEY_FIGURES.values()]
        self.category = {name: d.category for name, d in data.units.items()}
        self.own: dict[str, list] = {}
        self.sums: dict[str, list] = {}
        self.counts: dict[str, int] = {}
        for name, d in data.units.items():
            if d.figure_status == L.FIGURES_OK:
                full = spec.complete({k: v for k, v in d.numbers.items() if isinstance(v, (int, float))})
                own = self.own[name] = [full.get(k) or 0 for k in self.keys]
                sums = self.sums.setdefault(d.category, [0] * len(self.keys))
                self.sums[d.category] = [a + b for a, b in zip(sums, own)]
                self.counts[d.category] = self.counts.get(d.category, 0) + 1

    def excluding(self, unit: str | None) -> dict:
        """key -> the average of the other usable units of the unit's category ({} for the consolidated
        report, or when the unit has no such peers)."""
        if unit is None:
            return {}
        cat = self.category[unit]
        n, sums = self.counts.get(cat, 0), self.sums.get(cat)
        if unit in self.own:
            n, sums = n - 1, [a - b for a, b in zip(sums, self.own[unit])]
        return {k: sums[i] / n for i, k in enumerate(self.keys)} if n > 0 else {}


def plausibility_notes(who: str, fig: dict, last: dict | None, peer_average: dict, spec) -> list[Problem]:
    """Not errors, but what a reader would ask about: a key figure five times last year's (or a fifth of
    it), or 0 where units of the same kind average more than 100."""
    full = spec.complete({k: v for k, v in fig.items() if isinstance(v, (int, float))})
    before = spec.complete({k: v for k, v in last.items() if isinstance(v, (int, float))}) if last else None
    out = []
    for label, key_of in KEY_FIGURES.items():
        key = key_of(spec)
        now = full.get(key) or 0
        if before is not None:
            then = before.get(key) or 0
            if then > 0 and (now > JUMP * then or now < then / JUMP):
                out.append(Problem("YEAR_ON_YEAR_JUMP", params={"unit": who, "label": label, "value": now,
                                                                 "last": then}))
        if now == 0 and key in peer_average:
            average = peer_average[key]
            if average > PEER_BUSY:
                out.append(Problem("ZERO_AMONG_BUSY_PEERS", params={"unit": who, "label": label,
                                                                     "average": f"{average:.0f}"}))
    return out


LISTING_COLUMNS = ["序号", "机关/单位", "类型", "文件", "数据校验", "待改写（通用表述或空白）", "问题说明", "数据来源"]
LISTING_WIDTHS = [5, 18, 8, 30, 12, 26, 60, 30]


LISTING_CELL_MAX = 1500


def write_report_listing(path: Path, results: list[ReportOutcome], title: str = "",
                         repeats: dict | None = None) -> Path:
    """报告清单: one row per expected report (the ones not written too), what to check and what to rewrite;
    with ``repeats`` (report file name -> its comparison with last year's, ``repeats.compare_with_last``) two
    more columns: the share of sentences repeated and what it means."""
    columns, widths = LISTING_COLUMNS + (RP.COLUMNS if repeats is not None else []), \
        LISTING_WIDTHS + (RP.WIDTHS if repeats is not None else [])
    wb = Workbook()
    ws = wb.active
    ws.title = "报告清单"
    ws.append([title or "政府信息公开工作年度报告清单"])
    ws.append(columns)
    for i, r in enumerate(results, 1):
        notes = [p.message for p in r.problems if p.code != "REPORT_STANDARD_TEXT"]
        if sum(map(len, notes)) > LISTING_CELL_MAX:          # one cell stays readable
            kept, size = [], 0
            for n in notes:
                if size + len(n) > LISTING_CELL_MAX:
                    break
                kept.append(n)
                size += len(n)
            notes = kept + [f"……另有 {len(notes) - len(kept)} 条，见汇总表“问题清单”"]
        ws.append([i, r.organ, "汇总报告" if r.unit is None else "单位报告", r.file.name if r.file else "（未生成）",
                   r.status.label, "、".join(r.todo), "\n".join(notes), r.data_from]
                  + (RP.listing_cells(repeats.get(r.file.name) if r.file else None) if repeats is not None else []))
    style_header(ws, widths, header_row=2)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws["A1"].font = Font(name="黑体", size=14)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 28
    for row in range(3, ws.max_row + 1):
        ws.row_dimensions[row].height = row_height_for(
            [(ws.cell(row, c).value, widths[c - 1]) for c in (2, 4, 6, 7, 8)], 13.5)
        if repeats is not None:
            RP.style_cells(ws.cell(row, len(LISTING_COLUMNS) + 1), ws.cell(row, len(LISTING_COLUMNS) + 2))
    return save_workbook(wb, path)
