"""Every sheet we write prints on A4 at a readable size: paper, orientation, repeated headers, and a
fit-to-width scale that keeps the text at 8 pt or more (else a fixed scale with repeated columns)."""
import re

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from automation.tables import MIN_SCALE, PAGE_UNITS

BODY_PT = {"年度报告数据": 9}           # the unit workbook's figures sheet is set in 9 pt; the rest in 10-11 pt
A3_WIDER = (420 - 20.32) / (297 - 20.32)   # a landscape A3 page holds this many times a landscape A4's width


def page_units(ws) -> float:
    """Stored width units a page of this sheet holds at 100 % (A4, or A3: paper size 8)."""
    return PAGE_UNITS[ws.page_setup.orientation] * (A3_WIDER if str(ws.page_setup.paperSize) == "8" else 1)


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    from automation.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("print") / "demo").output


def visible_widths(ws) -> list[float]:
    widths = {}
    for dim in ws.column_dimensions.values():
        if dim.min and dim.max:
            for c in range(dim.min, dim.max + 1):
                widths[c] = (dim.width or 8.43, dim.hidden)
    last = max(ws.max_column, max(widths, default=0))
    return [widths.get(c, (8.43, False))[0] for c in range(1, last + 1) if not widths.get(c, (0, False))[1]]


def check_sheet(path, ws, problems):
    ps = ws.page_setup
    where = f"{path.name}/{ws.title}"
    if str(ps.paperSize) != "9" and (str(ps.paperSize), ws.title) != ("8", "任务进度"):
        problems.append(f"{where}: paper {ps.paperSize}, not A4")       # A3: only a county's task matrix
    if ps.orientation not in ("landscape", "portrait"):
        problems.append(f"{where}: no orientation")
    fit = ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
    total = sum(visible_widths(ws))
    if fit:
        if ps.fitToWidth not in (None, 1):
            problems.append(f"{where}: fit to {ps.fitToWidth} pages wide")
        scale = min(1.0, page_units(ws) / total)
        pt = BODY_PT.get(ws.title, 10) if "任务台账" in path.name else 10
        if scale * pt < 8 - 1e-6:
            problems.append(f"{where}: shrunk to {scale:.2f} of {pt} pt ({total:.0f} width units)")
    else:
        if not ps.scale or int(ps.scale) < MIN_SCALE * 100:
            problems.append(f"{where}: scale {ps.scale}")
        if not ws.print_title_cols:
            problems.append(f"{where}: wider than a page without repeated columns")


def workbooks(year):
    unit_book = next((year / "下发" / "2021年第2次调度").glob("区财政局_*.xlsx"))
    return [year / "汇总" / "汇总.xlsx", year / "任务清单.xlsx", unit_book, year / "控制台.xlsm",
            year / "报告" / "报告清单.xlsx", year / "单位名录.xlsx", year / "下发" / "2021年第2次调度" / "下发清单.xlsx"]


def test_every_sheet_prints_on_a4_at_a_readable_size(year):
    problems = []
    for path in workbooks(year):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if ws.sheet_state == "visible":
                check_sheet(path, ws, problems)
    assert not problems, "\n".join(problems)


def test_list_sheets_repeat_their_header_and_wide_matrices_their_labels(year):
    wb = openpyxl.load_workbook(year / "汇总" / "汇总.xlsx")
    for name in ("任务进度", "单位进度", "未报送单位", "落实情况明细", "问题清单", "年度报告数据"):   # 逾期任务: below
        assert wb[name].print_title_rows == "$1:$1", name
    assert wb["年度报告数据"].print_title_cols == "$A:$D"
    assert [c.value for c in wb["任务进度"][1]][:2] == ["任务编号", "任务内容"]
    # a wrapped row is as high as its text: the longest 落实情况 gets several lines, not one
    ws = wb["落实情况明细"]
    head = [c.value for c in ws[1]]
    col = head.index("落实情况") + 1
    longest = max(range(2, ws.max_row + 1), key=lambda r: len(str(ws.cell(r, col).value or "")))
    text = str(ws.cell(longest, col).value)
    lines = -(-sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) // int(ws.column_dimensions[get_column_letter(col)].width - 1))
    assert ws.row_dimensions[longest].height >= lines * 13.5
    # the unit header row is high enough for the longest wrapped unit name
    assert wb["任务进度"].row_dimensions[1].height >= 40


