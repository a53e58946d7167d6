"""The annual report: open the .docx files we wrote and check headings, tables, numbers, fonts, layout."""
import datetime as dt
import re
import shutil
import subprocess
import sys

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm

from automation import reportspec as R
from automation.problems import GongkaiError
from automation.report import ReportOptions, make_reports
from automation.resources import report_template
from conftest import soffice

HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
            "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
SETTINGS = {"organ": "枣庄市市中区人民政府", "address": "枣庄市市中区君山中路321号", "phone": "0632-3083075",
            "date": "2022年1月20日"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from automation.demo import run_demo

    out = tmp_path_factory.mktemp("demo") / "demo"
    return run_demo(out)


@pytest.fixture(scope="module")
def accepted(demo):
    """The demo's reports with the office accepting every unit's mid-year data (the demo's own report step
    refuses them): the folder they are in."""
    from automation.summarybook import read_summary

    out = demo.output / "报告（确认年中数据）"
    units = list(read_summary(demo.output / "汇总" / "汇总.xlsx").units)
    make_reports(ReportOptions(
        summary=demo.output / "汇总" / "汇总.xlsx", output=out, all_units=True, settings_path=demo.output / "控制台.xlsm",
        accept_midyear=units))
    return out


@pytest.fixture
def summary(demo, tmp_path):
    """The demo's summary as if every unit had sent its workbook in the year-end round (the demo's own
    summary, where 25 units' data are from July, is tested in test_midyear_*)."""
    p = tmp_path / "汇总.xlsx"
    shutil.copy(demo.output / "汇总" / "汇总.xlsx", p)
    all_year_end(p)
    return p


def all_year_end(summary_path):
    """Every unit's 数据轮次 set to the summary's own round (cut off 2021-12-25)."""
    wb = openpyxl.load_workbook(summary_path)
    ws = wb["单位进度"]
    col = [c.value for c in ws[1]].index("数据轮次") + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value not in (None, "合计"):
            ws.cell(r, col).value = "2021年第2次调度"
    wb.save(summary_path)


def set_figure(summary_path, unit, key, value):
    """A clerk corrects a figure in the summary's 年度报告数据 sheet."""
    wb = openpyxl.load_workbook(summary_path)
    ws = wb["年度报告数据"]
    header = [c.value for c in ws[1]]
    col = header.index(unit) + 1
    for row in ws.iter_rows(min_row=2):
        if row[0].value == key:
            ws.cell(row[0].row, col).value = value
    wb.save(summary_path)


def get_figure(summary_path, unit, key):
    wb = openpyxl.load_workbook(summary_path)
    ws = wb["年度报告数据"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[0] == key:
            return row[header.index(unit)]


def text_of(path):
    d = docx.Document(str(path))
    return "\n".join(p.text for p in d.paragraphs)


def one(summary, tmp_path, unit="区财政局", **kw):
    r = make_reports(ReportOptions(
        summary=summary, output=tmp_path / "out", unit=unit, settings=SETTINGS, when=dt.date(2022, 1, 20), **kw))
    return r, r.outcomes[0]


def test_six_headings_title_and_closing(summary, tmp_path):
    r, res = one(summary, tmp_path)
    assert res.status.label == "通过" and res.file.name.endswith("区财政局_2021年政府信息公开工作年度报告.docx")
    d = docx.Document(res.file)
    heads = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert heads == HEADINGS
    titles = [p.text for p in d.paragraphs if p.style.name == "Title"]
    assert titles == ["枣庄市市中区财政局", "2021年政府信息公开工作年度报告"]     # the organ's full name
    body = [p.text for p in d.paragraphs if p.text]
    assert body[-2:] == ["枣庄市市中区财政局", "2022年1月20日"]
    assert "本年度未收取信息处理费。" in body
    assert "（一）存在的主要问题" in body and "（三）政务公开工作要点落实情况" in body
    assert not any("{{" in t or "{%" in t for t in body)


def test_tables_labels_and_merges_follow_the_spec(summary, tmp_path):
    r, res = one(summary, tmp_path)
    d = docx.Document(res.file)
    t2, t3, t4 = d.tables
    # table 二: four blocks, labels exact, single-value rows merged over 3 columns
    labels = [t2.cell(i, 0).text for i in range(len(t2.rows))]
    expected = []
    for title, header, rows in R.T2_BLOCKS:
        expected += [title, header[0]] + [label for label, _ in rows]
    assert labels == expected
    assert t2.cell(0, 0)._tc is t2.cell(0, 3)._tc                       # 第二十条第（一）项 spans 4
    assert t2.cell(1, 1).text == "本年制发件数" and t2.cell(1, 3).text == "现行有效件数"
    assert t2.cell(5, 1)._tc is t2.cell(5, 3)._tc                       # 行政许可's number spans 3
    assert t2.cell(12, 1).text == "本年收费金额（单位：万元）"
    # table 三: corner 3x3, 申请人情况 over 7, 法人或其他组织 over 5, 25 rows with exact labels
    assert t3.cell(0, 0).text == R.T3_CORNER and t3.cell(0, 0)._tc is t3.cell(0, 2)._tc
    assert t3.cell(2, 0).text == R.T3_CORNER                            # vertically merged (same text)
    assert t3.cell(0, 3)._tc is t3.cell(0, 9)._tc and t3.cell(0, 3).text == "申请人情况"
    assert t3.cell(1, 4)._tc is t3.cell(1, 8)._tc and t3.cell(1, 4).text == "法人或其他组织"
    assert [t3.cell(2, c).text for c in range(4, 9)] == R.T3_COLS[1:6]
    assert t3.cell(1, 3).text == "自然人" and t3.cell(1, 9).text == "总计"
    assert len(t3.rows) == 28
    for i, (label, group, sub) in enumerate(R.T3_ROWS):
        row = 3 + i
        assert t3.cell(row, 2).text == label, (i, label)
        if group:
            assert t3.cell(row, 0).text == group
        if sub:
            assert t3.cell(row, 1).text == sub
    assert "“三安全一稳定”" in t3.cell(9, 2).text
    vmerge = lambda cell: cell._tc.tcPr.find(qn("w:vMerge"))  # noqa: E731
    assert vmerge(t3._cells[(3 + 2) * 10]) is not None               # 三、本年度办理结果 starts a vertical merge
    # table 四: 行政复议 over 5, 行政诉讼 over 10, the five 行政复议 labels span two rows
    assert t4.cell(0, 0)._tc is t4.cell(0, 4)._tc and t4.cell(0, 5)._tc is t4.cell(0, 14)._tc
    assert [t4.cell(1, c).text for c in range(5)] == R.T4_LABELS == [t4.cell(2, c).text for c in range(5)]
    assert t4.cell(1, 5).text == "未经复议直接起诉" and t4.cell(1, 10).text == "复议后起诉"
    # numbers right-aligned, 0 where nothing happened
    nums = [t4.cell(3, c) for c in range(15)]
    assert all(c.paragraphs[0].style.name == "表格数字" for c in nums)
    assert all(c.text.isdigit() for c in nums)


def test_numbers_come_from_the_summary_and_narrative_follows(summary, tmp_path):
    unit = "区财政局"
    new = get_figure(summary, unit, R.t3(1, 1))
    r, res = one(summary, tmp_path)
    d = docx.Document(res.file)
    t3 = d.tables[1]
    assert t3.cell(3, 3).text == str(int(new))
    assert f"全年共收到政府信息公开申请{int(get_figure(summary, unit, R.t3(1, 7)))}件" in text_of(res.file)
    # a clerk corrects the table: one more application received and handled (still consistent)
    set_figure(summary, unit, R.t3(1, 1), new + 5)
    set_figure(summary, unit, R.t3(1, 7), get_figure(summary, unit, R.t3(1, 7)) + 5)
    set_figure(summary, unit, R.t3(3, 1), get_figure(summary, unit, R.t3(3, 1)) + 5)
    set_figure(summary, unit, R.t3(3, 7), get_figure(summary, unit, R.t3(3, 7)) + 5)
    for c in (1, 7):
        set_figure(summary, unit, R.t3(R.T3_TOTAL_ROW, c), get_figure(summary, unit, R.t3(R.T3_TOTAL_ROW, c)) + 5)
    r2 = make_reports(ReportOptions(summary=summary, output=tmp_path / "out2", unit=unit, settings=SETTINGS))
    text = text_of(r2.outcomes[0].file)
    assert f"全年共收到政府信息公开申请{int(get_figure(summary, unit, R.t3(1, 7)))}件" in text
    assert docx.Document(r2.outcomes[0].file).tables[1].cell(3, 3).text == str(int(new + 5))


@pytest.mark.parametrize("planted, where", [
    ("unbalanced", ("三", "一+二 与 三（七）+四", "自然人")),
    ("t4_off_by_one", ("四", "行政复议", "总计")),
    ("slash", ("二", "规章", "本年制发件数")),
])
def test_checks_catch_planted_errors(summary, tmp_path, planted, where):
    unit = "区财政局"
    if planted == "unbalanced":
        set_figure(summary, unit, R.t3(1, 1), get_figure(summary, unit, R.t3(1, 1)) + 1)
        set_figure(summary, unit, R.t3(1, 7), get_figure(summary, unit, R.t3(1, 7)) + 1)
    elif planted == "t4_off_by_one":
        set_figure(summary, unit, R.t4(5), get_figure(summary, unit, R.t4(5)) + 1)
    else:  # a real published report wrote "/" for 规章 instead of 0
        set_figure(summary, unit, "t2_rule_new", "/")
    r, res = one(summary, tmp_path)
    assert res.status.label == "未通过，未生成" and not res.file
    found = [(p.params.get("table"), p.params.get("row"), p.params.get("column")) for p in res.problems]
    assert where in found, found
    assert "区财政局" in res.problems[0].message
    # --force writes it anyway and says so
    r, res = one(summary, tmp_path, force=True)
    assert res.file and res.status.label.startswith("未通过（已强制生成）")


def test_a_total_left_blank_is_the_sum_of_its_parts(summary, tmp_path):
    """A total is derived, never typed: blank, it is its parts' sum (a wrong typed total is caught above)."""
    unit = "区财政局"
    want = sum(get_figure(summary, unit, R.t3(1, c)) for c in range(1, 7))
    set_figure(summary, unit, R.t3(1, 7), None)
    r, res = one(summary, tmp_path)
    assert res.status.label.startswith("通过"), [p.message for p in res.problems]
    assert docx.Document(res.file).tables[1].cell(3, 9).text == str(int(want))


def test_consolidated_is_the_cell_by_cell_sum(demo, summary, tmp_path):
    r = make_reports(ReportOptions(summary=summary, output=tmp_path / "all", consolidated=True, settings=SETTINGS))
    res = r.outcomes[0]
    assert res.unit is None and res.file.name.endswith("枣庄市市中区人民政府_2021年政府信息公开工作年度报告.docx")
    wb = openpyxl.load_workbook(summary)
    ws = wb["年度报告数据"]
    header = [c.value for c in ws[1]]
    units = header[5:]
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    d = docx.Document(res.file)
    t3, t4 = d.tables[1], d.tables[2]
    for r_ in range(1, 26):
        for c in range(1, 8):
            expected = sum(rows[R.t3(r_, c)][5:])
            assert t3.cell(2 + r_, 2 + c).text == str(int(expected))
    assert t4.cell(3, 4).text == str(int(sum(rows[R.t4(5)][5:])))
    text = text_of(res.file)
    assert f"所属{len(units)}个镇街和部门" in text


def test_fonts_page_and_margins(summary, tmp_path):
    r, res = one(summary, tmp_path)
    d = docx.Document(res.file)
    east = {name: d.styles[name].element.rPr.rFonts.get(qn("w:eastAsia"))
            for name in ("Normal", "Title", "Heading 1", "Heading 2", "表格文字")}
    assert east == {"Normal": "仿宋_GB2312", "Title": "方正小标宋简体", "Heading 1": "黑体", "Heading 2": "楷体_GB2312",
                    "表格文字": "仿宋_GB2312"}
    assert d.styles["Normal"].font.size.pt == 16 and d.styles["Title"].font.size.pt == 22
    s = d.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)] == [37, 35, 28, 26]
    assert d.settings.odd_and_even_pages_header_footer
    assert "PAGE" in s.footer._element.xml and "— " in s.footer.paragraphs[0].text
    assert s.footer.paragraphs[0].alignment == 2 and s.even_page_footer.paragraphs[0].alignment == 0


