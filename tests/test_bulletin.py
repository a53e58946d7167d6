"""通报 (issue 30): the circular's numbers are 总览's; commended and named units follow 通报设置.xlsx."""
import re

import docx
import openpyxl
import pytest

from automation.bulletin import RULES, SETTINGS_SHEET, BulletinOptions, bulletin
from automation.officialdoc import text_of
from automation.problems import GongkaiError
from test_remind import BAD_FIGURE, BLANK, COMPLETE, LATE, year  # noqa: F401  (the fixture: one round, real files)


def overview(path) -> dict:
    ws = openpyxl.load_workbook(path)["总览"]
    out = {}
    for r in ws.iter_rows(values_only=True):
        if r[0] and r[1] is not None and r[0] not in out:
            out[r[0]] = r[1]
    return out


def set_rule(path, label: str, value) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[SETTINGS_SHEET]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == label:
            row[1].value = value
    wb.save(path)


def test_every_number_is_the_overviews(year, tmp_path):
    summary = year["ws"].summary
    settings = tmp_path / "通报设置.xlsx"
    r = bulletin(BulletinOptions(
        summary=summary, output=tmp_path / "通报.docx", settings=settings, office="枣庄市市中区人民政府办公室"))
    assert r.settings_written and settings.exists()
    o = overview(summary)
    text = "\n".join(text_of(r.output))
    E, R, L, M = (o[k] for k in ("应报送单位", "已报送单位", "逾期报送单位", "未报送单位"))
    assert (E, R, L, M) == (37, 4, 1, 33)
    assert f"应报送单位{E}个，已报送{R}个，其中按时报送{R - L}个、逾期报送{L}个，未报送{M}个" in text
    assert (f"工作要点共{o['任务总数']}项任务，已完成{o['已完成任务']}项，推进中{o['推进中任务']}项，"
            f"未启动{o['未启动任务']}项，逾期未完成{o['逾期未完成任务']}项") in text
    assert f"单位任务完成率为{o['单位任务完成率'] * 100:.1f}".rstrip("0").rstrip(".") in text
    assert f"各类填报问题{o['问题条数']}条" in text
    assert (r.expected, r.returned, r.late, r.missing, r.tasks, r.done) == (E, R, L, M, o["任务总数"], o["已完成任务"])
    # every number in the body (not the dates, not the annex) is one 总览 or 单位进度 gives
    body = text.split("附件：")[0]
    assert "数据质量" in body and f"{BAD_FIGURE}" in body.split("数据质量")[1].split("二、")[0]
    # the default rules: commended = on time, all done, no overdue task, usable figures
    assert r.praised == [COMPLETE]
    assert f"{COMPLETE}等1个单位" in text
    assert set(r.named["未报送"]) == {u for u in year["units"]} - {COMPLETE, LATE, BLANK, BAD_FIGURE}
    assert r.named["逾期报送"] == [LATE]
    annex = text.split("各单位落实情况一览表")[-1]
    reported = [line.split("｜")[2] for line in annex.strip().splitlines()[1:]]
    assert (reported.count("未报送"), reported.count("逾期报送"), reported.count("按时报送")) == (M, L, R - L)
    assert "枣庄市市中区人民政府办公室" in text and not r.todo


def test_the_office_changes_the_rules_in_the_settings_sheet(year, tmp_path):
    settings = tmp_path / "通报设置.xlsx"
    bulletin(BulletinOptions(summary=year["ws"].summary, output=tmp_path / "a.docx", settings=settings))
    set_rule(settings, "表扬：须按时报送", "否")
    set_rule(settings, "表扬：单位任务完成率不低于", "100%")
    set_rule(settings, "通报：逾期报送的单位", "否")
    set_rule(settings, "通报：单位任务完成率低于", "")
    r = bulletin(BulletinOptions(summary=year["ws"].summary, output=tmp_path / "b.docx", settings=settings))
    assert not r.settings_written
    assert set(r.praised) == {COMPLETE, LATE}                 # late no longer keeps it from praise
    assert "逾期报送" not in r.named and "完成率低" not in r.named
    assert r.todo == ["落款（发文单位）"] and "（发文单位）" in "\n".join(text_of(r.output))
    set_rule(settings, "表扬：单位任务完成率不低于", "九成")
    with pytest.raises(GongkaiError) as exc:
        bulletin(BulletinOptions(summary=year["ws"].summary, output=tmp_path / "c.docx", settings=settings))
    assert exc.value.problem.code == "BULLETIN_SETTINGS_INVALID" and "B2" in exc.value.problem.message
    assert not (tmp_path / "c.docx").exists()
    # an existing draft (maybe edited) is never replaced without force
    with pytest.raises(GongkaiError) as exc:
        bulletin(BulletinOptions(summary=year["ws"].summary, output=tmp_path / "b.docx", settings=settings))
    assert exc.value.problem.code == "OUTPUT_EXISTS"