def test_overview_defines_each_metric_and_ranks_units(year):
    wb = openpyxl.load_workbook(year / "汇总" / "汇总.xlsx")
    ws = wb["总览"]
    rows = [[c.value for c in r] for r in ws.iter_rows(max_col=3)]
    head = next(i for i, r in enumerate(rows) if r[2] == "怎么计算（指标说明）")
    defined = {r[0]: r[2] for r in rows[head + 1:head + 20] if r[0] and r[1] is not None}
    for k in ("已完成任务", "逾期未完成任务", "单位任务完成率", "逾期报送单位", "未报送单位"):
        assert defined.get(k), k
    assert "截止日（2021-12-25）" in defined["逾期未完成任务"] and "口径不同" in defined["单位任务完成率"]
    # the ranking: lowest first, every unit, the chart drawn from it
    start = next(i for i, r in enumerate(rows) if r[0] == "各单位任务完成率（从低到高）") + 2
    ranked = [r for r in rows[start:] if r[0]]
    rates = [r[1] for r in ranked]
    assert rates == sorted(rates) and len(ranked) == 37
    assert len(ws._charts) == 2                       # two rounds: the trend, and the units


def test_task_list_is_fit_for_review(year):
    wb = openpyxl.load_workbook(year / "任务清单.xlsx")
    ws = wb["任务清单"]
    head = [c.value for c in ws[1]]
    assert ws["A2"].number_format == "@"                          # a typed id stays text, new rows too
    assert ws.column_dimensions["A"].number_format == "@"
    src = ws.cell(2, head.index("来源") + 1).value
    assert re.fullmatch(r".+\.txt 第\d+行", src), src
    hidden = {head[c - 1] for c in range(1, len(head) + 1) if ws.column_dimensions[get_column_letter(c)].hidden}
    assert hidden == {c for c in ("二级标题", "牵头单位", "配合单位", "时限原文", "频次", "量化目标")
                      if not any(ws.cell(r, head.index(c) + 1).value for r in range(2, ws.max_row + 1))} | {"任务标识"}
    assert "配合单位" in hidden
    assert [c.value for c in wb["单位"][1]][3:5] == ["是否集合名称", "是否在名录中"]


def test_sent_workbook_is_not_red_before_the_unit_answers(year):
    path = next((year / "下发" / "2021年第1次调度").glob("区财政局_*.xlsx"))
    ws = openpyxl.load_workbook(path)["任务台账"]
    rules = [r for cf in ws.conditional_formatting for r in cf.rules if "TODAY()" in (r.formula or [""])[0]]
    assert rules and all('<>""' in r.formula[0].split("TODAY()")[1] for r in rules)


def test_an_old_round_rebuilt_reads_as_it_did(year, tmp_path):
    """Overdue is judged at the round's own cut-off, stored with the round: rebuilding round 1 after round 2
    gives round 1's cut-off and the same counts every time."""
    from automation.collect import rebuild
    from automation.summarybook import read_summary

    ledger = year / "汇总" / "台账.sqlite"
    a = rebuild(ledger, tmp_path / "a.xlsx", round_name="2021年第1次调度")
    b = rebuild(ledger, tmp_path / "b.xlsx", round_name="2021年第1次调度")
    data = read_summary(a.output)
    assert data.round == "2021年第1次调度" and str(data.due) == "2021-07-10"
    assert a.headline == b.headline and a.headline.returned == 36
    latest = rebuild(ledger, tmp_path / "c.xlsx")
    assert str(read_summary(latest.output).due) == "2021-12-25"


def pdf_pages(src, tmp_path) -> list[str]:
    """The text of each printed page, as LibreOffice prints the workbook."""
    import shutil
    import subprocess

    import pdfplumber

    from conftest import soffice

    exe = soffice()
    if not exe:
        pytest.skip("LibreOffice 未安装")
    copy = tmp_path / f"print{src.suffix}"
    shutil.copy(src, copy)
    subprocess.run([exe, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(copy)], check=True, capture_output=True, timeout=300)
    with pdfplumber.open(tmp_path / "print.pdf") as pdf:
        return [(p.extract_text() or "").replace(" ", "") for p in pdf.pages]


