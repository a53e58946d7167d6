"""Stage 4: the 政府信息公开工作年度报告 in Word, per unit and consolidated, in the national format
(国办公开办函〔2021〕30号 for 2021 and later, the 2019 trial format for 2019 and 2020).

API: ``make_reports(summary_path, output_dir, ...) -> ReportResult``.  Data come from the summary workbook
(汇总.xlsx), so a clerk's corrections in its 年度报告数据 sheet are what the reports print.  The
narrative's numbers are generated from the same figures as the tables, so they cannot disagree.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined
from openpyxl import Workbook

from . import reportspec as R
from . import unitbook as L
from .dates import typed_date
from .filenames import report_name
from .problems import GongkaiError, Problem
from .resources import report_template
from .results import ReportOutcome, ReportResult, ReportStatus
from .summarybook import SummaryData, UnitData, read_summary
from .tables import CALAMINE_ERRORS, atomic_target, read_rows, save_workbook, style_header

REQUIRED_VARS = {"organ", "year", "preamble", "overview", "f", "five", "six", "date_text"}
SETTINGS_SHEET = "报告设置"
SETTING_KEYS = {"机关名称": "organ", "地址": "address", "邮编": "postcode", "联系电话": "phone", "电子邮箱": "email",
                "网站": "website", "成文日期": "date", "汇总范围": "scope"}
OVERVIEW = [("（一）主动公开", r"主动公开|重点领域|解读|回应|发布|宣传|惠民|财政|预决算|项目|执法|公共企事业|疫情|规划"),
            ("（二）依申请公开", r"依申请"),
            ("（三）政府信息管理", r"信息管理|规范性文件|公开属性|清理|目录|标准化|规范化|保密审查|决策"),
            ("（四）政府信息公开平台建设", r"平台|网站|新媒体|公报|专区|热线|一网通办|数据开放"),
            ("（五）监督保障", r"考核|培训|督查|监督|领导小组|组织领导|保障|台账|回头看|作风")]


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

def _num(v):
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return v
    try:
        return float(str(v).strip())
    except ValueError:
        return v          # kept as typed: rule 5 reports it


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
    if v is None or v == "":
        return "0"
    if isinstance(v, float):
        if key in spec.decimal:
            return f"{v:.4f}".rstrip("0").rstrip(".") or "0"
        return str(int(v)) if v.is_integer() else str(v)
    return str(v)


def run_checks(fig: dict, who: str, spec=R.SPEC_2021, previous: dict | None = None) -> list[Problem]:
    """Every consistency rule on the figures as typed; each failure names unit, table, row, column.
    With last year's figures, rule 6 (上年结转 = last year's 结转下年度) is checked too."""
    full = {k: _num(fig.get(k)) for k in spec.all_keys}
    last = {k: _num(v) for k, v in previous.items()} if previous else None
    if last and any(isinstance(v, str) for v in last.values()):
        last = None
    out = []
    for res in spec.check(full, previous=last, typed=True):
        if not res.ok:
            out.append(Problem("REPORT_CHECK_FAILED", params={"unit": who, "table": res.table, "row": res.row,
                                                                "column": res.column, "detail": res.message}))
    return out


# ------------------------------------------------------------------------------ the narrative

def _i(fig: dict, key: str) -> int:
    v = _num(fig.get(key))
    return int(v) if isinstance(v, (int, float)) else 0


def _short(text: str, n: int = 30) -> str:
    """A task's short title: its first sentence, cut back to whole clauses (never mid-word, never "……"),
    with quotes inside it turned to ‘ ’ so it can sit inside “ ”."""
    first = re.split(r"[。；;]", text)[0].strip()
    if len(first) > n:
        clauses = re.split(r"(?<=[，、：:])", first)
        kept = ""
        for c in clauses:
            if kept and len(kept) + len(c) > n:
                break
            kept += c
        first = kept.rstrip("，、：:")
    return first.replace("“", "‘").replace("”", "’")


CN_NUMERALS = "一二三四五六七八九十"


def _cn_date(value) -> str:
    """2021-12-31 → 2021年12月31日; anything else as written."""
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", str(value or ""))
    return f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日" if m else str(value or "")


def _section_name(section: str) -> str:
    return re.sub(r"^[一二三四五六七八九十]+、", "", section)


def overview_blocks(organ: str, fig: dict, entries: list[dict], consolidated: bool, year,
                    spec=R.SPEC_2021) -> list[dict]:
    blocks = []
    groups: dict[str, list[dict]] = {title: [] for title, _ in OVERVIEW}
    for e in entries:
        if not (e.get("落实情况") or "").strip():
            continue
        hay = f"{e.get('一级标题', '')} {e.get('任务内容', '')}"
        title = next((t for t, rx in OVERVIEW[1:] if re.search(rx, hay)), OVERVIEW[0][0])
        groups[title].append(e)
    n_active = _i(fig, "主动公开政府信息条数")
    n_interp = _i(fig, "政策解读件数")
    n_resp = _i(fig, "回应关切件数")
    n_press = _i(fig, "新闻发布会场次")
    for title, _ in OVERVIEW:
        paras = []
        if title == "（一）主动公开":
            s = f"{year}年，{organ}坚持以公开为常态、不公开为例外，"
            parts = []
            if n_active:
                parts.append(f"主动公开政府信息{n_active}条")
            if n_interp:
                parts.append(f"发布政策解读{n_interp}件")
            if n_resp:
                parts.append(f"回应社会关切{n_resp}件")
            if n_press:
                parts.append(f"召开新闻发布会{n_press}场")
            made = sum(_i(fig, k) for k in spec.made_keys)
            if made:
                parts.append(f"制发规章和行政规范性文件{made}件")
            permits, penalties = _i(fig, spec.permit_key), _i(fig, spec.penalty_key)
            if permits or penalties:
                parts.append(f"公开行政许可决定{permits}件、行政处罚决定{penalties}件")
            s += ("，".join(parts) + "。") if parts else "按要求做好各类政府信息主动公开工作。"
            paras.append(s)
        elif title == "（二）依申请公开":
            new, carried = _i(fig, R.t3(1, 7)), _i(fig, R.t3(2, 7))
            done = _i(fig, R.t3(spec.t3_total_row, 7))
            carry = _i(fig, R.t3(spec.t3_carry_row, 7))
            if new or carried or done:
                s = (f"全年共收到政府信息公开申请{new}件，上年结转{carried}件；办理完结{done}件，其中予以公开"
                     f"{_i(fig, R.t3(3, 7))}件、部分公开{_i(fig, R.t3(4, 7))}件、不予公开"
                     f"{sum(_i(fig, R.t3(r, 7)) for r in range(5, 13))}件、无法提供"
                     f"{sum(_i(fig, R.t3(r, 7)) for r in range(13, 16))}件、不予处理"
                     f"{sum(_i(fig, R.t3(r, 7)) for r in range(16, 21))}件、其他处理"
                     f"{sum(_i(fig, R.t3(r, 7)) for r in range(21, spec.t3_total_row))}件；结转下年度继续办理{carry}件。")
            else:
                s = "全年未收到政府信息公开申请。"
            paras.append("严格按照《中华人民共和国政府信息公开条例》规定的程序和时限办理依申请公开。" + s)
        elif title == "（五）监督保障":
            review, direct, after = _i(fig, R.t4(5)), _i(fig, R.t4(10)), _i(fig, R.t4(15))
            if review or direct or after:
                paras.append(f"全年因政府信息公开被申请行政复议{review}件，被提起行政诉讼{direct + after}件"
                             f"（其中复议后起诉{after}件），结果纠正{_i(fig, R.t4(2)) + _i(fig, R.t4(7)) + _i(fig, R.t4(12))}件。")
            else:
                paras.append("全年未发生因政府信息公开引起的行政复议和行政诉讼。")
        paras += _weave(groups[title], consolidated)
        if paras:                              # an empty subsection is dropped and the rest renumbered
            n = sum(1 for b in blocks if b["heading"])
            blocks.append({"heading": True, "text": f"（{CN_NUMERALS[n]}）" + re.sub(r"^（.）", "", title)})
            blocks += [{"heading": False, "text": p} for p in paras]
    return blocks


def _weave(entries: list[dict], consolidated: bool, per_section: int = 4) -> list[str]:
    """The units' 落实情况 of the matching tasks, grouped by the plan's sections, as prose.

    One sentence per task: a unit's own report quotes its text; the consolidated report quotes the
    fullest text among the units and says how many others reported on the same task."""
    by_section: dict[str, dict[str, list[dict]]] = {}
    for e in entries:
        section = _section_name(str(e.get("一级标题") or ""))
        by_section.setdefault(section, {}).setdefault(str(e.get("任务编号") or e.get("任务内容")), []).append(e)
    paras = []
    for section, tasks in by_section.items():
        sentences = []
        for items in list(tasks.values())[:per_section]:
            best = max(items, key=lambda e: len(str(e["落实情况"])))
            detail = str(best["落实情况"]).strip().rstrip("。；;")
            who = str(best.get("单位") or "")
            topic = _short(str(best.get("任务内容") or ""), 24)
            if consolidated:
                lead = "" if detail.startswith(who) else who
                others = f"，另有{len(items) - 1}个单位报送了落实情况" if len(items) > 1 else ""
                sentences.append(f"围绕“{topic}”，{lead}{detail}{others}。")
            else:
                sentences.append(f"围绕“{topic}”，{detail}。")
        if sentences:
            opener = f"在{section}方面，" if section else ""
            paras.append(opener + "".join(sentences))
    return paras


def problem_blocks(entries: list[dict], tasks: list[dict], unit: str | None) -> list[dict]:
    problems, plans = [], []
    for e in entries:
        for col, bucket in (("存在问题", problems), ("下步打算", plans)):
            text = str(e.get(col) or "").strip()
            if text and text not in bucket:
                bucket.append(text)
    open_tasks = [t for t in tasks if (unit is None and t["overall"] not in (L.DONE, L.NA)) or
                  (unit is not None and t["units"].get(unit) not in (None, L.DONE, L.NA))]
    first = []
    if open_tasks:
        names = "、".join(f"“{_short(t['text'], 18)}”" for t in open_tasks[:3])
        first.append(f"对照年度政务公开工作要点，{names}等{len(open_tasks)}项任务尚未全部完成，"
                     f"个别领域公开的及时性、规范性还需提高。")
    first += [p.rstrip("。") + "。" for p in problems[:4]]
    if not first:
        first.append("对照年度政务公开工作要点，各项任务均已完成，但政策解读的形式和实效、公开内容的系统性仍有提升空间。")
    second = [p.rstrip("。") + "。" for p in plans[:4]] or [
        "下一步将继续对照工作要点逐项抓好落实，加强业务培训和日常检查，进一步提高公开质量。"]
    return ([{"heading": True, "text": "（一）存在的主要问题"}] + [{"heading": False, "text": p} for p in first] +
            [{"heading": True, "text": "（二）改进措施"}] + [{"heading": False, "text": p} for p in second])


def last_year_blocks(last_entries: list[dict]) -> list[dict]:
    """Section 五 also reports how last year's problems were dealt with (a draft for the writer)."""
    problems = []
    for e in last_entries:
        text = str(e.get("存在问题") or "").strip().rstrip("。")
        if text and text not in problems:
            problems.append(text)
    if not problems:
        return []
    listed = "；".join(f"“{p}”" for p in problems[:4])
    return [{"heading": True, "text": "（三）上年度问题整改情况"},
            {"heading": False, "text": f"上年度报告反映的{listed}等问题，本年度已纳入整改，整改情况：（请撰稿人根据实际补充）。"}]


