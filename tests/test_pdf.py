"""PDF plans through their layout (pdfplumber): prose joined by position, ruled tables cell by cell."""
import subprocess

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from automation.plan import read_plan
from automation.sources import _pdf_paragraphs
from conftest import shared_plan, soffice


def line(text, x0, x1, top, em=12.0):
    chars = [{"text": ch, "x0": x0 + i * em, "x1": x0 + (i + 1) * em} for i, ch in enumerate(text)]
    return {"text": text, "x0": x0, "x1": x1, "top": top, "chars": chars}


def test_a_line_that_runs_to_the_edge_goes_on_below():
    """A 责任单位 cut at the line end ("…综合实验区管委" + "会。") is one name again; a line ending short ends
    the paragraph; a full line that closes a sentence does not swallow the next numbered item."""
    right = 500
    lines = [line("推进综合试验区建设信息公开。（责任单位：区发改局、枣庄高新区综合实验区管委", 72, right, 100),
             line("会。）", 72, 108, 120),
             line("二、加强政策解读", 72, 168, 140),
             line("做好监管执法信息公开，及时公开建设高标准市场体系行动方案。（责任单位：区市场监管局）", 72, right, 160),
             line("15.加大“互联网+执法”信息公开力度。", 72, 300, 180)]
    paras = [t for _, t in _pdf_paragraphs(lines)]
    assert paras[0].endswith("综合实验区管委会。）") and paras[1] == "二、加强政策解读"
    assert paras[2].endswith("（责任单位：区市场监管局）") and paras[3].startswith("15.加大")