def fit_scale(ws) -> float:
    return min(1.0, page_units(ws) / sum(visible_widths(ws)))


def strips(ws) -> int:
    """Pages across a sheet printed at a fixed scale, its print-title columns repeated on each."""
    from openpyxl.utils import column_index_from_string

    page = page_units(ws) / (int(ws.page_setup.scale or 100) / 100)
    widths = visible_widths(ws)
    repeat = 0
    if ws.print_title_cols:
        last = column_index_from_string(ws.print_title_cols.split(":")[1].strip("$"))
        hidden = sum(1 for c in range(1, last + 1) if ws.column_dimensions[get_column_letter(c)].hidden)
        repeat = sum(widths[:last - hidden])
    n, used = 1, sum(widths[:0])
    for w in widths:
        if used + w > page:
            n, used = n + 1, repeat
        used += w
    return n


def test_overview_prints_one_page_for_a_meeting(year, tmp_path):
    path = year / "汇总" / "汇总.xlsx"
    ws = openpyxl.load_workbook(path)["总览"]
    ps = ws.page_setup
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ps.fitToWidth in (None, 1) and ps.fitToHeight in (None, 1)
    assert ps.orientation == "portrait" and fit_scale(ws) * 10 >= 8
    area = ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area
    last = int(re.search(r"\$(\d+)$", area).group(1))
    labels = [ws.cell(r, 1).value for r in range(1, last + 1)]
    assert "已完成任务" in labels and "逾期未完成任务" in labels
    behind = labels.index("进度落后的单位（完成率最低的10个）")
    assert ws.cell(behind + 3, 1).value == "区政府办公室" and ws.cell(behind + 3, 2).value < 0.4   # lowest first
    assert any(str(v).startswith("逾期未完成任务（完成时限早于 2021-12-25）") for v in labels)
    assert "各轮调度趋势" not in labels                  # the trend and the charts are below the printed page
    pages = pdf_pages(path, tmp_path)
    assert "进度落后的单位" in pages[0] and "无逾期未完成的任务" in pages[0]
    assert "任务编号" in pages[1] and "进度落后" not in pages[1]     # page 2 is 任务进度


def test_wide_summary_sheets_print_in_few_strips_and_units_at_8_pt(year):
    wb = openpyxl.load_workbook(year / "汇总" / "汇总.xlsx")
    assert fit_scale(wb["单位进度"]) * 10 >= 8 and wb["单位进度"].sheet_properties.pageSetUpPr.fitToPage
    assert strips(wb["年度报告数据"]) <= 2                                                # was 4
    # the sample plan names no 牵头 unit: no empty 牵头单位 column in print
    head = [c.value for c in wb["任务进度"][1]]
    assert wb["任务进度"].column_dimensions[get_column_letter(head.index("牵头单位") + 1)].hidden