def test_the_year_circular_tells_each_round(year, tmp_path):
    r = bulletin(BulletinOptions(summary=year["ws"].summary, output=tmp_path / "y.docx", scope="year"))
    text = "\n".join(text_of(r.output))
    assert text.splitlines()[0] == "关于2021年度政务公开工作要点落实情况的通报"
    assert re.search(r"2021年第1次调度报送4个单位（占10\.8%），单位任务完成率\d+(\.\d)?%", text)
    assert [x.label for x in RULES][:1] == ["表扬：单位任务完成率不低于"]


def test_force_keeps_a_circular_the_office_edited_aside(year, tmp_path, capsys):
    """`gongkai bulletin --force` replaces the draft, but one the office changed since it was written is kept
    as …_手工修改_….docx first, and the message names it; an unchanged draft is simply replaced."""
    from automation.cli import main

    out = tmp_path / "通报" / "第1次调度通报.docx"
    out.parent.mkdir()
    args = [str(year["ws"].summary), "-o", str(out), "--settings", str(tmp_path / "通报设置.xlsx")]
    assert main(["bulletin", *args]) == 0
    assert main(["bulletin", *args, "--force"]) == 0                  # as written: replaced, nothing kept
    assert not list(out.parent.glob("*_手工修改_*")) and "另存为" not in capsys.readouterr().out
    d = docx.Document(str(out))
    d.add_paragraph("办公室加的一段：请各单位于月底前整改到位。")
    d.save(str(out))
    assert main(["bulletin", *args]) == 2                              # never replaced without --force
    assert main(["bulletin", *args, "--force"]) == 0
    kept = list(out.parent.glob("第1次调度通报_手工修改_*.docx"))
    said = capsys.readouterr().out
    assert len(kept) == 1 and kept[0].name in said and "修改过" in said
    assert "办公室加的一段" in "\n".join(text_of(kept[0]))              # the edit is in the copy kept
    assert "办公室加的一段" not in "\n".join(text_of(out))              # the new draft is the tool's own
    assert main(["bulletin", *args, "--force"]) == 0                  # the new draft is as written: no second copy
    assert len(list(out.parent.glob("*_手工修改_*"))) == 1


def test_the_summary_is_opened_once_and_read_by_its_column_keys(year, tmp_path, monkeypatch):
    """The circular reads 汇总.xlsx once, through summarybook.read_summary: 总览's metrics and trend (by
    TREND_COLUMNS) and 单位进度 by UNIT_COLUMN_KEYS — no second parse of its own beside it."""
    import python_calamine

    from automation.summarybook import TREND_COLUMNS, UNIT_COLUMN_KEYS, read_summary

    opened = []
    real = python_calamine.CalamineWorkbook.from_path
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path",
                        lambda path, *a, **kw: opened.append(str(path)) or real(path, *a, **kw))
    summary = year["ws"].summary
    r = bulletin(BulletinOptions(summary=summary, output=tmp_path / "一次.docx"))
    assert opened.count(str(summary)) == 1 and r.expected == 37
    data = read_summary(summary)
    assert [set(t) for t in data.trend] == [set(TREND_COLUMNS)] and data.trend[0]["returned"] == 4
    assert set(data.unit_rows[0]) == set(UNIT_COLUMN_KEYS) and len(data.unit_rows) == 37
    assert sum(1 for u in data.unit_rows if u["late"] == "是") == r.late == 1