def converted(exe, src, tmp_path):
    subprocess.run([exe, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=240)
    return tmp_path / (src.stem + ".pdf")


def tasks_of(plan):
    return [(t.text, sorted(u.name for u in t.units), t.path) for t in plan.tasks]


def put(cells, prev, i, value):
    """Write a cell, or (empty, with a row above) merge it with the cell above as Word does."""
    if value or prev is None:
        cells[i].text = value
        return
    cells[i]._tc.get_or_add_tcPr().append(OxmlElement("w:vMerge"))
    above = prev[i]._tc.get_or_add_tcPr()
    if above.find(qn("w:vMerge")) is None:
        restart = OxmlElement("w:vMerge")
        restart.set(qn("w:val"), "restart")
        above.append(restart)


def word_task_table(path, intro: list[str], rows: list[list[str]]):
    """A Word file as agencies publish a task table: paragraphs, then a ruled table. A row of one cell spans the
    table; a short header row starting 工作任务 spans the first columns; an empty cell is merged with the one
    above."""
    d = docx.Document()
    for line in intro:
        d.add_paragraph(line)
    width = max(len(r) for r in rows)
    t = d.add_table(rows=0, cols=width)
    t.style = "Table Grid"
    prev = None
    for r in rows:
        cells = t.add_row().cells
        if r[0] == "工作任务" and len(r) < width:
            cells[0].merge(cells[width - len(r)]).text = r[0]
            for i, v in enumerate(r[1:], width - len(r) + 1):
                cells[i].text = v
        elif len(r) == 1:
            cells[0].merge(cells[-1]).text = r[0]
        else:
            for i, v in enumerate(r[:width]):
                put(cells, prev, i, v)
        prev = cells
    d.save(path)
    return path


def task_table_docx(path):
    """An invented task table: header row, the task cell merged down its rows."""
    return word_task_table(path, ["某区2022年政务公开工作要点任务分解表"], [
        ["工作任务", "具体要求", "责任单位"],
        ["深化重点领域信息公开", "做好财政预决算信息公开，按时公开部门预算、决算及“三公”经费说明。", "区财政局"],
        ["", "推进社会救助信息公开，及时公开城乡低保、特困人员救助供养等信息。", "区民政局、各镇人民政府、各街道办事处"],
        ["加强政策解读回应", "区政府常务会议审议通过的政策文件，同步发布解读材料，解读材料应包含出台背景、主要内容和"
                     "关键词解释等内容。", "区政府办公室、区司法局"],
        ["", "围绕社会关切做好回应，建立舆情收集、会商、研判、回应、评估机制。", "区政府各部门"]])


@pytest.fixture
def exe():
    found = soffice()
    if not found:
        pytest.skip("LibreOffice 未安装")
    return found


def test_a_ruled_task_table_printed_to_pdf_reads_like_the_word_file(exe, tmp_path):
    src = task_table_docx(tmp_path / "分解表.docx")
    from_word, from_pdf = read_plan(src), read_plan(converted(exe, src, tmp_path))
    assert len(from_word.tasks) == 4 and tasks_of(from_pdf) == tasks_of(from_word)
    assert [u.name for u in from_pdf.tasks[1].units] == ["区民政局", "各镇人民政府", "各街道办事处"]
    assert all(t.units for t in from_pdf.tasks)          # never "未写明责任单位" for a table with a unit column


@pytest.mark.parametrize("name", ["shizhong_2021_workplan.txt", "shizhong_2018_gazette_no6.txt",
                                  "xuecheng_2019_workplan.txt"])
def test_real_plans_printed_to_pdf_give_the_same_tasks_and_units(name, exe, tmp_path):
    src = tmp_path / name
    src.write_text(shared_plan(name).read_text(encoding="utf-8"), encoding="utf-8")
    from_txt = read_plan(src)
    subprocess.run([exe, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--infilter=Text (encoded):UTF8",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)], check=True, capture_output=True,
                   timeout=240)
    pdf = tmp_path / (src.stem + ".pdf")
    assert tasks_of(read_plan(pdf)) == tasks_of(from_txt)
    # and the Word file a PDF converter makes of it: one paragraph per printed line, an indent as a tab
    import pdfplumber
    d = docx.Document()
    with pdfplumber.open(pdf) as doc:
        left = min(ln["x0"] for page in doc.pages for ln in page.extract_text_lines())
        for page in doc.pages:
            for ln in page.extract_text_lines(strip=True):
                d.add_paragraph(("\t" if ln["x0"] > left + 12 else "") + ln["text"])
    d.save(tmp_path / "转换.docx")
    from_word = read_plan(tmp_path / "转换.docx")
    assert tasks_of(from_word) == tasks_of(from_txt)
    fields = lambda p: [(t.id, t.number, t.deadline, t.deadline_text, t.frequency, t.targets) for t in p.tasks]  # noqa: E731
    assert fields(from_word) == fields(read_plan(pdf)) == fields(from_txt)


def test_a_table_going_on_over_the_page_is_one_table_and_a_cut_row_is_rejoined():
    from automation.sources import Table, _join_page_tables

    a = Table([["工作任务", "具体要求", "责任单位"], ["推进财政信息公开", "继续深化预决算公开，细化到", "区财政局"]], "p1",
              ["p1r1", "p1r2"])
    b = Table([["", "项级科目。", ""], ["工作任务", "具体要求", "责任单位"], ["", "公开政府债务信息。", "区财政局"]], "p2",
              ["p2r1", "p2r2", "p2r3"])
    (t,) = _join_page_tables([a, b])
    assert t.rows[1] == ["推进财政信息公开", "继续深化预决算公开，细化到项级科目。", "区财政局"]
    assert len(t.rows) == 4 and t.row_sources == ["p1r1", "p1r2", "p2r2", "p2r3"]


def test_a_row_that_left_out_its_merged_cell_is_aligned_to_the_header():
    from automation.plan import RawTable, table_tasks

    rows = [["工作任务", "工作任务", "具体要求", "责任单位"],
            ["深化重点领域信息公开", "推进征地信息公开", "完善征地信息公开。", "区自然资源局"],
            ["推进就业创业信息公开", "及时公开促进就业创业的政策。", "区人社局、区教体局", ""]]   # a browser copy
    out = table_tasks(RawTable(rows, ["s1", "s2", "s3"]))
    assert [(t[0], t[1], t[2]) for t in out] == [
        (["深化重点领域信息公开", "推进征地信息公开"], "完善征地信息公开。", "区自然资源局"),
        (["深化重点领域信息公开", "推进就业创业信息公开"], "及时公开促进就业创业的政策。", "区人社局、区教体局")]


def xuecheng_as_word_table(txt, path):
    """The 2019 plan as it was published: its prose, then the attachment's task table as a real Word table
    (rows from the flattened text: one tab-indented line per cell, a blank line between rows)."""
    lines = txt.read_text(encoding="utf-8").split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("\t"))
    rows, cur = [], []
    for l in lines[start:]:
        if l.startswith("\t"):
            cur.append(l[1:].strip())
            continue
        if cur:
            rows.append(cur)
            cur = []
        if l.strip():
            rows.append([l.strip()])
    if cur:
        rows.append(cur)
    return word_task_table(path, lines[:start], rows)


def test_the_2019_plan_as_a_word_table_and_its_pdf_give_the_txt_tasks(exe, tmp_path):
    """A task table over eleven printed pages, merged cells, repeated headers, rows cut by page breaks."""
    txt = shared_plan("xuecheng_2019_workplan.txt")
    expected = [x[:2] for x in tasks_of(read_plan(txt))]
    src = xuecheng_as_word_table(txt, tmp_path / "薛城区2019年政务公开工作要点.docx")
    for plan in (read_plan(src), read_plan(converted(exe, src, tmp_path))):
        got = [x[:2] for x in tasks_of(plan)]
        assert [x for x in expected if x not in got] == []             # every task, with the same units
        assert len(got) <= len(expected) + 1 and all(units for _, units in got)


@pytest.mark.parametrize("name", ["shizhong_2021_workplan.txt", "xuecheng_2019_workplan.txt",
                                  "shizhong_2018_gazette_no6.txt"])
def test_real_plans_as_word_files_of_printed_lines_give_the_same_tasks(name, tmp_path):
    """What PDF→Word converters produce: one paragraph per printed line."""
    txt = shared_plan(name)
    d = docx.Document()
    for l in txt.read_text(encoding="utf-8").splitlines():
        d.add_paragraph(l)
    d.save(tmp_path / "转换.docx")
    assert [x[:2] for x in tasks_of(read_plan(tmp_path / "转换.docx"))] == [x[:2] for x in tasks_of(read_plan(txt))]


@pytest.mark.parametrize("name", ["shizhong_2021_workplan.txt", "xuecheng_2019_workplan.txt",
                                  "shizhong_2018_gazette_no6.txt"])
def test_real_plans_set_as_official_documents_and_printed_give_the_same_tasks(name, exe, tmp_path):
    """The layout most PDFs on government sites have: 16 pt, justified, every paragraph indented two
    characters — a full line then an indented item is a new paragraph even without a full stop before it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    txt = shared_plan(name)
    d = docx.Document()
    d.styles["Normal"].font.size = Pt(16)
    for text in txt.read_text(encoding="utf-8").splitlines():
        if not text.strip():
            continue
        p = d.add_paragraph(text if "\t" in text else text.strip())
        if "\t" not in text:
            p.paragraph_format.first_line_indent = Pt(32)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    src = tmp_path / "公文.docx"
    d.save(src)
    expected = tasks_of(read_plan(txt))
    assert tasks_of(read_plan(src)) == expected
    assert tasks_of(read_plan(converted(exe, src, tmp_path))) == expected