def test_unit_ledger_prints_one_page_wide_with_wrapped_text(year, tmp_path):
    path = next((year / "下发" / "2021年第2次调度").glob("孟庄镇_*.xlsx"))
    wb = openpyxl.load_workbook(path)
    ws = wb["任务台账"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0 and not ws.print_title_cols and ws.print_title_rows == "$1:$1"
    assert fit_scale(ws) * 10 >= 8
    assert all(ws.cell(2, c).alignment.wrap_text for c in range(1, ws.max_column + 1))
    pages = pdf_pages(path, tmp_path)
    # LibreOffice prints the sheets in order: 任务台账's pages run from its first page (the header row starts with
    # 序号) to the page before 年度报告数据's title, strips included — printed in strips, most of them would lack
    # 序号 or 下步打算 and there would be many more of them
    first = next(i for i, p in enumerate(pages) if "序号" in p)
    end = next(i for i, p in enumerate(pages) if p.startswith("年度报告数据（"))
    ledger = pages[first:end]
    assert all("序号" in p and "下步打算" in p for p in ledger)     # every page holds every column
    # every task printed on exactly one page: none cut off, none repeated in a strip (21 tasks: was 20 pages in 5)
    # (a row prints as its 序号 then its 任务编号: "13" "2021-03-01" -> "132021-03-01"; a date alone is no row)
    rows = [f"{ws.cell(r, 1).value}{ws.cell(r, 2).value}" for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value]
    assert (ws.cell(1, 1).value, ws.cell(1, 2).value) == ("序号", "任务编号") and len(rows) == 21
    assert [sum(i in p for p in ledger) for i in rows] == [1] * len(rows)


def printed_sheets(src, tmp_path) -> dict[str, list]:
    """Each sheet's printed pages, as LibreOffice prints the workbook: {sheet: [(width, height, text, page)]},
    the sheets found by the PDF's bookmarks; ``page`` a pdfplumber page, valid while the test runs."""
    import shutil
    import subprocess

    import pdfplumber
    from pdfminer.pdftypes import resolve1

    from conftest import soffice

    exe = soffice()
    if not exe:
        pytest.skip("LibreOffice 未安装")
    copy = tmp_path / f"print{src.suffix}"
    shutil.copy(src, copy)
    subprocess.run([exe, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                    'pdf:calc_pdf_Export:{"ExportBookmarks":{"type":"boolean","value":"true"}}',
                    "--outdir", str(tmp_path), str(copy)], check=True, capture_output=True, timeout=600)
    pdf = pdfplumber.open(tmp_path / "print.pdf")
    index = {p.page_obj.pageid: i for i, p in enumerate(pdf.pages)}
    starts = []
    for _level, title, dest, action, _ in pdf.doc.get_outlines():
        dest = resolve1(dest if dest is not None else resolve1(action).get("D"))
        starts.append((title, index[resolve1(dest)[0].objid]))
    ends = [start for _, start in starts[1:]] + [len(pdf.pages)]
    return {title: [(p.width, p.height, (p.extract_text() or "").replace(" ", ""), p) for p in pdf.pages[a:b]]
            for (title, a), b in zip(starts, ends)}


@pytest.fixture(scope="module")
def summary_printed(year, tmp_path_factory):
    return printed_sheets(year / "汇总" / "汇总.xlsx", tmp_path_factory.mktemp("summary_pdf"))


def test_a_countys_task_matrix_prints_one_strip_wide_on_a3(year, summary_printed):
    """任务进度 with the demo's 37 units: one page wide on landscape A3 at 8 pt or more (it was 3 strips on A4:
    a page's unit columns apart from their tasks), a status and a unit name one character a line."""
    from automation.summarybook import A3_PAPER

    ws = openpyxl.load_workbook(year / "汇总" / "汇总.xlsx")["任务进度"]
    ps = ws.page_setup
    assert str(ps.paperSize) == str(A3_PAPER) and ps.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ps.fitToWidth in (None, 1) and ps.fitToHeight == 0
    assert fit_scale(ws) * 10 >= 8 and not ws.print_title_cols
    head = [c.value for c in ws[1]]
    units = head[head.index("牵头单位") + 1:]
    assert len(units) == 37
    # every row is as high as a status written one character a line (已/完/成), the header as the longest name
    assert all(ws.row_dimensions[r].height >= 3 * 13.5 for r in range(2, ws.max_row + 1))
    assert ws.row_dimensions[1].height >= max(len(u) for u in units) * 15
    pages = summary_printed["任务进度"]
    # strips: a page of a later strip repeats only 任务编号/任务内容; every page here holds the first strip's
    # 总体状态 and 完成时限, and the last unit's status column (the sheet's right edge) is on it too
    assert all("总体状态" in t and "完成时限" in t for _, _, t, _ in pages)
    ids = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value]
    assert head[0] == "任务编号" and [sum(i in t for _, _, t, _ in pages) for i in ids] == [1] * len(ids)
    assert all(w > h and round(w) == 1191 for w, h, _, _ in pages)          # landscape A3 (420 mm = 1191 pt)
    last = ws.max_column
    statuses = [ws.cell(r, last).value for r in range(2, ws.max_row + 1) if ws.cell(r, last).value]
    right = [p.crop((p.width * 0.9, 0, p.width, p.height)).extract_text() or "" for _, _, _, p in pages]
    assert statuses and any("已" in t or "未" in t or "推" in t for t in right)