def test_autoescaping(summary, tmp_path):
    wb = openpyxl.load_workbook(summary)
    ws = wb["落实情况明细"]
    for row in ws.iter_rows(min_row=2):
        if row[3].value == "区财政局" and row[9].value:
            row[9].value = "公开了 A&B<C> 的“预算”信息"
    wb.save(summary)
    r, res = one(summary, tmp_path)
    assert "公开了 A&B<C> 的“预算”信息" in text_of(res.file)


def test_batch_names_and_listing(summary, tmp_path):
    r = make_reports(ReportOptions(summary=summary, output=tmp_path / "batch", all_units=True, settings=SETTINGS))
    names = sorted(p.name for p in (tmp_path / "batch").iterdir() if not p.name.startswith("."))   # not the
    assert "报告清单.xlsx" in names                                       # hidden record of what was written
    assert "孟庄镇_2021年政府信息公开工作年度报告.docx" in names
    assert "枣庄市市中区人民政府_2021年政府信息公开工作年度报告.docx" in names
    listing = openpyxl.load_workbook(tmp_path / "batch" / "报告清单.xlsx")["报告清单"]
    assert listing["A1"].value == "2021年政府信息公开工作年度报告清单（2021年第2次调度数据）"
    rows = list(listing.iter_rows(min_row=3, values_only=True))
    assert len(rows) == len(r.outcomes) == len(names) - 1
    assert {row[4] for row in rows} <= {"通过", "通过（有提示）"}
    # what makes a demo report 有提示: its figures and a unit's quoted 落实情况 disagree (the demo's data do)
    assert all(all(line.startswith("待核实") for line in row[6].split("\n")) for row in rows if row[4] != "通过")
    assert all(row[7] == "2021年第2次调度（截至2021年12月25日）" for row in rows if row[2] == "单位报告")
    assert all("导语中的联系方式（地址、电话）" in row[5] for row in rows if row[2] == "单位报告")   # no address known
    # two units' reports are not the same text
    a = text_of(tmp_path / "batch" / "孟庄镇_2021年政府信息公开工作年度报告.docx")
    b = text_of(tmp_path / "batch" / "税郭镇_2021年政府信息公开工作年度报告.docx")
    assert a != b
    # existing reports are not overwritten silently
    r2 = make_reports(ReportOptions(summary=summary, output=tmp_path / "batch", unit="孟庄镇", settings=SETTINGS))
    assert r2.outcomes[0].status.label == "文件已存在，未覆盖"


def test_edited_template_is_checked_before_rendering(summary, tmp_path):
    d = docx.Document(str(report_template("年度报告.docx")))
    for p in d.paragraphs:
        if p.text == "{{ preamble }}":
            p.runs[0].text = "{{ preambel }}"
    bad = tmp_path / "改过的模板.docx"
    d.save(bad)
    with pytest.raises(GongkaiError) as e:
        make_reports(ReportOptions(summary=summary, output=tmp_path / "x", unit="区财政局", template=bad))
    msg = str(e.value)
    assert "preambel" in msg and "preamble" in msg and "改过的模板.docx" in msg


