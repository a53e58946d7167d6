"""Invented task tables in the layouts real plans are published in, each with its true task list, and the score
of a reading against it (issue 29).

Two tables, written the way agencies write them:

- LEDGER: a province health commission's task ledger — 序号 | 工作任务 | 责任处室 | 完成时限, group headings
  (一、 （一）) as rows merged across the table, 处室 pairs "宣传处会办公室" (宣传处 leads), "X牵头，Y配合",
  "X会同Y", a 完成时限 cell merged down several rows, deadlines written as months and response times.
- DIVISION: a province's task division table — 工作任务 | 牵头单位 | 责任单位 | 工作要求, headings merged across
  the row (one with inner parentheses: "（四）推进政府和社会资本合作（PPP）项目信息公开"), the 牵头单位 cell
  merged down over the rows of one task group, several lead units in one cell (one a line in Word, joined by
  spaces in tab text), requirements long enough that rows break over pages when printed.

Forms: the Word file (merged cells as Word writes them), its PDF (LibreOffice), Word's "save as text"
(cells joined by tabs, a merged cell's continuation empty, a cell's lines joined by spaces), the table flattened
one cell a line (merged cells printed once), and an archived web page (cells joined by " | ", merged cells
left out, page furniture above the title).

``python tests/plan_layouts.py`` rebuilds the committed PDFs in tests/fixtures/plans/ (needs LibreOffice).
"""
from __future__ import annotations

import difflib
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "plans"


@dataclass
class Row:
    """One table row: a heading (cells == [text]) or a task."""
    cells: list[str]
    heading: bool = False
    units: list[tuple[str, str]] = field(default_factory=list)    # the truth: (name, role)
    text: str = ""                                                 # the truth: the task's text
    deadline: str | None = None                                    # the truth: ISO date, when the row has one
    path: list[str] = field(default_factory=list)                  # the truth: the headings above it


def H(text):
    return Row([text], heading=True)


# ------------------------------------------------------------------------------ LEDGER (4 columns)

LEDGER_TITLE = "某省卫生健康委员会2021年政务公开工作任务台账"
LEDGER_HEADER = ["序号", "工作任务", "责任处室", "完成时限"]
L, C, R = "lead", "cooperate", "responsible"