def other_blocks(fig: dict, tasks: list[dict], unit: str | None, year, plan_title: str,
                 spec=R.SPEC_2021) -> list[dict]:
    fee = _num(fig.get("fee_yuan")) or 0
    unpaid = sum(_i(fig, R.t3(spec.unpaid_row, c)) for c in range(1, 7)) if spec.unpaid_row else 0
    if isinstance(fee, (int, float)) and fee > 0:
        s = (f"本年度依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）收取信息处理费"
             f"{fmt(float(fee), 'fee_yuan')}元。")
    else:
        s = "本年度未收取信息处理费。"
    if unpaid:
        s += f"因申请人逾期未按收费通知要求缴纳费用而不再处理的申请{unpaid}件。"
    blocks = [{"heading": True, "text": "（一）信息处理费收取情况"}, {"heading": False, "text": s}]
    mine = [t for t in tasks if unit is None or unit in t["units"]]
    status = (lambda t: t["overall"]) if unit is None else (lambda t: t["units"].get(unit, ""))
    done = sum(1 for t in mine if status(t) == L.DONE)
    doing = sum(1 for t in mine if status(t) == "推进中")
    na = sum(1 for t in mine if status(t) == L.NA)
    rest = len(mine) - done - doing - na
    s = (f"{plan_title or str(year) + '年政务公开工作要点'}" + ("明确的" if unit is None else f"涉及{unit}的")
         + f"{len(mine)}项任务中，已完成{done}项，推进中{doing}项")
    s += (f"，未启动或未报送{rest}项" if rest else "") + (f"，不适用{na}项" if na else "") + "。"
    overdue = [t for t in mine if t["overdue"] and status(t) not in (L.DONE, L.NA)]
    if overdue:
        s += "逾期未完成的有：" + "；".join(f"“{_short(t['text'], 20)}”（时限{_cn_date(t['deadline'])}）" for t in overdue[:5])
        s += ("等" if len(overdue) > 5 else "") + "，将督促尽快完成。"
    blocks += [{"heading": True, "text": "（二）政务公开工作要点落实情况"}, {"heading": False, "text": s}]
    npc = [k for k in fig if "人大代表建议" in k or "政协提案" in k]
    if npc:
        s = "本年度" + "，".join(f"{k}{fmt(fig[k])}件" for k in npc) + "，办理结果均按规定公开。"
        blocks += [{"heading": True, "text": "（三）人大代表建议和政协提案办理结果公开情况"}, {"heading": False, "text": s}]
    return blocks