def test_converts_with_libreoffice(summary, tmp_path):
    exe = soffice()
    if not exe:
        pytest.skip("LibreOffice 未安装")
    r, res = one(summary, tmp_path)
    subprocess.run([exe, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), res.file], check=True,
                   capture_output=True, timeout=180)
    import pdfplumber

    with pdfplumber.open(str(tmp_path / "区财政局_2021年政府信息公开工作年度报告.pdf")) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
        assert len(pdf.pages) >= 3 and "一、总体情况" in text and "— 1 —" in text.replace("—1—", "— 1 —")
        assert abs(float(pdf.pages[0].width) - Mm(210).pt) < 2


def test_consolidated_over_a_list_of_units(summary, tmp_path):
    r = make_reports(ReportOptions(
        summary=summary, output=tmp_path / "part", consolidated=True, covered=["孟庄镇", "税郭镇"], settings=SETTINGS))
    d = docx.Document(r.outcomes[0].file)
    expected = sum(get_figure(summary, u, R.t3(1, 7)) for u in ["孟庄镇", "税郭镇"])
    assert d.tables[1].cell(3, 9).text == str(int(expected))
    with pytest.raises(GongkaiError):
        make_reports(ReportOptions(summary=summary, output=tmp_path / "bad", consolidated=True, covered=["不存在的单位"]))


def test_previous_year_carry_over_and_problems(summary, tmp_path):
    unit = "区财政局"
    last = tmp_path / "上年汇总.xlsx"
    shutil.copy(summary, last)
    # last year's carry-over must equal this year's 上年结转, column by column
    for c in range(1, 8):
        set_figure(last, unit, R.t3(R.T3_CARRY_ROW, c), get_figure(summary, unit, R.t3(2, c)))
    wb = openpyxl.load_workbook(last)
    for row in wb["落实情况明细"].iter_rows(min_row=2):
        if row[3].value == unit:
            row[11].value = "政策解读形式单一"
            break
    wb.save(last)
    # the same year's summary is not last year's
    with pytest.raises(GongkaiError) as e:
        make_reports(ReportOptions(
            summary=summary, output=tmp_path / "same", unit=unit, previous=last, settings=SETTINGS))
    assert e.value.problem.code == "PREVIOUS_MISMATCH" and "2020" in e.value.problem.message
    wb = openpyxl.load_workbook(last)
    for row in wb["总览"].iter_rows():
        if row[0].value == "年度":
            row[1].value = "2020"
    wb.save(last)
    r = make_reports(ReportOptions(
        summary=summary, output=tmp_path / "ok", unit=unit, previous=last, settings=SETTINGS))
    assert r.outcomes[0].status.label == "通过"
    text = text_of(r.outcomes[0].file)
    assert "（三）上年度问题整改情况" in text and "“政策解读形式单一”" in text
    set_figure(last, unit, R.t3(R.T3_CARRY_ROW, 1), get_figure(summary, unit, R.t3(2, 1)) + 2)
    set_figure(last, unit, R.t3(R.T3_CARRY_ROW, 7), get_figure(summary, unit, R.t3(2, 7)) + 2)
    r = make_reports(ReportOptions(
        summary=summary, output=tmp_path / "bad", unit=unit, previous=last, settings=SETTINGS))
    rules = {(p.params["row"], p.params["column"]) for p in r.outcomes[0].problems}
    assert ("二、上年结转", "自然人") in rules


def test_unit_report_does_not_borrow_the_office_contact(summary, tmp_path):
    r, res = one(summary, tmp_path)                  # SETTINGS hold the government office's address and phone
    text = text_of(res.file)
    assert SETTINGS["address"] not in text and SETTINGS["phone"] not in text
    r = make_reports(ReportOptions(summary=summary, output=tmp_path / "gov", consolidated=True, settings=SETTINGS))
    gov = text_of(r.outcomes[0].file)
    assert SETTINGS["address"] in gov and SETTINGS["phone"] in gov