def _ledger_rows() -> list[Row]:
    def T(no, text, unit_cell, due, units, deadline=None):
        return Row([no, text, unit_cell, due], units=units, text=text, deadline=deadline)

    return [
        H("一、着力推进决策和政策公开"),
        H("（一）做好重大行政决策公开"),
        T("1", "制定并公开年度重大行政决策事项目录，对涉及群众切身利益的决策事项向社会公开征求意见。", "法规处牵头，办公室配合",
          "2021年6月底前", [("法规处", L), ("办公室", C)], "2021-06-30"),
        T("2", "除依法应当保密的外，重大行政决策草案通过委网站公开征求意见，征求意见期限不少于30日。", "法规处", "长期推进",
          [("法规处", R)]),
        T("3", "做好决策结果和解读材料同步公开，委务会议审议通过的政策文件在20个工作日内公开。", "宣传处会办公室", "长期推进",
          [("宣传处", L), ("办公室", C)]),
        H("（二）加强政策解读和回应关切"),
        T("4", "围绕疫情防控、医改等重点工作，通过新闻发布会、政策吹风会等形式开展解读，全年召开新闻发布会不少于12场。",
          "宣传处会各相关处室", "2021年12月底前", [("宣传处", L), ("各相关处室", C)], "2021-12-31"),
        T("5", "建立健全政务舆情收集、研判、处置和回应机制，对涉及本委的重大舆情及时回应。", "宣传处",
          "5小时内；24小时内", [("宣传处", R)]),
        T("6", "规范12320卫生热线工作，做好群众来电的接听、转办和回复工作。", "医政医管局会同基层卫生健康处", "长期推进",
          [("医政医管局", L), ("基层卫生健康处", C)]),
        H("二、深化重点领域信息公开"),
        H("（一）财政和公共资源配置信息公开"),
        T("7", "按规定公开部门预决算和“三公”经费信息，细化到支出功能分类的项级科目。", "财务处",
          "2021年2月公布预算信息，2021年8月公布上年度决算信息", [("财务处", R)], "2021-08-31"),
        T("8", "公开医疗卫生领域政府采购项目信息，及时公开采购意向、采购公告和中标结果。", "财务处会规划发展与信息化处",
          "长期推进", [("财务处", L), ("规划发展与信息化处", C)]),
        H("（二）疾病预防控制信息公开"),
        T("9", "按规定及时、准确发布法定传染病疫情信息，每月公布全省法定传染病疫情概况。", "疾病预防控制处", "每月",
          [("疾病预防控制处", R)]),
        T("", "做好新冠肺炎疫情防控信息发布，疫情信息日报告、日发布。", "疾病预防控制处会宣传处", "长期推进",
          [("疾病预防控制处", L), ("宣传处", C)]),
        T("", "公开预防接种异常反应补偿政策和接种单位信息。", "疾病预防控制处", "长期推进", [("疾病预防控制处", R)]),
        H("（三）医疗服务和健康信息公开"),
        T("12", "公开医疗机构执业登记、医师执业注册等行政许可信息，做到“双公示”。", "医政医管局牵头，综合监督局配合",
          "2021年9月底前", [("医政医管局", L), ("综合监督局", C)], "2021-09-30"),
        T("13", "推进医疗机构院务公开，二级以上公立医院全部开设信息公开专栏。", "医政医管局", "2021年12月底前",
          [("医政医管局", R)], "2021-12-31"),
        T("14", "公开全省三级医院名单、医疗服务价格和常见病种费用等信息。", "医政医管局会财务处", "2021年10月底前",
          [("医政医管局", L), ("财务处", C)], "2021-10-31"),
        H("三、加强政务公开平台和制度建设"),
        H("（一）加强委网站和政务新媒体建设"),
        T("15", "加强委门户网站内容保障，更新栏目内容，做好网站年度报表的编制和公开。", "规划发展与信息化处",
          "2021年1月31日前", [("规划发展与信息化处", R)], "2021-01-31"),
        T("16", "规范政务新媒体管理，开设、变更、注销政务新媒体按规定备案。", "宣传处", "长期推进", [("宣传处", R)]),
        H("（二）做好依申请公开和年度报告工作"),
        T("17", "依法依规做好政府信息公开申请的受理、办理和答复工作，规范答复文书格式。", "办公室会法规处", "长期推进",
          [("办公室", L), ("法规处", C)]),
        T("18", "编制并公开本委2020年政府信息公开工作年度报告。", "办公室", "2021年1月31日前", [("办公室", R)],
          "2021-01-31"),
        T("19", "组织开展政务公开培训，委机关和直属单位相关工作人员全部参训。", "办公室牵头，人事处配合", "2021年11月底前",
          [("办公室", L), ("人事处", C)], "2021-11-30"),
    ]


# ------------------------------------------------------------------------------ DIVISION (4 columns)

DIVISION_TITLE = "某省2017年政务公开工作要点任务分解表"
DIVISION_HEADER = ["工作任务", "牵头单位", "责任单位", "工作要求"]

LONG = ("要结合本地区本部门实际，细化公开内容，明确公开时限，建立健全工作机制，确保信息发布及时、准确、完整，"
        "并通过政府门户网站、政务新媒体等渠道同步发布，方便公众查阅和获取，")