def date_text(d: dt.date | None) -> str:
    """The signature date; a blank to fill by hand when the settings give none."""
    return f"{d.year}年{d.month}月{d.day}日" if d else "        年    月    日"


def preamble(organ: str, year, settings: dict, consolidated: bool, covered: list[str], spec=R.SPEC_2021) -> str:
    notice = ("《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》"
              if spec.name == "2021" else "《国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告有关事项的通知》")
    s = f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和{notice}（{spec.basis}）要求，由{organ}编制。"
    if consolidated:
        scope = settings.get("scope") or f"本级政府及所属{len(covered)}个镇街和部门"
        s += f"报告汇总了{scope}的政府信息公开工作年度报告数据。"
    s += (f"全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、"
          f"存在的主要问题及改进情况、其他需要报告的事项。报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。")
    if settings.get("website"):
        s += f"本报告电子版可在{settings['website']}下载。"
    contact = "，".join(x for x in [
        f"地址：{settings['address']}" if settings.get("address") else "",
        f"邮编：{settings['postcode']}" if settings.get("postcode") else "",
        f"电话：{settings['phone']}" if settings.get("phone") else "",
        f"电子邮箱：{settings['email']}" if settings.get("email") else ""] if x)
    if contact:
        s += f"如对本报告有疑问，请与{organ}联系（{contact}）。"
    return s