def test_report_year_comes_from_the_summary(tmp_path):
    """`gongkai plan --year 2022 …` then `gongkai report 汇总.xlsx` with no --year: the year travels in the summary."""
    from automation.collect import CollectOptions, collect
    from automation.demo import fill_return
    from automation.distribute import DistributeOptions, distribute
    from automation.plan import PlanOptions, make_task_list
    from automation.resources import SAMPLE_REGISTRY, sample_plan, workbook_template

    reg = workbook_template(SAMPLE_REGISTRY)
    tasks = make_task_list(PlanOptions(plans=[sample_plan()], output=tmp_path / "任务清单.xlsx", registry_path=reg, year=2022)).output
    sent = distribute(DistributeOptions(
        tasks=tasks, output=tmp_path / "下发", registry_path=reg, units=["区财政局"], skip_unresolved=True))
    fill_return(sent.files["区财政局"], tmp_path / "回收" / "财政局.xlsx")
    collect(CollectOptions(folder=tmp_path / "回收", tasks=tasks, output=tmp_path / "汇总.xlsx", registry_path=reg))
    r = subprocess.run([sys.executable, "-m", "automation", "report", str(tmp_path / "汇总.xlsx"), "-o",
                        str(tmp_path / "报告"), "--consolidated", "--organ", "某区人民政府"], capture_output=True, text=True)
    # no 报送截止日期 anywhere: nothing shows the data are the year's, so nothing is 通过 on them
    assert r.returncode == 1 and "不是年终调度的数据" in r.stdout + r.stderr
    assert not (tmp_path / "报告" / "某区人民政府_2022年政府信息公开工作年度报告.docx").exists()
    r = subprocess.run([sys.executable, "-m", "automation", "report", str(tmp_path / "汇总.xlsx"), "-o",
                        str(tmp_path / "报告"), "--consolidated", "--organ", "某区人民政府",
                        "--accept-midyear", "区财政局"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "报告" / "某区人民政府_2022年政府信息公开工作年度报告.docx"
    assert out.exists(), list((tmp_path / "报告").iterdir())
    text = text_of(out)
    assert "None" not in text and "2022年" in text
    # the machine's date never appears: the data's date is unknown, and said so only to the writer
    today = dt.date.today()
    assert f"{today.year}年{today.month}月{today.day}日" not in text and "截至本次调度" in text


def test_a_locked_report_does_not_stop_the_batch(summary, tmp_path, monkeypatch):
    from automation import report as RP

    real = RP.render

    def render(tpl, ctx, out):
        if out.name.startswith("区民政局"):
            raise GongkaiError.of("OUTPUT_LOCKED", out)
        return real(tpl, ctx, out)

    monkeypatch.setattr(RP, "render", render)
    r = make_reports(ReportOptions(summary=summary, output=tmp_path / "报告", all_units=True, settings=SETTINGS))
    by = {o.unit: o for o in r.outcomes}
    assert by["区民政局"].status.label == "未能写入" and by["区民政局"].problems[-1].code == "OUTPUT_LOCKED"
    assert by[None].file and by["区财政局"].file                      # the rest, consolidated included
    rows = list(openpyxl.load_workbook(r.listing).active.iter_rows(min_row=2, values_only=True))
    assert ("区民政局", "未能写入") in {(row[1], row[4]) for row in rows}


def test_consolidated_waits_for_units_whose_own_report_is_refused(summary, tmp_path):
    set_figure(summary, "区财政局", R.t3(1, 1), get_figure(summary, "区财政局", R.t3(1, 1)) + 5)   # breaks rule 1
    r = make_reports(ReportOptions(summary=summary, output=tmp_path / "报告", all_units=True, settings=SETTINGS))
    by = {o.unit: o for o in r.outcomes}
    assert by["区财政局"].status.label == "未通过，未生成"
    assert by[None].status.label == "未通过，未生成" and "区财政局（未通过校验）" in by[None].problems[0].message
    r2 = make_reports(ReportOptions(
        summary=summary, output=tmp_path / "报告2", consolidated=True, settings=SETTINGS, exclude_unusable=True))
    assert r2.outcomes[0].status.written and r2.outcomes[0].data_from.endswith("未计入1个（区财政局）")
    assert "区财政局的数据未纳入汇总。" in text_of(r2.outcomes[0].file)


def test_every_demo_report_numbers_its_headings_without_gaps(accepted):
    cn = "一二三四五六七八九十"
    for path in sorted(accepted.glob("*.docx")):
        d = docx.Document(str(path))
        text = "\n".join(p.text for p in d.paragraphs)
        assert "……" not in text and "None" not in text, path.name
        numbers, section = [], None
        for p in d.paragraphs:
            m = re.match(r"^([一二三四五六七八九十])、", p.text)
            if m:
                if numbers:
                    assert numbers == [cn[i] for i in range(len(numbers))], (path.name, section, numbers)
                numbers, section = [], m.group(1)
            m = re.match(r"^（([一二三四五六七八九十])）", p.text)
            if m and section:
                numbers.append(m.group(1))
        props = d.core_properties
        organ = next(p.text for p in d.paragraphs if p.style.name == "Title")          # the full name
        assert props.author == organ and props.title.startswith(organ) and props.created.year >= 2025
        assert d.paragraphs[-2].text == organ                     # signed with the same name
        assert not re.search(r"时限\d{4}-", text)


def test_tables_keep_their_rows_and_repeat_their_headers(accepted):
    path = next(accepted.glob("枣庄市市中区人民政府_*.docx"))
    d = docx.Document(str(path))
    for table, header_rows in zip(d.tables[-3:], (1, 3, 3)):          # tables 二, 三, 四
        rows = table._tbl.tr_lst
        assert all(tr.trPr is not None and tr.trPr.find(qn("w:cantSplit")) is not None for tr in rows)
        flagged = [i for i, tr in enumerate(rows) if tr.trPr.find(qn("w:tblHeader")) is not None]
        assert flagged == list(range(header_rows))
    assert d.styles["表格文字"].font.size.pt >= 10.5


def test_signature_date_comes_from_the_settings_never_from_today(summary, tmp_path):
    r = make_reports(ReportOptions(summary=summary, output=tmp_path / "a", unit="区财政局", settings=SETTINGS))
    assert "2022年1月20日" in text_of(r.outcomes[0].file) and r.outcomes[0].status.label == "通过"
    no_date = {k: v for k, v in SETTINGS.items() if k != "date"}
    r = make_reports(ReportOptions(summary=summary, output=tmp_path / "b", unit="区财政局", settings=no_date))
    text = text_of(r.outcomes[0].file)
    assert str(dt.date.today().year) + "年" not in text.split("\n")[-1]
    assert r.outcomes[0].status.label == "通过（有提示）"
    assert [p.code for p in r.outcomes[0].problems if p.severity != "info"] == ["REPORT_DATE_MISSING"]


# ------------------------------------------------------------------ the prose (issue: a publishable text)

def sentence_frames(text: str, names: list[str]) -> list[str]:
    """Each sentence (and each enumerated item) with quoted titles, numbers and unit names taken out."""
    from automation.narrative import skeleton

    parts = [s.strip() for s in re.split(r"[。；]", text) if len(s.strip()) > 8]
    return [re.sub(r"^[一二三四五六]是", "", skeleton(s, names)) for s in parts]


def body_paragraphs(path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]


def test_consolidated_prose_repeats_no_frame_and_reads_like_a_report(demo, accepted):
    from collections import Counter

    from automation.summarybook import read_summary

    data = read_summary(demo.output / "汇总" / "汇总.xlsx")
    names = list(data.units)
    path = accepted / "枣庄市市中区人民政府_2021年政府信息公开工作年度报告.docx"
    paras = body_paragraphs(path)
    text = "\n".join(paras)
    overview = text.split("一、总体情况")[1].split("二、主动公开政府信息情况")[0]
    counts = Counter(sentence_frames(overview, names))
    assert max(counts.values()) <= 2, counts.most_common(3)
    assert "……" not in text and "None" not in text and "围绕“围绕" not in text
    # the five standard subsections, in order, each with something to say
    subs = [p for p in paras if re.match(r"^（[一二三四五]）", p)]
    assert subs[:5] == ["（一）主动公开", "（二）依申请公开", "（三）政府信息管理", "（四）政府信息公开平台建设", "（五）监督保障"]
    # 依申请公开 is about applications, not about 人大建议 or 行政法规 tasks
    apply_part = overview.split("（二）依申请公开")[1].split("（三）")[0]
    assert "人大代表建议" not in apply_part and "行政法规" not in apply_part
    # narrative figures summed over the units, in the text (the numbers the units typed, nothing invented)
    fig = {}
    for u in data.units.values():
        for k, v in u.numbers.items():
            if k == "主动公开政府信息条数" and isinstance(v, (int, float)):
                fig[k] = fig.get(k, 0) + v
    assert f"主动公开政府信息{int(fig['主动公开政府信息条数'])}条" in overview
    # no round names in public text; the accepted mid-year units named with their date in the preamble
    assert "调度数据" not in text and "第2次调度" not in text
    assert re.search(r"其中[^。]*等25个单位的数据截至2021年7月10日。", text)
    assert "下半年" not in text.split("五、存在的主要问题及改进情况")[1]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)


def test_status_words_agree_across_sections(summary, tmp_path):
    """An overdue task is said to be overdue in 一, 五 and 六 and never said to be done anywhere."""
    from automation.narrative import short_title

    wb = openpyxl.load_workbook(summary)
    ws = wb["任务进度"]
    head = [c.value for c in ws[1]]
    col = {h: head.index(h) + 1 for h in ("任务编号", "任务内容", "完成时限", "总体状态", "逾期")}
    late = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col["总体状态"]).value == "推进中")
    ws.cell(late, col["完成时限"]).value = "2021-06-30"
    ws.cell(late, col["逾期"]).value = "逾期"
    wb.save(summary)
    title = short_title(ws.cell(late, col["任务内容"]).value, 20)
    r = make_reports(ReportOptions(summary=summary, output=tmp_path / "out", consolidated=True, settings=SETTINGS))
    text = "\n".join(body_paragraphs(r.outcomes[0].file))
    one, rest = text.split("二、主动公开政府信息情况")
    five, six = rest.split("五、存在的主要问题及改进情况")[1].split("六、其他需要报告的事项")
    assert f"“{title}”（时限2021年6月30日）" in one and f"“{title}”（时限2021年6月30日）" in six
    assert "1项已超过完成时限" in five
    for para in text.split("\n"):
        if title in para:
            assert not re.search(r"均已完成|(?<!没有)全部完成|也已完成|同样已经完成|已经完成：|已完成\d+项：", para), para


def test_reclassified_task_moves_to_its_subsection(summary, tmp_path):
    """The clerk's 报告栏目 decides where a task is told (here: a 主动公开 task moved to 监督保障)."""
    from automation.narrative import short_title

    wb = openpyxl.load_workbook(summary)
    detail = list(wb["落实情况明细"].iter_rows(min_row=2, values_only=True))
    done = [row for row in detail if row[3] == "区财政局" and row[5] == "已完成"]
    ws = wb["任务进度"]
    head = [c.value for c in ws[1]]
    tid = next(row[0] for row in done if row[1].startswith("一、"))
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == tid)
    assert ws.cell(row, head.index("报告栏目") + 1).value == "主动公开"
    ws.cell(row, head.index("报告栏目") + 1).value = "监督保障"
    text_task = ws.cell(row, head.index("任务内容") + 1).value
    wb.save(summary)
    r = make_reports(ReportOptions(summary=summary, output=tmp_path / "out", unit="区财政局", settings=SETTINGS))
    text = "\n".join(body_paragraphs(r.outcomes[0].file))
    guard = text.split("（五）监督保障")[1].split("二、主动公开政府信息情况")[0]
    active = text.split("（一）主动公开")[1].split("（二）")[0]
    topic = short_title(text_task)[:10]
    assert topic in guard and topic not in active