def _division_rows() -> list[Row]:
    def T(task, leads, resp, req, units, deadline=None):
        return Row([task, leads, resp, req], units=units, text=req, deadline=deadline)

    fin = "省财政厅\n省国税局\n省地税局\n省物价局"
    fin_u = [("省财政厅", L), ("省国税局", L), ("省地税局", L), ("省物价局", L)]
    cities = [("各设区市人民政府", R), ("平潭综合实验区管委会", R)]
    city_cell = "各设区市人民政府、平潭综合实验区管委会"
    return [
        H("一、推进“放管服”改革信息公开"),
        H("（一）推进权责清单公开"),
        T("全面公开权责清单", "省编办", city_cell,
          "在政府门户网站集中公开权力清单和责任清单，2017年6月底前完成动态调整。" + LONG + "2017年6月底前完成。",
          [("省编办", L)] + cities, "2017-06-30"),
        T("公开行政审批中介服务事项", "省编办\n省发改委", "省直有关部门",
          "公开中介服务事项清单及收费标准，规范中介服务行为。" + LONG + "长期坚持。",
          [("省编办", L), ("省发改委", L), ("省直有关部门", R)]),
        H("（二）推进减税降费信息公开"),
        T("公开涉企收费清单", fin, city_cell,
          "全面公开涉企行政事业性收费、政府性基金和实行政府定价的经营服务性收费目录清单。" + LONG + "2017年9月底前完成。",
          fin_u + cities, "2017-09-30"),
        T("公开减税降费政策及成效", "", city_cell,
          "及时公开营改增等减税降费政策措施及其落实情况。" + LONG + "按季度公开。", fin_u + cities),
        T("公开价格监管信息", "", "省直有关部门",
          "公开价格监督检查和价格违法案件查处信息。" + LONG + "长期坚持。", fin_u + [("省直有关部门", R)]),
        H("二、推进重点领域信息公开"),
        H("（一）推进财政资金信息公开"),
        T("公开政府预决算", "省财政厅", "省直各部门",
          "除涉密信息外，政府预决算、部门预决算全部公开，2017年底前公开到基本支出经济分类科目。" + LONG + "逐年细化。",
          [("省财政厅", L), ("省直各部门", R)], "2017-12-31"),
        T("公开政府债务信息", "", city_cell,
          "公开政府债务限额、余额和债务发行、使用、偿还情况。" + LONG + "按年度公开。",
          [("省财政厅", L)] + cities),
        H("（二）推进国有企业信息公开"),
        T("公开国有企业运营情况", "省国资委", "省属国有企业",
          "公开国有资本整体运营情况、企业负责人薪酬以及履行社会责任、重大事项等。" + LONG + "2017年11月底前完成。",
          [("省国资委", L), ("省属国有企业", R)], "2017-11-30"),
        H("（三）推进环境保护信息公开"),
        T("公开重点排污单位信息", "省环保厅", city_cell,
          "督促重点排污单位公开污染物排放、治污设施运行情况等环境信息。" + LONG + "2018年前建成重点排污单位信息公开平台。",
          [("省环保厅", L)] + cities, "2018-12-31"),
        H("（四）推进政府和社会资本合作（PPP）项目信息公开"),
        T("公开PPP项目信息", "省财政厅\n省发改委", city_cell,
          "公开PPP项目识别、准备、采购、执行、移交各阶段信息。" + LONG + "长期坚持。",
          [("省财政厅", L), ("省发改委", L)] + cities),
        T("建立PPP项目库", "", "省直有关部门",
          "建立全省PPP项目库，定期向社会推介项目。" + LONG + "2017年10月底前完成。",
          [("省财政厅", L), ("省发改委", L), ("省直有关部门", R)], "2017-10-31"),
        H("三、加强政务公开制度和平台建设"),
        T("完善政务公开制度", "省政府办公厅", "省直各部门",
          "完善主动公开基本目录，健全公文公开属性源头认定机制。" + LONG + "2017年12月底前完成。",
          [("省政府办公厅", L), ("省直各部门", R)], "2017-12-31"),
        T("加强政府网站建设", "省政府办公厅\n省经信委", city_cell,
          "开展政府网站普查，关停整合内容更新不及时的网站，回应公众关切。" + LONG * 6 + "网站年度报表按时公开。",
          [("省政府办公厅", L), ("省经信委", L)] + cities),
    ]


# ------------------------------------------------------------------------------ COUNTY (6 columns, held out)
# Written after the rules above were made, to see them on a table they were not tuned on: 序号 | 重点任务 | 具体内容
# | 牵头单位 | 配合单位 | 完成时限, a 配合单位 cell often empty (really empty, not merged), 牵头 merged down.

