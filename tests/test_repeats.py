"""Share of a report's sentences repeated from last year's (issue 30): boundaries and 报告清单."""
import shutil

import docx
import openpyxl

from automation.report import ReportOptions, make_reports
from automation.repeats import FLAG_COLUMN, SHARE_COLUMN, flagged, repeated_share
from test_remind import BLANK, COMPLETE, year  # noqa: F401  (the fixture: a 2021 round, real files)

PREAMBLE = ("本报告根据《中华人民共和国政府信息公开条例》和国务院办公厅政府信息与政务公开办公室要求编制。"
            "全文包括总体情况、主动公开政府信息情况等。")


def write(path, paragraphs):
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    d.save(path)
    return path


A = "2021年在政府门户网站公开规划文本及解读材料十五篇，归集整理历史规划六件。"
B = "全年组织政务公开业务培训三场，参训人员一百二十人次，业务水平明显提升。"
C = "政策解读形式较为单一，图解、视频等解读偏少，需要进一步丰富。"
D = "建成政务公开专区四个，提供政府信息查询和政策咨询服务，群众满意度提高。"
E = "清理整合政务新媒体账号三个，门户网站完成改版并通过无障碍检测。"


def test_half_is_not_over_half_and_boilerplate_and_years_do_not_count(tmp_path):
    old = write(tmp_path / "old.docx", [PREAMBLE, "一、总体情况", A + B, C])
    half = write(tmp_path / "half.docx", [PREAMBLE.replace("编制", "编制。"), "一、总体情况",
                                          A.replace("2021", "2022") + B, D + E])
    assert repeated_share(half, old) == (0.5, 2, 4)          # the heading and preamble are not counted
    assert not flagged(0.5)
    more = write(tmp_path / "more.docx", [PREAMBLE, A.replace("2021", "2022"), B, C, D])
    assert repeated_share(more, old) == (0.75, 3, 4) and flagged(0.75)
    none = write(tmp_path / "none.docx", [PREAMBLE, "一、总体情况"])
    assert repeated_share(none, old) == (0.0, 0, 0)


def test_the_report_listing_shows_the_share_and_flags_over_half(year, tmp_path):
    summary = tmp_path / "汇总.xlsx"
    shutil.copy(year["ws"].summary, summary)
    last = tmp_path / "上年报告"
    # the fixture's round is mid-year (cut-off in July): the office accepts that unit's data for the year
    first = make_reports(ReportOptions(summary=summary, output=last, unit=COMPLETE, accept_midyear=[COMPLETE]))
    assert first.outcomes[0].status.written
    plain = make_reports(ReportOptions(
        summary=summary, output=tmp_path / "不比较", all_units=True, exclude_unusable=True, accept_midyear=[COMPLETE]))
    assert SHARE_COLUMN not in [c.value for c in openpyxl.load_workbook(plain.listing).active[2]]
    # the report stage writes the comparison into 报告清单 itself, the one time it writes the listing
    result = make_reports(ReportOptions(
        summary=summary, output=tmp_path / "报告", all_units=True, exclude_unusable=True, accept_midyear=[COMPLETE],
        last_reports=last))
    found = result.repeats
    mine = next(o for o in result.written if o.unit == COMPLETE)
    assert set(found) == {mine.file.name} and found[mine.file.name][0] == 1.0
    ws = openpyxl.load_workbook(result.listing).active
    head = [c.value for c in ws[2]]
    assert head[-2:] == [SHARE_COLUMN, FLAG_COLUMN] and ws.cell(2, len(head)).font.b      # a header like the others
    rows = {r[head.index("机关/单位")]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert rows[COMPLETE][head.index(SHARE_COLUMN)] == 1.0
    assert rows[COMPLETE][head.index(FLAG_COLUMN)].startswith("超过一半与上年相同")
    at = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == COMPLETE)
    share = ws.cell(at, head.index(SHARE_COLUMN) + 1)
    assert share.number_format == "0.0%" and share.font.color.rgb.endswith("C00000")
    assert rows[BLANK][head.index(SHARE_COLUMN)] is None            # no report of last year to compare with