def test_table_two_plausibility_and_towns_without_rules(summary, tmp_path):
    set_figure(summary, "孟庄镇", "t2_rule_new", 2)
    set_figure(summary, "区财政局", "t2_norm_new", 3)
    set_figure(summary, "区财政局", "t2_norm_cur", 0)
    set_figure(summary, "区财政局", "t2_norm_del", 9)
    r = make_reports(ReportOptions(summary=summary, output=tmp_path / "out", all_units=True, settings=SETTINGS))
    by = {o.unit: o for o in r.outcomes}
    town = [p for p in by["孟庄镇"].problems if p.code == "RULES_NOT_ALLOWED"]
    assert by["孟庄镇"].status.label == "通过（有提示）" and town and "镇街无权制定规章" in town[0].message
    assert town[0].sheet == "年度报告数据" and town[0].cell and town[0].file == "汇总.xlsx"
    assert "规章" not in body_paragraphs(by["孟庄镇"].file)[4]            # no sentence about 规章 for a town
    codes = {p.code for p in by["区财政局"].problems}
    assert {"NORM_MADE_NOT_IN_FORCE", "ABOLISHED_EXCEEDS"} <= codes
    # the cell named is where the clerk corrects it: the row of the key, the unit's column
    ws = openpyxl.load_workbook(summary)["年度报告数据"]
    p = next(p for p in by["区财政局"].problems if p.code == "NORM_MADE_NOT_IN_FORCE")
    assert ws[p.cell].value == 0 and ws[f"A{ws[p.cell].row}"].value == "t2_norm_cur"
    assert ws.cell(1, ws[p.cell].column).value == "区财政局"
    # the consolidated report sums a town's 规章 too: a district government makes none either
    assert any(p.code == "RULES_NOT_ALLOWED" for p in by[None].problems)


def test_unit_report_text_matches_the_reviewed_snapshot(accepted):
    """The text of one unit report, read by eye and committed (tests/fixtures/report_snapshot_孟庄镇.txt).
    After an intended change of wording: GONGKAI_UPDATE_SNAPSHOT=1 pytest -k snapshot, then read the diff."""
    import os
    from pathlib import Path

    snap = Path(__file__).parent / "fixtures" / "report_snapshot_孟庄镇.txt"
    text = "\n".join(body_paragraphs(accepted / "孟庄镇_2021年政府信息公开工作年度报告.docx")) + "\n"
    if os.environ.get("GONGKAI_UPDATE_SNAPSHOT"):
        snap.write_text(text, encoding="utf-8")
    assert text == snap.read_text(encoding="utf-8")


def test_many_units_the_summary_grows_down_not_sideways_and_reports_read_the_same(demo, tmp_path, monkeypatch):
    """Above MATRIX_MAX units 任务进度 counts units by status and category, 年度报告数据 has a row per unit;
    the reports made from it are the reports made from the per-unit columns, a clerk's correction included."""
    from automation import collect as C
    from automation import summarybook as S

    ledger = demo.output / "汇总" / "台账.sqlite"
    wide = C.rebuild(ledger, tmp_path / "宽.xlsx").output
    monkeypatch.setattr(S, "MATRIX_MAX", 5)
    long = C.rebuild(ledger, tmp_path / "长.xlsx").output
    wb = openpyxl.load_workbook(long)
    tasks_head = [c.value for c in wb["任务进度"][1]]
    assert tasks_head[len(S.TASK_FIXED):len(S.TASK_FIXED) + len(S.BREAKDOWN)] == S.BREAKDOWN
    assert "镇街（已完成/应完成）" in tasks_head and wb["任务进度"].max_column < 25
    figs = wb["年度报告数据"]
    head = [c.value for c in figs[1]]
    assert head[:4] == S.FIGURE_ROW_FIXED and "表三｜一、本年新收政府信息公开申请数量｜自然人" in head
    names = [figs.cell(r, 1).value for r in range(2, figs.max_row + 1)]
    assert names[0] == S.TOTAL_ROW and "孟庄镇" in names and figs.max_column < 300
    row = wb["任务进度"][2]
    units_of_task = row[len(S.TASK_FIXED)].value
    assert units_of_task == sum(row[len(S.TASK_FIXED) + 1 + i].value for i in range(len(S.BREAKDOWN) - 1))
    # a clerk corrects 孟庄镇's 行政许可 count in both layouts: the same reports, the correction in them
    label = S.figure_label(R.spec_for(2021), "t2_permit")
    figs.cell(names.index("孟庄镇") + 2, head.index(label) + 1).value = 987
    wb.save(long)
    set_figure(wide, "孟庄镇", "t2_permit", 987)
    assert S.read_summary(long).units["孟庄镇"].figures["t2_permit"] == 987
    made = {}
    for name, src in (("wide", wide), ("long", long)):
        r = make_reports(ReportOptions(
            summary=src, output=tmp_path / name, all_units=True, settings=SETTINGS, when=dt.date(2022, 1, 20),
            accept_midyear=list(S.read_summary(src).units)))
        made[name] = {o.unit: o for o in r.outcomes}
    assert {u: o.status for u, o in made["wide"].items()} == {u: o.status for u, o in made["long"].items()}
    assert made["long"]["孟庄镇"].status.written
    for unit, o in made["wide"].items():
        if o.status.written:
            a, b = docx.Document(str(o.file)), docx.Document(str(made["long"][unit].file))
            assert [p.text for p in a.paragraphs] == [p.text for p in b.paragraphs], unit
            assert [[c.text for c in row.cells] for t in a.tables for row in t.rows] == \
                [[c.text for c in row.cells] for t in b.tables for row in t.rows], unit
    assert "987" in "".join(c.text for t in docx.Document(str(made["long"]["孟庄镇"].file)).tables for row in t.rows
                            for c in row.cells)
    problems = {p.code for o in made["long"].values() for p in o.problems}
    assert problems == {p.code for o in made["wide"].values() for p in o.problems}


def test_reports_on_worker_processes_are_the_reports_made_in_one(summary, tmp_path, monkeypatch):
    from automation import report as RP

    made, ticks = {}, []
    for name, first in (("one", 10 ** 6), ("pool", 2)):
        monkeypatch.setattr(RP, "PARALLEL_FROM", first)
        r = make_reports(ReportOptions(
            summary=summary, output=tmp_path / name, all_units=True, settings=SETTINGS, when=dt.date(2022, 1, 20),
            progress=lambda i, n, who, name=name: ticks.append((name, i, n))))
        made[name] = r
    one, pool = made["one"], made["pool"]
    assert [(o.unit, o.status, [p.code for p in o.problems], o.todo) for o in one.outcomes] == \
        [(o.unit, o.status, [p.code for p in o.problems], o.todo) for o in pool.outcomes]
    written = [(a, b) for a, b in zip(one.outcomes, pool.outcomes) if a.status.written]
    assert len(written) > 10
    for a, b in written:
        assert body_paragraphs(a.file) == body_paragraphs(b.file)
    n = len(one.outcomes)
    assert [i for name, i, _ in ticks if name == "pool"] == list(range(1, n + 1))      # every report counted once


def package_parts(path) -> dict:
    """Every part of a .docx, XML parts in canonical form (namespace declarations placed once), the
    file-property times left out."""
    import zipfile

    from lxml import etree

    out = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            data = z.read(name)
            if name.endswith((".xml", ".rels")):
                data = etree.tostring(etree.fromstring(data), method="c14n")
                data = re.sub(rb"<dcterms:(created|modified)[^<]*</dcterms:\1>", b"", data)
                data = re.sub(rb"<dc:(identifier|language)></dc:\1>", b"", data)    # docxtpl writes them empty
            out[name] = data
    return out