COUNTY_TITLE = "某县2022年政务公开重点工作任务分解表"
COUNTY_HEADER = ["序号", "重点任务", "具体内容", "牵头单位", "配合单位", "完成时限"]
NOT_MERGED = {"county": {"配合单位", "完成时限"}}      # an empty cell there is empty, in Word too


def _county_rows() -> list[Row]:
    def T(no, task, text, lead, coop, due, units, deadline=None):
        return Row([no, task, text, lead, coop, due], units=units, text=text, deadline=deadline)

    return [
        H("一、深化重点领域信息公开"),
        T("1", "财政信息公开", "做好县级预决算公开工作，细化到功能分类项级科目，同步公开“三公”经费。", "县财政局", "县直各部门",
          "2022年3月底前", [("县财政局", L), ("县直各部门", C)], "2022-03-31"),
        T("2", "", "公开县级政府债务限额、余额及使用安排等信息。", "", "", "长期坚持", [("县财政局", L)]),
        T("3", "乡村振兴信息公开", "公开衔接推进乡村振兴补助资金分配和项目安排情况，接受群众监督。", "县农业农村局会同县财政局",
          "各乡镇人民政府", "2022年9月底前",
          [("县农业农村局", L), ("县财政局", C), ("各乡镇人民政府", C)], "2022-09-30"),
        T("4", "", "推进村级事务公开，每季度更新一次村务公开栏。", "", "各乡镇人民政府", "每季度",
          [("县农业农村局", L), ("县财政局", C), ("各乡镇人民政府", C)]),
        H("二、加强政策解读和回应关切"),
        T("5", "政策解读", "县政府常务会议审议通过的政策文件，同步发布解读材料，全年发布解读不少于10篇。", "县政府办公室",
          "县融媒体中心 县司法局", "2022年12月底前",
          [("县政府办公室", L), ("县融媒体中心", C), ("县司法局", C)], "2022-12-31"),
        T("6", "回应关切", "对涉及县政府的网络舆情，在5小时内作出初步回应，24小时内发布权威信息。", "县委网信办", "",
          "5小时内；24小时内", [("县委网信办", L)]),
        H("三、提升政务公开平台质效"),
        T("7", "政府网站", "优化县政府门户网站栏目设置，2022年2月公开年度报表，2022年8月完成适老化改造。", "县政府办公室",
          "县大数据中心", "2022年2月公开年度报表，2022年8月完成适老化改造",
          [("县政府办公室", L), ("县大数据中心", C)], "2022-08-31"),
        T("8", "政务新媒体", "规范政务新媒体管理，关停整合“僵尸”账号，确保信息发布安全。", "县委网信办（牵头）、县政府办公室", "",
          "2022年6月底前", [("县委网信办", L), ("县政府办公室", L)], "2022-06-30"),
    ]


COUNTY = _county_rows()
LEDGER = _ledger_rows()
DIVISION = _division_rows()
TABLES = {"ledger": (LEDGER_TITLE, LEDGER_HEADER, LEDGER), "division": (DIVISION_TITLE, DIVISION_HEADER, DIVISION),
          "county": (COUNTY_TITLE, COUNTY_HEADER, COUNTY)}


def truth(rows: list[Row]) -> list[Row]:
    """The tasks, each with the headings above it (its context) in ``path``."""
    out, stack = [], []
    for r in rows:
        if r.heading:
            level = 1 if r.cells[0].startswith("（") else 0
            stack = stack[:level] + [r.cells[0]]
        else:
            r.path = list(stack)
            out.append(r)
    return out


# ------------------------------------------------------------------------------ forms

def _merge_down(cells, prev, i):
    cells[i]._tc.get_or_add_tcPr().append(OxmlElement("w:vMerge"))
    above = prev[i]._tc.get_or_add_tcPr()
    if above.find(qn("w:vMerge")) is None:
        restart = OxmlElement("w:vMerge")
        restart.set(qn("w:val"), "restart")
        above.append(restart)


