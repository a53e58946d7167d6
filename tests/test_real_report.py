"""A real published report's tables as input: the 2019 report of 上海市人民政府办公厅 (2019 trial format).

As published, its table 三 leaves blank cells and a blank 总计 column, and writes the purchase amount as
"251000元" — our checks must refuse that. Entered properly (blanks as 0, totals computed), every published
number must come out in the same cell of the Word tables, and the narrative must agree with them."""
import json
from pathlib import Path

import docx
import openpyxl
import pytest

from automation import reportspec as R
from automation.report import ReportOptions, make_reports

FIXTURE = Path(__file__).parent / "fixtures" / "real_report_2019_shanghai_office.json"
SPEC = R.SPEC_2019


@pytest.fixture(scope="module")
def real():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def figures(real, clean: bool) -> dict:
    fig = dict(real["t2"])
    for r, row in enumerate(real["t3_rows"], 1):
        for c, v in enumerate(row, 1):
            fig[R.t3(r, c)] = v
    for c, v in enumerate(real["t4"], 1):
        fig[R.t4(c)] = v
    fig["fee_yuan"] = 0
    if clean:          # what the office enters in our workbook: 0 for blanks, a number for the amount
        fig = {k: (0 if v is None else v) for k, v in fig.items()}
        fig["t2_proc_amount"] = 251000
        fig = SPEC.complete({k: v for k, v in fig.items() if k in SPEC.input_keys})
    return fig


def write_summary(path: Path, real, fig: dict) -> Path:
    """The smallest summary workbook the report stage reads, holding one unit's figures."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "总览"
    ws.append(["工作要点", f"{real['year']}年政务公开工作要点"])
    ws.append(["调度轮次", "年终"])                 # a year's figures: a round the office marks 年终
    wb.create_sheet("任务进度").append(["任务编号", "一级标题", "任务内容", "完成时限", "总体状态", "逾期", "牵头单位"])
    wb.create_sheet("单位进度").append(["单位", "类别", "联系人", "联系电话"])
    wb["单位进度"].append([real["organ"], "部门", "", ""])
    wb.create_sheet("落实情况明细").append(["任务编号", "一级标题", "任务内容", "单位", "职责", "完成状态", "完成时间",
                                       "完成进度", "实际完成数量", "落实情况", "佐证材料", "存在问题", "下步打算"])
    f = wb.create_sheet("年度报告数据")
    f.append(["键", "表", "项目", "栏目", "合计", real["organ"]])
    for key in SPEC.all_keys:
        f.append([key, "", "", "", None, fig.get(key)])
    wb.save(path)
    return path


def test_as_published_the_checks_refuse_it(real, tmp_path):
    summary = write_summary(tmp_path / "汇总.xlsx", real, figures(real, clean=False))
    r = make_reports(ReportOptions(summary=summary, output=tmp_path / "out", unit=real["organ"], year=real["year"]))
    res = r.outcomes[0]
    assert res.status.label == "未通过，未生成" and not res.file
    # the blank cells said once, with their cells (a blank 总计 is derived from its parts, not a fault)
    blank = [p for p in res.problems if p.code == "REPORT_FIGURES_BLANK"]
    assert len(blank) == 1 and blank[0].params["count"] > 0 and "None" not in blank[0].message
    found = {(p.params["table"], p.params["row"], p.params["column"]) for p in res.problems if "table" in p.params}
    assert ("二", "政府集中采购", "采购总金额") in found                  # "251000元"
    assert all(p.params["unit"] == real["organ"] for p in res.problems)


def test_entered_properly_every_published_number_is_reproduced(real, tmp_path):
    fig = figures(real, clean=True)
    summary = write_summary(tmp_path / "汇总.xlsx", real, fig)
    r = make_reports(ReportOptions(
        summary=summary, output=tmp_path / "out", unit=real["organ"], year=real["year"],
        settings={"organ": real["organ"], "date": "2020-01-20"}))
    res = r.outcomes[0]
    assert res.status.label == "通过", [p.message for p in res.problems]
    d = docx.Document(res.file)
    t2, t3, t4 = d.tables
    # table 二: labels and numbers of the 2019 format, row by row
    rows = {t2.cell(i, 0).text: [t2.cell(i, j).text for j in range(1, 4)] for i in range(len(t2.rows))}
    assert rows["规章"] == ["13", "13", "524"] and rows["规范性文件"] == ["60", "60", "368"]
    assert rows["政府集中采购"][0] == "6" and rows["政府集中采购"][1] == "251000"
    # table 三: every published number in its cell; blanks print 0; the 总计 column is filled in
    for r_, row in enumerate(real["t3_rows"], 1):
        for c, published in enumerate(row, 1):
            cell = t3.cell(2 + r_, 2 + c).text
            if published is not None:
                assert cell == str(published), (r_, c)
            elif c < 7:
                assert cell == "0", (r_, c)
    assert t3.cell(2 + 3, 9).text == "272"                           # （一）予以公开: 258 + 12 + 1 + 1
    assert t3.cell(2 + 22, 9).text == "805" and t3.cell(2 + 23, 9).text == "72"
    assert [t4.cell(3, c).text for c in range(15)] == ["5", "0", "0", "2", "7", "8", "0", "0", "1", "9",
                                                        "0", "0", "0", "0", "0"]
    # the narrative agrees with the tables (and with what the published text said: 859 received, 805 answered,
    # 18 carried over from 2018, 72 carried into 2020, 7 reviews, 9 lawsuits)
    text = "\n".join(p.text for p in d.paragraphs)
    assert "全年共收到政府信息公开申请877件（其中本年新收859件，上年结转18件）；办理完结805件" in text
    assert "结转下年度继续办理72件" in text
    assert "被申请行政复议7件、被提起行政诉讼9件" in text