def tagged_template(tmp_path):
    """The shipped template with what a report writer may add: a header and a file property with tags,
    text with a line break typed into a tag's paragraph."""
    d = docx.Document(str(report_template("年度报告.docx")))
    d.sections[0].header.paragraphs[0].text = "{{ organ }}{{ year }}年度报告"
    d.core_properties.subject = "{{ year }}年政府信息公开"
    d.core_properties.comments = ""
    path = tmp_path / "加了页眉的模板.docx"
    d.save(path)
    return path


@pytest.mark.parametrize("which", ["shipped", "tagged"])
def test_a_template_prepared_once_fills_what_docxtpl_fills(summary, tmp_path, monkeypatch, which):
    """Reports are filled from a template prepared once a batch; docxtpl itself, filling the same template
    afresh for each report, must give the same package, part for part."""
    from automation import docxfill, report as RP

    template = tagged_template(tmp_path) if which == "tagged" else None
    made = {}
    for way, pattern in (("prepared", docxfill.NOT_PREPARABLE), ("docxtpl", re.compile(""))):
        monkeypatch.setattr(docxfill, "NOT_PREPARABLE", pattern)
        RP._PREPARED.clear()
        r = make_reports(ReportOptions(
            summary=summary, output=tmp_path / way, unit="孟庄镇", consolidated=True, template=template,
            settings=dict(SETTINGS, other="一是……\n二是……"), when=dt.date(2022, 1, 20)))
        assert RP._PREPARED and all(p.fast == (way == "prepared") for p in RP._PREPARED.values())
        made[way] = [o.file for o in r.outcomes]
    assert len(made["prepared"]) == 2
    for a, b in zip(made["prepared"], made["docxtpl"]):
        assert package_parts(a) == package_parts(b)
    doc = docx.Document(str(made["prepared"][1]))
    assert doc.core_properties.title == "枣庄市市中区人民政府2021年政府信息公开工作年度报告"
    if which == "tagged":
        assert doc.sections[0].header.paragraphs[0].text == "枣庄市市中区人民政府2021年度报告"
        assert doc.core_properties.subject == "2021年政府信息公开"


def test_a_template_with_a_picture_is_filled_by_docxtpl_itself(summary, tmp_path):
    import base64

    from automation import report as RP

    png = tmp_path / "徽.png"
    png.write_bytes(base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9a"
                                     "wAAAABJRU5ErkJggg=="))
    d = docx.Document(str(report_template("年度报告.docx")))
    d.paragraphs[0].insert_paragraph_before().add_run().add_picture(str(png))
    path = tmp_path / "带图的模板.docx"
    d.save(path)
    r, res = one(summary, tmp_path, template=path)
    assert not RP.prepared(path).fast
    out = docx.Document(str(res.file))
    assert out.inline_shapes and "孟庄镇" not in out.paragraphs[1].text
    assert any("一、总体情况" == p.text for p in out.paragraphs)