def _cell_text(cell, value: str):
    lines = value.split("\n")
    cell.text = lines[0]
    for extra in lines[1:]:                 # one unit a paragraph, as clerks type a list in a cell
        cell.add_paragraph(extra)


def _split_marker(title: str) -> tuple[str, str]:
    m = re.match(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)(.*)$", title)
    return (m.group(1), m.group(2)) if m else ("", title)


def word(name: str, path: Path, repeat_header: bool = True, headings: str = "merged") -> Path:
    """The table in Word: title, the table with a repeated header row (or not: then a page of the printed table
    starts with the rest of a row), headings merged across the row, an empty cell merged with the one above
    (as the published file has it)."""
    title, header, rows = TABLES[name]
    d = docx.Document()
    d.add_paragraph(title)
    d.add_paragraph("")
    t = d.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for i, h in enumerate(header):
        t.cell(0, i).text = h
    if repeat_header:
        t.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    prev = None
    for r in rows:
        cells = t.add_row().cells
        if r.heading:
            if headings == "merged":              # one cell across the row
                cells[0].merge(cells[-1]).text = r.cells[0]
            elif headings == "numbered":          # the number in 序号, the title in 工作任务: "一" | "着力推进…"
                marker, rest = _split_marker(r.cells[0])
                cells[0].text = marker.rstrip("、")
                cells[1].text = rest
            else:                                 # the whole title in the task column, the other cells empty
                cells[header.index("工作任务")].text = r.cells[0]
            prev = None
            continue
        for i, v in enumerate(r.cells):
            if not v and prev is not None and header[i] not in NOT_MERGED.get(name, ()):
                _merge_down(cells, prev, i)
            else:
                _cell_text(cells[i], v)
        prev = cells
    d.save(path)
    return path


def _carried(rows: list[Row]) -> list[list[str] | None]:
    return [None if r.heading else r.cells for r in rows]


def tab_text(name: str) -> str:
    """Word's 另存为纯文本 / a browser copy: a row a line, cells joined by tabs, a heading row its one cell,
    a merged cell's continuation empty, a cell's lines joined by spaces; the header repeated at a page break
    with the group heading above it repeated too."""
    title, header, rows = TABLES[name]
    out = [title, "", "\t".join(header)]
    heading = ""
    for k, r in enumerate(rows):
        if r.heading:
            out.append(r.cells[0])
            heading = r.cells[0] if r.cells[0].startswith("（") else heading
            continue
        out.append("\t".join(c.replace("\n", " ") for c in r.cells))
        if k == len(rows) // 2:                       # a printed page ends: header and heading repeated
            out += ["\t".join(header), heading]
    return "\n".join(out) + "\n"


def one_cell_a_line(name: str, omitted: bool = False) -> str:
    """A table flattened to text one cell a line, each behind a tab (as the 2019 薛城区 plan's attachment was
    published): a merged cell's continuation an empty tab line, a blank line between rows, heading rows as
    their one cell — or (``omitted``, as a web page's text copy gives it) empty cells left out altogether."""
    title, header, rows = TABLES[name]
    out = [title, ""] + ["\t" + h for h in header]
    for r in rows:
        if r.heading:
            out.append("\t" + r.cells[0])
            continue
        out += ["\t" + c.replace("\n", " ") for c in r.cells if c or not omitted] + ([] if omitted else [""])
    return "\n".join(out) + "\n"


def web_archive(name: str) -> str:
    """An archived web page: its furniture (索引号, 发布机构 …) first, the title, then the table with cells joined
    by " | " and merged cells left out."""
    title, header, rows = TABLES[name]
    out = ["索引号: 000014348/2021-00123", "发布机构: 某省卫生健康委员会", "生成日期: 2021-03-05",
           "文号: 某卫办〔2021〕12号", "主题分类: 政务公开", "", title, "", " | ".join(header)]
    for r in rows:
        if r.heading:
            out.append(r.cells[0])
            continue
        out.append(" | ".join(c.replace("\n", " ") for c in r.cells if c))
    out += ["", "打印本页 关闭窗口"]
    return "\n".join(out) + "\n"