def test_unit_names_print_whole_in_unit_progress(year, summary_printed):
    """单位进度 prints every unit's full name (区人力资源和社会保障局, 枣庄市生态环境局市中分局): wrapped in 单位,
    every row as high as the longest name needs (sorting by 完成率 leaves row heights where they are)."""
    ws = openpyxl.load_workbook(year / "汇总" / "汇总.xlsx")["单位进度"]
    names = [ws.cell(r, 1).value for r in range(2, ws.max_row)]          # less 合计
    assert "区人力资源和社会保障局" in names and max(len(n) for n in names) >= 12
    assert {ws.row_dimensions[r].height for r in range(2, ws.max_row)} == {2 * 13.5 + 4}
    assert fit_scale(ws) * 10 >= 8
    column = ""
    for _, _, _, page in summary_printed["单位进度"]:
        head = next(w for w in page.extract_words() if w["text"] == "单位")
        right = min(e["x0"] for e in page.edges if e["orientation"] == "v" and e["x0"] > head["x1"])   # its border
        column += (page.crop((0, 0, right, page.height)).extract_text() or "").replace("\n", "")
    missing = [n for n in names if n not in column]                        # a clipped name loses its last characters
    assert not missing, missing


def test_nothing_overdue_prints_one_line_not_an_empty_table(year, summary_printed, tmp_path):
    """逾期任务 with nothing overdue (the demo at its cut-off) prints one line saying so, with the round and the
    date, instead of a page holding only the header; with overdue tasks it prints the table, header on each page."""
    import sqlite3

    from automation.collect import rebuild

    ws = openpyxl.load_workbook(year / "汇总" / "汇总.xlsx")["逾期任务"]
    line = "逾期任务：无逾期未完成的任务（2021年第2次调度，截至 2021-12-25）"
    assert [c.value for c in ws[1]][:2] == ["任务编号", "任务内容"] and ws["A2"].value == line
    assert ws.max_row == 2 and not ws.print_title_rows
    pages = summary_printed["逾期任务"]
    assert len(pages) == 1
    text = pages[0][2]
    assert line.replace(" ", "") in text and "任务内容" not in text and "联系电话" not in text
    # the same year past its tasks' deadlines: the table prints, no such line
    ledger = tmp_path / "台账.sqlite"
    ledger.write_bytes((year / "汇总" / "台账.sqlite").read_bytes())
    with sqlite3.connect(ledger) as con:
        con.execute("UPDATE runs SET due='2022-01-10'")
    late = openpyxl.load_workbook(rebuild(ledger, tmp_path / "逾期.xlsx").output)["逾期任务"]
    rows = list(late.iter_rows(min_row=2, values_only=True))
    assert rows and all(r[0] and "无逾期" not in str(r[0]) for r in rows)
    assert late.print_title_rows == "$1:$1" and not late.print_area


def test_task_matrix_layout_from_a_few_units_to_a_city(year):
    """The paper and widths 任务进度 gets for its number of units: a few units keep a status on one line on
    A4; then narrow columns on A4; a county's 30-40 units on A3 (with a 牵头单位 column too, 任务内容 giving
    way but never below TASK_TEXT_MIN); more in strips on A3.  Every one-page layout prints at 8 pt or more."""
    from automation.summarybook import TASK_FIXED, TASK_TEXT_MIN, TASK_WIDTHS, _task_layout
    from automation.tables import XLSXWRITER_PAD

    lead = (TASK_FIXED.index("牵头单位"),)
    for n, hidden, paper, fits in [(0, lead, "A4", True), (5, (), "A4", True), (8, lead, "A4", True),
                                   (15, (), "A4", True), (20, lead, "A4", True), (30, (), "A3", True),
                                   (35, lead, "A3", True), (40, (), "A3", True), (40, lead, "A3", True),
                                   (45, lead, "A3", False), (300, lead, "A3", False)]:
        widths, a3, one_page = _task_layout(n, hidden)
        assert (("A3" if a3 else "A4"), one_page) == (paper, fits), n
        assert len(widths) == len(TASK_FIXED) + n and widths[1] >= TASK_TEXT_MIN
        printed = sum(w + XLSXWRITER_PAD for c, w in enumerate(widths) if c not in hidden)
        page = PAGE_UNITS["landscape"] * (A3_WIDER if a3 else 1)
        assert not fits or page / printed >= MIN_SCALE, n
    assert _task_layout(5, ())[0] == TASK_WIDTHS + [6] * 5          # a few units: as before, a status on one line