def test_spawned_workers_are_used_only_for_batches_worth_their_start(monkeypatch):
    """Windows starts workers by spawning (the package imported again in each): a 60-unit batch stays in
    the button's own process there; forked workers (Linux) pay off from the stage's own threshold."""
    from automation import workers as W

    monkeypatch.setattr(W.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(W.multiprocessing, "get_start_method", lambda: "fork")
    assert W.worker_count(60, 40) == 2 and W.worker_count(39, 40) == 1
    monkeypatch.setattr(W.multiprocessing, "get_start_method", lambda: "spawn")
    assert W.worker_count(60, 40) == 1 and W.worker_count(40 * W.SPAWN_FACTOR, 40) == 2
    monkeypatch.setattr(W.os, "cpu_count", lambda: 1)
    assert W.worker_count(10 ** 6, 40) == 1


def test_file_properties_store_the_time_in_utc_on_a_beijing_pc(summary, tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        r, res = one(summary, tmp_path)
    finally:
        monkeypatch.undo()
        time.tzset()
    created = docx.Document(str(res.file)).core_properties.created
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((created.replace(tzinfo=dt.timezone.utc) - now).total_seconds()) < 300


def test_the_demo_chases_bulletins_and_starts_next_year_as_issue_30_asks(demo, tmp_path):
    """The demo's 催报 (twice), 通报 and init --from: notices for exactly the units that owe round 2, two
    reminders each in 单位进度, the circular's numbers 总览's, the unfinished tasks carried into 2022."""
    import openpyxl

    from automation.nextyear import init_from
    from automation.tasklist import CARRIED
    from automation.officialdoc import text_of

    book = openpyxl.load_workbook(demo.output / "汇总" / "汇总.xlsx")
    units = {r[0]: r for r in book["单位进度"].iter_rows(min_row=2, values_only=True) if r[0] not in (None, "合计")}
    head = [c.value for c in book["单位进度"][1]]
    missing = {u for u, r in units.items() if r[head.index("报送时间")] == "未报送"}
    runs = sorted((demo.output / "催报" / "2021年第2次调度").iterdir())
    assert [p.name.split("_")[0] for p in runs] == ["第1次催报", "第2次催报"]
    for run_dir in runs:
        notices = {p.name.split("_")[0] for p in run_dir.glob("*_催报通知.docx")}
        assert notices == missing and len(missing) == 25
    sample = "\n".join(text_of(runs[0] / "孟庄镇_催报通知.docx"))
    assert "任务台账未报送" in sample and "已完成的" in sample          # its round-1 answers need not be typed again
    for u, r in units.items():
        assert r[head.index("催报次数")] == (2 if u in missing else 0), u
    overview = {r[0]: r[1] for r in book["总览"].iter_rows(values_only=True) if r[0]}
    circular = "\n".join(text_of(next((demo.output / "通报").glob("*.docx"))))
    E, R, L, M = (overview[k] for k in ("应报送单位", "已报送单位", "逾期报送单位", "未报送单位"))
    assert f"应报送单位{E}个，已报送{R}个，其中按时报送{R - L}个、逾期报送{L}个，未报送{M}个" in circular
    assert f"工作要点共{overview['任务总数']}项任务，已完成{overview['已完成任务']}项" in circular
    new = init_from(tmp_path / "2022", 2022, demo.output)
    tasks = openpyxl.load_workbook(new.workspace / "任务清单.xlsx")["任务清单"]
    th = [c.value for c in tasks[1]]
    carried = {r[0] for r in tasks.iter_rows(min_row=2, values_only=True) if r[th.index("来源")] == CARRIED}
    unfinished = {r[0] for r in book["任务进度"].iter_rows(min_row=2, values_only=True) if r[5] not in ("已完成", "不适用")}
    assert carried == unfinished and new.carried == len(unfinished) > 0


# ------------------------------------------------------------------ issue 28: the year's data, said as offices say it

def test_year_end_is_on_or_after_1_december_or_named_so():
    from automation.report import is_year_end

    assert is_year_end("第3轮", dt.date(2021, 12, 1), 2021) and not is_year_end("第3轮", dt.date(2021, 11, 30), 2021)
    assert is_year_end("第1轮", dt.date(2022, 1, 10), 2021)                 # cut off in January: the year's
    assert is_year_end("2021年年终调度", None, 2021) and not is_year_end("第2轮", None, 2021)


def test_midyear_units_are_refused_unless_the_office_accepts_them(demo, tmp_path):
    """The demo's round 2 (cut off 2021-12-25): 25 units sent nothing, their data are July's."""
    src = demo.output / "汇总" / "汇总.xlsx"               # beside its ledger: each round's cut-off is known
    r = make_reports(ReportOptions(summary=src, output=tmp_path / "a", all_units=True, settings=SETTINGS))
    by = {o.unit: o for o in r.outcomes}
    town = by["孟庄镇"]
    assert town.status.label == "未通过，未生成" and not town.file
    assert town.problems[0].code == "REPORT_MIDYEAR_DATA" and "截至2021年7月10日" in town.problems[0].message
    assert town.data_from == "2021年第1次调度（截至2021年7月10日），年中数据"
    assert by["西王庄镇"].status.written and by["西王庄镇"].data_from == "2021年第2次调度（截至2021年12月25日）"
    consolidated = by[None]
    assert consolidated.status.label == "未通过，未生成"
    blocked = next(p for p in consolidated.problems if p.code == "REPORT_UNITS_MIDYEAR")
    assert "孟庄镇（2021年第1次调度，截至2021年7月10日）" in blocked.message and "西王庄镇" not in blocked.message
    assert sum(o.status.written for o in r.outcomes) == 12
    # forcing does not make mid-year data the year's
    forced = make_reports(ReportOptions(summary=src, output=tmp_path / "f", unit="孟庄镇", settings=SETTINGS, force=True))
    assert forced.outcomes[0].status.label == "未通过，未生成"
    # the office accepts 孟庄镇's July data in 报告设置: its report says from when, the list says it was accepted
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "报告设置"
    for row in [("项目", "内容"), ("机关名称", "枣庄市市中区人民政府"), ("成文日期", "2022年1月20日"),
                ("接受年中数据的单位", "孟庄镇")]:
        ws.append(row)
    wb.save(tmp_path / "设置.xlsx")
    ok = make_reports(ReportOptions(summary=src, output=tmp_path / "b", unit="孟庄镇", settings_path=tmp_path / "设置.xlsx"))
    res = ok.outcomes[0]
    assert res.status.label == "通过（有提示）" and res.data_from.endswith("年中数据，办公室已确认使用")
    assert any(p.code == "REPORT_MIDYEAR_ACCEPTED" and "截至2021年7月10日" in p.message for p in res.problems)
    assert any(t.startswith("全文（年中数据，截至2021年7月10日") for t in res.todo)
    text = text_of(res.file)
    assert "截至2021年7月10日，工作要点涉及本单位的21项任务" in text and "调度数据" not in text and "次调度" not in text
    listing = make_reports(ReportOptions(
        summary=src, output=tmp_path / "c", all_units=True, settings=SETTINGS, accept_midyear=["孟庄镇"])).listing
    rows = {row[1]: row for row in openpyxl.load_workbook(listing)["报告清单"].iter_rows(min_row=3, values_only=True)}
    assert rows["孟庄镇"][4] == "通过（有提示）" and "办公室已确认使用" in rows["孟庄镇"][6] + rows["孟庄镇"][7]
    assert rows["枣庄市市中区人民政府"][4] == "未通过，未生成"          # 24 other units still mid-year
    with pytest.raises(GongkaiError):
        make_reports(ReportOptions(
            summary=src, output=tmp_path / "d", unit="孟庄镇", settings=SETTINGS, accept_midyear=["不存在的单位"]))


def test_without_a_ledger_an_earlier_rounds_date_is_unknown_and_never_today(summary, demo, tmp_path):
    shutil.copy(demo.output / "汇总" / "汇总.xlsx", tmp_path / "原样.xlsx")   # the demo's rounds, no ledger beside
    r = make_reports(ReportOptions(summary=tmp_path / "原样.xlsx", output=tmp_path / "a", unit="孟庄镇", settings=SETTINGS))
    assert r.outcomes[0].problems[0].code == "REPORT_MIDYEAR_DATA"
    assert "未记录报送截止日期" in r.outcomes[0].problems[0].message
    r = make_reports(ReportOptions(
        summary=tmp_path / "原样.xlsx", output=tmp_path / "b", unit="孟庄镇", settings=SETTINGS, accept_midyear=["孟庄镇"]))
    text = text_of(r.outcomes[0].file)
    today = dt.date.today()
    assert "截至本次调度" in text and f"{today.year}年{today.month}月{today.day}日" not in text


def outside_double_quotes(text: str) -> bool:
    """A ‘ that is not inside “ ”."""
    depth = 0
    for ch in text:
        if ch == "“":
            depth += 1
        elif ch == "”":
            depth -= 1
        elif ch == "‘" and depth == 0:
            return True
    return False


def test_no_process_words_stray_quotes_or_unsupported_claims(accepted):
    fives = []
    for path in sorted(accepted.glob("*.docx")):
        paras = body_paragraphs(path)
        text = "\n".join(paras)
        assert "调度数据" not in text and "第2次调度" not in text, path.name
        assert not any(outside_double_quotes(p) for p in paras), path.name
        assert not re.search(r"本方面1项任务|部署的1项任务|涉及的1项相关任务|相关的1项任务", text), path.name
        assert "办理结果均已按规定在政府网站公开" not in text and "个单位反映" not in text, path.name
        assert "准确把握常态化新冠肺炎疫情防控的阶段性特征" not in text, path.name
        assert "（三）上年度问题整改情况" in text, path.name
        fives.append(text.split("（一）存在的主要问题")[1].split("（二）改进情况")[0])
    consolidated = next(accepted.glob("枣庄市市中区人民政府_*.docx"))
    text = "\n".join(body_paragraphs(consolidated))
    assert "将各项任务逐项分解到各镇街和部门" in text and "二是政务公开工作力量有待加强。部分单位" in text
    # the units' 五 are not one text copied 38 times
    assert len(set(fives)) >= len(fives) // 2


def test_figures_are_worded_as_offices_word_them(summary, tmp_path):
    unit = "区财政局"
    set_figure(summary, unit, "fee_yuan", 24252.311082)
    base = {R.t4(c): get_figure(summary, unit, R.t4(c)) or 0 for c in range(1, 16)}
    set_figure(summary, unit, R.t4(1), base[R.t4(1)] + 0)
    for col, value in ((2, 3), (7, 2)):                          # 复议 纠正 3, 诉讼 (直接起诉) 纠正 2
        set_figure(summary, unit, R.t4(col), base[R.t4(col)] + value)
    set_figure(summary, unit, R.t4(5), base[R.t4(5)] + 3)
    set_figure(summary, unit, R.t4(10), base[R.t4(10)] + 2)
    r, res = one(summary, tmp_path, unit=unit)
    text = text_of(res.file)
    assert "收取信息处理费24252.311082元" in text
    assert "其中行政复议结果被纠正3件、行政诉讼结果被纠正2件" in text
    new, carried = get_figure(summary, unit, R.t3(1, 7)), get_figure(summary, unit, R.t3(2, 7))
    if carried:
        assert f"收到政府信息公开申请{int(new + carried)}件（其中本年新收{int(new)}件，上年结转{int(carried)}件）" in text


def test_rules_warning_names_each_cell_instead_of_a_sum(summary, tmp_path):
    set_figure(summary, "孟庄镇", "t2_rule_new", 1)
    set_figure(summary, "孟庄镇", "t2_rule_cur", 3)
    r = make_reports(ReportOptions(summary=summary, output=tmp_path / "out", unit="孟庄镇", settings=SETTINGS))
    p = next(p for p in r.outcomes[0].problems if p.code == "RULES_NOT_ALLOWED")
    ws = openpyxl.load_workbook(summary)["年度报告数据"]
    cells = re.findall(r"（([A-Z]+\d+)）", p.message)
    assert [ws[c].value for c in cells] == [1, 3] and "本年制发1件" in p.message and "现行有效3件" in p.message
    assert "4" not in re.sub(r"[A-Z]+\d+", "", p.message)                 # never 1 + 3


def test_a_figure_and_a_quote_counting_the_same_thing_differently_are_flagged(summary, tmp_path):
    r, res = one(summary, tmp_path, unit="西王庄镇")
    flagged = [p for p in res.problems if p.code == "REPORT_FIGURES_CONTRADICT"]
    assert res.status.label == "通过（有提示）" and flagged
    text = text_of(res.file)
    quoted = re.search(r"组织政务公开业务培训(\d+)场", text).group(1)
    training = next(p for p in flagged if "培训" in p.params["first"] and "场" in p.params["first"])
    assert "一（五）" in training.params["first"] and f"培训{quoted}场" in training.params["second"]
    assert training.message.startswith("待核实")
    # the same number in both places: nothing to check
    set_figure(summary, "西王庄镇", "政务公开培训场次", int(quoted))
    r, res = one(summary, tmp_path / "again", unit="西王庄镇")
    assert not [p for p in res.problems if p.code == "REPORT_FIGURES_CONTRADICT" and "场" in p.params["first"]]


# ------------------------------------------------------------------------------ issue 26: the office's own edits

def test_a_column_the_office_inserts_or_deletes_in_the_figures_sheet(summary, tmp_path):
    wb = openpyxl.load_workbook(summary)
    ws = wb["年度报告数据"]
    units = [c.value for c in ws[1]][5:]
    ws.insert_cols(6)                                   # 备注 inserted right after 合计
    ws.cell(1, 6).value = "备注"
    ws.cell(3, 6).value = 99999                         # a number in it is never summed
    ws.cell(4, 6).value = "已电话核实"
    wb.save(tmp_path / "加备注.xlsx")
    wb = openpyxl.load_workbook(summary)
    wb["年度报告数据"].delete_cols(5)                     # 合计 deleted
    wb.save(tmp_path / "删合计.xlsx")
    base = make_reports(ReportOptions(summary=summary, output=tmp_path / "原", consolidated=True, settings=SETTINGS))
    for name in ("加备注.xlsx", "删合计.xlsx"):
        r = make_reports(ReportOptions(
            summary=tmp_path / name, output=tmp_path / name.split(".")[0], all_units=True, settings=SETTINGS))
        by = {o.unit: o for o in r.outcomes}
        assert "备注" not in by and "合计" not in by and set(units) <= set(by)
        assert by[units[0]].status.label.startswith("通过"), by[units[0]].problems
        assert by[None].status.label.startswith("通过"), by[None].problems
        t_new, t_old = docx.Document(by[None].file).tables[1], docx.Document(base.outcomes[0].file).tables[1]
        assert [c.text for c in t_new._cells] == [c.text for c in t_old._cells]
        assert f"所属{len(units)}个镇街和部门" in text_of(by[None].file)
        unknown = [p for p in r.problems if p.code == "SUMMARY_COLUMN_UNKNOWN"]
        assert [(p.cell, p.params["value"]) for p in unknown] == ([("F1", "备注")] if name == "加备注.xlsx" else [])


def test_the_readme_correction_of_an_unusable_unit_is_accepted(demo, tmp_path):
    from automation import actions
    from automation import unitbook as L
    from automation.demo import fill_return
    from automation.panel import OpenpyxlPanel

    root = tmp_path / "year"
    shutil.copytree(demo.output, root)
    rnd = OpenpyxlPanel(root / "控制台.xlsm", echo=False).get("GK_ROUND")
    src = next((root / "下发" / rnd).glob("区财政局_*台账.xlsx"))
    bad = fill_return(src, root / "回收" / rnd / "区财政局（改）.xlsx", seed=7, mtime=dt.datetime(2021, 12, 28, 9))
    wb = openpyxl.load_workbook(bad)
    cell = L.read_meta_openpyxl(wb).figures[R.t3(1, 1)]
    typed = wb[L.FIGURE_SHEET][cell].value
    wb[L.FIGURE_SHEET][cell] = f"{typed}件"                # the unit typed "3件"
    wb.save(bad)
    assert actions.run("collect", OpenpyxlPanel(root / "控制台.xlsm", echo=False)).ok
    summary = root / "汇总" / "汇总.xlsx"
    assert get_figure(summary, "区财政局", "数据状态") == "不可用"
    assert get_figure(summary, "区财政局", R.t3(1, 1)) is None and get_figure(summary, "区财政局", R.t3(1, 7)) is None
    # the refusal says its cause once: the blank cell, never "None", never every rule the blank breaks
    r = make_reports(ReportOptions(summary=summary, output=tmp_path / "全部", all_units=True, settings=SETTINGS))
    res = next(o for o in r.outcomes if o.unit == "区财政局")
    assert res.status.label == "未通过，未生成"
    codes = [p.code for p in res.problems]
    assert codes == ["REPORT_FIGURES_UNUSABLE", "REPORT_FIGURES_BLANK"], codes
    col = openpyxl.load_workbook(summary)["年度报告数据"][1]
    letter = next(c.column_letter for c in col if c.value == "区财政局")
    row = next(c.row for c in openpyxl.load_workbook(summary)["年度报告数据"]["A"] if c.value == R.t3(1, 1))
    assert f"{letter}{row}" in res.problems[1].message and "空白不是 0" in res.problems[1].message
    assert not [p for p in r.problems if "None" in p.message]
    own = [p for p in r.problems if p.params.get("unit") == "区财政局"]
    assert own[0].code == "REPORT_FIGURES_UNUSABLE"
    refusing = [p.params.get("unit") in {o.unit for o in r.outcomes if not o.status.written} for p in r.problems
                if p.code != "REPORT_ROUND_NOT_YEAR_END"]
    assert refusing == sorted(refusing, reverse=True)              # the refusals first
    listing = openpyxl.load_workbook(r.listing)["报告清单"]
    cell = next(x[6] for x in listing.iter_rows(min_row=3, values_only=True) if x[1] == "区财政局")
    assert len(cell) < 600 and "None" not in cell
    said = actions.word(r)[1]
    shown = said.split("未通过校验或未能写入（", 1)[1].split("）", 1)[0]
    refused_names = [o.organ for o in r.failed]
    assert shown.startswith("、".join(refused_names[:10])) and (
        len(refused_names) <= 10 or f"等 {len(refused_names)} 个" in shown)
    # 可用 set without the number typed: the blank cell is named, not "实为 None"
    set_figure(summary, "区财政局", "数据状态", "可用")
    r, res = one(summary, tmp_path / "未填")
    assert [p.code for p in res.problems] == ["REPORT_FIGURES_BLANK"] and f"{letter}{row}" in res.problems[0].message
    set_figure(summary, "区财政局", R.t3(1, 1), typed)      # the README: type the number, set 数据状态 to 可用
    set_figure(summary, "区财政局", "数据状态", "可用")
    r, res = one(summary, tmp_path / "改后")
    assert res.status.label.startswith("通过"), [p.message for p in res.problems]
    t3 = docx.Document(res.file).tables[1]
    row_total = sum(get_figure(summary, "区财政局", R.t3(1, c)) or 0 for c in range(1, 7))
    assert t3.cell(3, 9).text == str(row_total)
    assert not any("None" in p.message for p in res.problems)


def test_a_row_the_office_adds_to_the_figures_by_unit_rows_is_named_not_summed(demo, tmp_path, monkeypatch):
    from automation import collect as C
    from automation import summarybook as S

    monkeypatch.setattr(S, "MATRIX_MAX", 5)
    long = C.rebuild(demo.output / "汇总" / "台账.sqlite", tmp_path / "长.xlsx").output
    before = S.read_summary(long)
    wb = openpyxl.load_workbook(long)
    ws = wb["年度报告数据"]
    head = [c.value for c in ws[1]]
    label = S.figure_label(R.spec_for(2021), "t2_permit")
    ws.append(["备注：孟庄镇数据已电话核实", "", "可用", ""] + [None] * (len(head) - 4))
    ws.cell(ws.max_row, head.index(label) + 1).value = 99999
    wb.save(long)
    after = S.read_summary(long)
    assert set(after.units) == set(before.units)
    assert [(p.code, p.cell, p.params["value"]) for p in after.problems] == [
        ("SUMMARY_ROW_UNKNOWN", f"A{ws.max_row}", "备注：孟庄镇数据已电话核实")]
