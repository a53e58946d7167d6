"""Reports for 2019 and 2020 use the 2019 trial format: unit workbooks, collection and Word report."""
import datetime as dt

import docx
import openpyxl
import pytest

from automation import unitbook as L
from automation import reportspec as R
from automation.collect import CollectOptions, collect
from automation.demo import fill_return
from automation.distribute import DistributeOptions, distribute
from automation.plan import read_plan
from automation.report import ReportOptions, make_reports
from automation.tasklist import write_task_list

PLAN = ("2020年某区政务公开工作要点\n一、加强信息公开\n1.做好预决算公开。（责任单位：区财政局）\n"
        "2.做好权责清单公开。（责任单位：区司法局、区财政局）\n")


@pytest.fixture
def year2020(tmp_path):
    f = tmp_path / "要点.txt"
    f.write_text(PLAN, encoding="utf-8")
    tasks = write_task_list(read_plan(f), tmp_path / "任务清单.xlsx")
    res = distribute(DistributeOptions(
        tasks=tasks, output=tmp_path / "下发", due="2020-07-10", round_name="第1轮", skip_unresolved=True))
    return tmp_path, tasks, res


def test_unit_workbook_has_the_2019_tables(year2020):
    tmp, tasks, res = year2020
    wb = openpyxl.load_workbook(res.files["区财政局"])
    meta = L.read_meta_openpyxl(wb)
    figs = meta.figures
    meta = meta.info
    assert meta["report_format"] == "2019"
    assert set(R.SPEC_2019.all_keys) <= set(figs)
    f = wb[L.FIGURE_SHEET]
    text = [c.value for row in f.iter_rows() for c in row if isinstance(c.value, str)]
    assert "本年新制作数量" in text and "政府集中采购" in text and "（六）其他处理" in text
    assert "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请" not in text
    signed = [dv for dv in f.data_validations.dataValidation if dv.operator == "between" and dv.formula1 == "-999999"]
    assert signed and figs["t2_permit_delta"] in str(signed[0].sqref)


def test_2020_report_in_the_trial_format(year2020):
    tmp, tasks, res = year2020
    back = tmp / "回收"
    for i, p in enumerate(res.files.values()):
        out = fill_return(p, back / f"{i}.xlsx", seed=i, mtime=dt.datetime(2020, 7, 8))
        wb = openpyxl.load_workbook(out)
        figs = L.read_meta_openpyxl(wb).figures
        wb[L.FIGURE_SHEET][figs["t2_permit_delta"]] = -3            # a decrease is allowed here
        wb[L.FIGURE_SHEET][figs["t2_proc_amount"]] = 12.5
        wb.save(out)
    c = collect(CollectOptions(
        folder=back, tasks=tasks, output=tmp / "汇总.xlsx", ledger=res.ledger, round_name="第1轮",
        due=dt.date(2020, 12, 20)))                                # the year-end round
    assert not [p for p in c.problems if p.code in ("NEGATIVE_NUMBER", "TEXT_IN_NUMBER")]
    r = make_reports(ReportOptions(
        summary=c.output, output=tmp / "报告", all_units=True, settings={"organ": "某区人民政府", "date": "2021-01-20"}))
    assert {x.status.label for x in r.outcomes} == {"通过"}, [p.message for p in r.problems]
    d = docx.Document(next(x.file for x in r.outcomes if x.unit == "区财政局"))
    heads = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert heads[4] == "五、政府信息公开工作存在的主要问题及改进情况"
    t2, t3, t4 = d.tables
    assert t2.cell(1, 1).text == "本年新制作数量" and t2.cell(2, 0).text == "规章"
    assert [t2.cell(i, 0).text for i in range(len(t2.rows))][-1] == "政府集中采购"
    assert t2.cell(6, 2).text == "-3"                                   # 行政许可 本年增/减
    assert len(t3.rows) == 3 + 23 and t3.cell(3 + 20, 1).text == "（六）其他处理"
    assert t3.cell(3 + 21, 1).text == "（七）总计"
    text = "\n".join(p.text for p in d.paragraphs)
    assert "国办公开办函〔2019〕60号" in text