# ------------------------------------------------------------------------------ rendering

def check_template(tpl_path: Path) -> None:
    """A template edited by a user: unknown variables or lost required ones are reported first."""
    try:
        tpl = DocxTemplate(str(tpl_path))
        used = tpl.get_undeclared_template_variables(Environment())
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
    """Autoescaping, strict undefined variables, and compiled parts reused across a batch."""
    global _ENV
    if _ENV is None:
        class CachingEnvironment(Environment):
            def from_string(self, source, globals=None, template_class=None):
                key = (source, template_class)
                hit = self._gk_cache.get(key)
                if hit is None:
                    hit = self._gk_cache[key] = super().from_string(source, globals, template_class)
                return hit

        _ENV = CachingEnvironment(undefined=StrictUndefined, autoescape=True)
        _ENV._gk_cache = {}
    return _ENV


def render(tpl_path: Path, context: dict, out: Path) -> Path:
    tpl = DocxTemplate(str(tpl_path))
    tpl.render(context, jinja_env=_jinja_env(), autoescape=True)
    props = tpl.docx.core_properties                 # what Word's file properties show
    props.title = f"{context['organ']}{context['year']}年政府信息公开工作年度报告"
    props.author = props.last_modified_by = context["organ"]
    props.created = props.modified = dt.datetime.now().replace(microsecond=0)
    props.revision = 1
    with atomic_target(out) as tmp:
        tpl.save(str(tmp))
    return out