# the text forms every table is rendered in and scored (tests/test_plan.py, LAYOUT_FORMS): a new plan layout's
# fixture is a function name -> text here, one entry in this table
TEXT_FORMS = {"tab": tab_text, "cells": one_cell_a_line, "web": web_archive,
              "cells omitted": lambda name: one_cell_a_line(name, omitted=True)}


def pdf_of(docx_path: Path, outdir: Path, exe: str) -> Path:
    subprocess.run([exe, "--headless", f"-env:UserInstallation=file://{outdir}/lo", "--convert-to", "pdf",
                    "--outdir", str(outdir), str(docx_path)], check=True, capture_output=True, timeout=240)
    return outdir / (docx_path.stem + ".pdf")


# ------------------------------------------------------------------------------ scoring

def _norm(t: str) -> str:
    return re.sub(r"[\s，。、；：,.;:“”（）()]", "", t)


@dataclass
class Score:
    task_recall: float
    task_precision: float
    unit_f1: float
    lead_recall: float
    heading_recall: float          # tasks whose path holds the headings above them
    missed: list[str]
    extra: list[str]

    def ok(self) -> bool:
        return self.task_recall >= 0.98 and self.task_precision >= 0.95 and self.unit_f1 >= 0.98 and \
            self.lead_recall >= 0.95 and self.heading_recall >= 0.98

    def line(self) -> str:
        return (f"task recall {self.task_recall:.2f}, precision {self.task_precision:.2f}, unit F1 {self.unit_f1:.2f}, "
                f"牵头 recall {self.lead_recall:.2f}, headings {self.heading_recall:.2f}")


def score(plan, rows: list[Row]) -> Score:
    """Match each true task to the read task whose text is the same (or nearly: a PDF may wrap a word), then
    compare their units by name and the lead units by role."""
    want = truth(rows)
    got = list(plan.tasks)
    used: set[int] = set()
    pairs = []
    for w in want:
        best, best_r = None, 0.0
        for j, g in enumerate(got):
            if j in used:
                continue
            r = difflib.SequenceMatcher(None, _norm(w.text), _norm(g.text)).ratio()
            if r > best_r:
                best, best_r = j, r
        if best is not None and best_r >= 0.9:
            used.add(best)
            pairs.append((w, got[best]))
    tp = fp = fn = 0
    leads = leads_found = 0
    for w, g in pairs:
        a = {n for n, _ in w.units}
        b = {u.name for u in g.units}
        tp += len(a & b)
        fp += len(b - a)
        fn += len(a - b)
        glead = {u.name for u in g.units if u.role == "lead"}
        for n, role in w.units:
            if role == "lead":
                leads += 1
                leads_found += n in glead
    fn += sum(len(w.units) for w in want if w not in [p[0] for p in pairs])
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    in_path = sum(1 for w, g in pairs if all(h in g.path for h in w.path))
    return Score(len(pairs) / len(want), len(pairs) / max(1, len(got)), f1, leads_found / max(1, leads),
                 in_path / max(1, len(pairs)),
                 [w.text[:30] for w in want if w not in [p[0] for p in pairs]],
                 [g.text[:30] for j, g in enumerate(got) if j not in used])


# ------------------------------------------------------------------------------ the committed PDFs

def build_pdfs(exe: str) -> list[Path]:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, stem, repeat in [("ledger", "layout_ledger", True), ("division", "layout_division", True),
                                   ("division", "layout_division_broken", False), ("county", "layout_county", True)]:
            src = word(name, Path(tmp) / f"{stem}.docx", repeat_header=repeat)
            pdf = pdf_of(src, Path(tmp), exe)
            target = FIXTURES / pdf.name
            target.write_bytes(pdf.read_bytes())
            out.append(target)
    return out


if __name__ == "__main__":
    import shutil

    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        sys.exit("LibreOffice is needed to build the PDFs")
    for p in build_pdfs(exe):
        print(p)