def build_context(organ: str, year, fig: dict, entries: list[dict], tasks: list[dict], unit: str | None,
                  settings: dict, covered: list[str], plan_title: str, when: dt.date, spec=R.SPEC_2021) -> dict:
    consolidated = unit is None
    numbers = {k: fmt(_num(fig.get(k)), k, spec) for k in spec.all_keys}
    return {"organ": organ, "year": year, "preamble": preamble(organ, year, settings, consolidated, covered, spec),
            "overview": overview_blocks(organ, fig, entries, consolidated, year, spec), "f": numbers,
            "five": problem_blocks(entries, tasks, unit),
            "six": other_blocks(fig, tasks, unit, year, plan_title, spec), "date_text": date_text(when)}


def unit_settings(conf: dict, data: SummaryData, unit: str | None) -> dict:
    """The government's settings serve its consolidated report; a unit's report keeps only what is shared
    (where reports are published) and gives the unit's own phone from the registry, never the office's."""
    if unit is None:
        return conf
    info = data.units.get(unit)
    return {"website": conf.get("website", ""), "phone": info.phone if info else ""}


def make_reports(summary_path, output_dir, year=None, unit=None, all_units=False, consolidated=False,
                 template=None, force=False, settings_path=None, settings=None, covered=None, when=None,
                 previous=None, progress=None, exclude_unusable: bool = False) -> ReportResult:
    """``covered``: the units the consolidated report sums (default: every unit with figures);
    ``previous``: last year's summary, for rule 6 (上年结转) and last year's problems in section 五.
    A unit whose figures are unusable or missing gets no report; the consolidated report is refused
    while any unit it sums is such a unit, unless ``exclude_unusable`` (then it sums the others)."""
    data = read_summary(summary_path)
    prev = read_summary(previous) if previous else None
    year = year or data.year
    if prev is not None and year and prev.year != int(year) - 1:
        raise GongkaiError.of("PREVIOUS_MISMATCH", Path(previous).name, other=prev.year or "未知",
                              year=year, expected=int(year) - 1)
    spec = R.spec_for(year)
    conf = {**read_settings(settings_path), **(settings or {})}
    tpl = Path(template) if template else report_template(
        "年度报告.docx" if spec.name == "2021" else f"年度报告_{spec.name}格式.docx")
    if not tpl.exists():
        raise GongkaiError.of("FILE_NOT_FOUND", tpl)
    check_template(tpl)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    when = when or typed_date(conf.get("date"))       # 成文日期 from the settings; never the day the tool ran
    targets: list[tuple[str, str | None]] = []
    if unit:
        if unit not in data.units:
            raise GongkaiError.of("UNIT_UNKNOWN", unit=unit)
        targets.append((unit, unit))
    if all_units:
        targets += [(u, u) for u in data.units if data.units[u].figures or data.units[u].entries]
    if consolidated or all_units or not targets:
        targets.append((conf.get("organ") or "本级人民政府", None))
    results = []
    problems: list[Problem] = []
    covered_units = covered or [u for u, d in data.units.items() if d.figure_status != L.FIGURES_MISSING]
    unknown = [u for u in covered_units if u not in data.units]
    if unknown:
        raise GongkaiError.of("UNIT_UNKNOWN", unit="、".join(unknown))
    unusable = {u: data.units[u].figure_status for u in covered_units if data.units[u].figure_status != L.FIGURES_OK}
    own_checks = {u: run_checks(dict(data.units[u].numbers), u, spec) for u in covered_units if u not in unusable}
    unusable.update({u: "未通过校验" for u, found in own_checks.items() if found})
    if unusable and exclude_unusable:
        covered_units = [u for u in covered_units if u not in unusable]
    for i, (organ, u) in enumerate(targets, 1):
        if u is None:
            members = [data.units[x] for x in covered_units]
            blocked = [Problem("REPORT_UNITS_UNUSABLE", params={
                "units": "、".join(f"{x}（{s}）" for x, s in unusable.items())})] if unusable and not exclude_unusable else []
            fig = typed_figures(members)
            entries = [e for m in members for e in m.entries]
            last = typed_figures([prev.units[x] for x in covered_units if x in prev.units]) if prev else None
            last_entries = [e for x in covered_units if prev and x in prev.units for e in prev.units[x].entries]
        else:
            status_u = data.units[u].figure_status
            blocked = [] if status_u == L.FIGURES_OK else [
                Problem("REPORT_FIGURES_UNUSABLE", params={"unit": u, "status": status_u})]
            fig = dict(data.units[u].numbers)
            entries = data.units[u].entries
            last = dict(prev.units[u].numbers) if prev and u in prev.units and prev.units[u].numbers else None
            last_entries = prev.units[u].entries if prev and u in prev.units else []
        checked = own_checks.get(u) if u is not None and last is None and u in own_checks else None
        found = blocked + (checked if checked is not None else run_checks(fig, organ, spec, last))
        # blocked: refused, whatever --force says
        notes = plausibility_notes(organ, fig, last, peer_figures(data, u, spec), spec) if not found else []
        if not found and when is None:
            notes.append(Problem("REPORT_DATE_MISSING", str(report_name(organ, year)), params={"unit": organ}))
        path = out / report_name(organ, year)
        status = (ReportStatus.PASSED_NOTES if notes else ReportStatus.PASSED) if not found else (
            ReportStatus.FORCED if force and not blocked else ReportStatus.REFUSED)
        found = found + notes
        if path.exists() and not force and status in (ReportStatus.PASSED, ReportStatus.PASSED_NOTES):
            found = found + [Problem("OUTPUT_EXISTS", str(path))]
            status = ReportStatus.EXISTS
        if status.written:
            ctx = build_context(organ, year, fig, entries, data.tasks, u, unit_settings(conf, data, u),
                                covered_units, data.title, when, spec)
            ctx["five"] += last_year_blocks(last_entries)
            try:
                render(tpl, ctx, path)
            except GongkaiError as exc:          # one locked or unwritable file never stops the batch
                found = found + [exc.problem]
                status = ReportStatus.NOT_WRITTEN
        results.append(ReportOutcome(organ, u, path if path.exists() and status.written else None, status, found))
        problems += found
        if progress:
            progress(i, len(targets), organ)
    listing = None
    if all_units or len(targets) > 1:
        listing = write_report_listing(out / "报告清单.xlsx", results)
    return ReportResult(out, results, listing, problems)


# the figures a year-on-year jump or a lone zero is looked for in (QR-007, QR-009 of the peer checker)
KEY_FIGURES = {"一、本年新收政府信息公开申请数量（总计）": lambda spec: R.t3(1, 7),
               "行政复议（总计）": lambda spec: R.t4(5), "行政诉讼（未经复议直接起诉，总计）": lambda spec: R.t4(10)}
JUMP, PEER_BUSY = 5, 100


def peer_figures(data: SummaryData, unit: str | None, spec) -> list[dict]:
    """Completed figures of the other usable units of the same category (for a unit report)."""
    if unit is None:
        return []
    cat = data.units[unit].category
    return [spec.complete({k: v for k, v in d.numbers.items() if isinstance(v, (int, float))})
            for name, d in data.units.items()
            if name != unit and d.category == cat and d.figure_status == L.FIGURES_OK]


def plausibility_notes(who: str, fig: dict, last: dict | None, peers: list[dict], spec) -> list[Problem]:
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
        if peers and now == 0:
            average = sum(p.get(key) or 0 for p in peers) / len(peers)
            if average > PEER_BUSY:
                out.append(Problem("ZERO_AMONG_BUSY_PEERS", params={"unit": who, "label": label,
                                                                     "average": f"{average:.0f}"}))
    return out


def write_report_listing(path: Path, results: list[ReportOutcome]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "报告清单"
    ws.append(["序号", "机关/单位", "类型", "文件", "数据校验", "问题说明"])
    for i, r in enumerate(results, 1):
        ws.append([i, r.organ, "汇总报告" if r.unit is None else "单位报告", r.file.name if r.file else "",
                   r.status.label, "\n".join(p.message for p in r.problems)])
    style_header(ws, [6, 28, 10, 50, 22, 90])
    return save_workbook(wb, path)
