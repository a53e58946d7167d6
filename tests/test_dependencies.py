"""Where the package uses a library below its public API, the version is bounded in setup.py and this file
fails loudly, naming what moved, when a new release changes it."""
import importlib.util
import inspect
import re
from pathlib import Path

import docxtpl
from docxtpl import DocxTemplate

ROOT = Path(__file__).resolve().parents[1]


def test_docxtpl_members_the_prepared_template_uses_are_still_there():
    """docxfill.PreparedDocx compiles docxtpl's cleaned XML once a batch: it calls these members as docxtpl
    0.16-0.20 define them.  If this fails, docxtpl changed them: check docxfill against the new release
    (tests/test_report.py::test_a_template_prepared_once_fills_what_docxtpl_fills) before raising the bound."""
    wanted = {"init_docx": 0, "get_xml": 0, "patch_xml": 1, "get_part_xml": 1, "resolve_listing": 1,
              "render": 1, "get_undeclared_template_variables": 0, "save": 1}
    for name, positional in wanted.items():
        member = getattr(DocxTemplate, name, None)
        assert callable(member), f"docxtpl {docxtpl.__version__}: DocxTemplate.{name} is gone"
        params = [p for p in inspect.signature(member).parameters.values()
                  if p.name != "self" and p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
        assert len(params) == positional, f"docxtpl {docxtpl.__version__}: DocxTemplate.{name}{inspect.signature(member)}"
    for name in ("HEADER_URI", "FOOTER_URI"):
        assert isinstance(getattr(DocxTemplate, name, None), str), f"docxtpl: DocxTemplate.{name} is gone"


def test_docxtpl_is_bounded_to_the_releases_checked():
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    bound = re.search(r'"docxtpl>=([\d.]+),<([\d.]+)"', setup)
    assert bound, "setup.py must bound docxtpl: docxfill uses more than its public API"
    upper = tuple(int(x) for x in bound.group(2).split("."))
    installed = tuple(int(x) for x in re.findall(r"\d+", docxtpl.__version__)[:2])
    assert installed < upper


# ------------------------------------------------------------------ python-docx (issue 31: h31f)

def test_python_docx_proxies_still_hold_the_elements_officialdoc_edits():
    """officialdoc.element reads ``_element`` of a Paragraph, a Table and a table row (python-docx has no public
    accessor: python-openxml/python-docx#7, #1445) and calls these oxml members on them.  If this fails,
    python-docx moved them: check officialdoc (tests/test_remind.py, tests/test_bulletin.py render with it)
    before raising the bound in setup.py."""
    import docx
    from docx.oxml.ns import qn

    from automation.officialdoc import OfficialDoc, element, text_of

    d = docx.Document()
    p, t = d.add_paragraph("x"), d.add_table(rows=1, cols=2)
    for item, tag, member in ((p, "w:p", "get_or_add_pPr"), (t, "w:tbl", "tblPr"), (t.rows[0], "w:tr", "get_or_add_trPr")):
        assert getattr(element(item), "tag", None) == qn(tag), f"python-docx {docx.__version__}: {type(item).__name__}._element"
        assert hasattr(element(item), member), f"python-docx {docx.__version__}: {tag} element has no {member}"
    doc = OfficialDoc()
    doc.para("不缩进", indent=False)
    doc.table(["甲", "乙"], [["1", "2"]], [30, 30])
    xml = doc.doc.element.body.xml
    assert 'w:firstLineChars="0"' in xml and "<w:tblHeader/>" in xml and "<w:tblBorders>" in xml


def test_python_docx_tells_a_row_that_is_one_merged_cell():
    """sources._read_docx keeps a row that is one merged cell (a section title across a plan's table) as one
    cell, by the public ``_Cell.grid_span`` (python-docx 1.2)."""
    import docx

    from automation.sources import read_document

    d = docx.Document()
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).merge(t.cell(0, 2)).text = "一、制度建设"
    for c, text in enumerate(["1", "完善制度", "区政府办"]):
        t.cell(1, c).text = text
    t.cell(2, 0).merge(t.cell(2, 1)).text = "合并两格"
    assert t.rows[0].cells[0].grid_span == 3
    path = ROOT / "build" / "h31f_merged.docx"
    path.parent.mkdir(exist_ok=True)
    d.save(str(path))
    try:
        rows = [b.rows for b in read_document(path) if hasattr(b, "rows")][0]
    finally:
        path.unlink()
    assert rows == [["一、制度建设"], ["1", "完善制度", "区政府办"], ["合并两格", "合并两格", ""]]


def test_python_docx_is_bounded_to_the_releases_checked():
    import docx
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    bound = re.search(r'"python-docx>=([\d.]+),<([\d.]+)"', setup)
    assert bound, "setup.py must bound python-docx: officialdoc reads _element (no public accessor)"
    lower, upper = (tuple(int(x) for x in b.split(".")) for b in bound.groups())
    installed = tuple(int(x) for x in re.findall(r"\d+", docx.__version__)[:2])
    assert lower <= installed < upper


# ------------------------------------------------------------------ openpyxl: public API only (issue 31: h31f)

def test_no_private_member_of_openpyxl_or_python_docx_in_the_package():
    """The members the package once read below the libraries' public API; officialdoc.element is the one
    bounded exception (above)."""
    private = re.compile(r"\.(_style|_current_row|_cells|_p|_r|_tbl|_tc|_tr|_element|_parent|_body)\b")
    found = []
    for path in sorted((ROOT / "automation").glob("*.py")):
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if private.search(code) and not (path.name == "officialdoc.py" and "return item._element" in code):
                found.append(f"{path.name}:{no}: {line.strip()}")
    assert not found, "library internals used:\n" + "\n".join(found)


def test_a_copied_style_is_the_source_cells_look(tmp_path):
    """tables.copy_style (openpyxl's public style attributes) gives the sample rows and the 上年落实情况 header
    the template cell's whole look; write_text_row keeps '=…' as text."""
    from copy import copy

    from openpyxl import Workbook, load_workbook
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side

    from automation.tables import copy_style, write_text_row

    wb = Workbook()
    ws = wb.active
    wb.add_named_style(NamedStyle("表头样式", font=Font(size=9)))
    src = ws["B2"]
    src.style = "表头样式"
    src.font, src.fill = Font(name="仿宋", bold=True, size=12), PatternFill("solid", fgColor="DDEBF7")
    src.border, src.alignment = Border(left=Side("thin")), Alignment(wrap_text=True, vertical="top")
    src.protection, src.number_format, src.quotePrefix = Protection(locked=False), "yyyy-mm-dd", True
    copy_style(src, ws["D5"])
    write_text_row(ws, 7, ["=1+1", "=", None, 3])
    wb.save(tmp_path / "s.xlsx")
    ws = load_workbook(tmp_path / "s.xlsx").active
    a, b = ws["B2"], ws["D5"]
    for part in ("style", "font", "fill", "border", "alignment", "protection", "number_format", "quotePrefix"):
        assert copy(getattr(a, part)) == copy(getattr(b, part)), part      # copy: the style objects behind proxies
    assert b.style == "表头样式" and b.font.name == "仿宋" and b.protection.locked is False
    assert [c.value for c in ws[7]][:4] == ["=1+1", "=", None, 3] and ws["A7"].data_type == "s"


def _template_builder():
    spec = importlib.util.spec_from_file_location("build_templates", ROOT / "scripts" / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_python_docx_members_the_report_template_builder_uses_are_still_there():
    """scripts/build_templates.py writes into the XML behind a table, a table row and a run what python-docx 1.x
    has no call for (every cell's width in a merged grid, rows that never split, repeated header rows, a
    table's cell margins, a PAGE field): through officialdoc.element (Table._element, _Row._element),
    Run.element and these oxml members.  If this fails, python-docx moved them: fix the builder, then tests/test_templates.py
    says whether the committed report templates are still what it builds."""
    import docx
    from docx.oxml.ns import qn

    bt = _template_builder()
    d = docx.Document()
    table = d.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(1, 1))            # a 2 x 2 block: row 1 holds a vMerge continuation
    tbl = bt.element(table)
    assert tbl.tag == qn("w:tbl") and tbl.tblPr.tag == qn("w:tblPr"), f"python-docx {docx.__version__}: Table._element"
    rows = [bt.element(r) for r in table.rows]
    assert [tr.tag for tr in rows] == [qn("w:tr")] * 3, f"python-docx {docx.__version__}: _Row._element"
    assert [[tc.grid_span for tc in tr.tc_lst] for tr in rows] == [[2, 1], [2, 1], [1, 1, 1]]
    bt._set_widths(table, [10, 20, 30])
    bt._keep_rows(table, 1)
    assert [c.get(qn("w:w")) for c in tbl.tblGrid.findall(qn("w:gridCol"))] == ["567", "1134", "1701"]
    widths = [[(tc.tcPr.find(qn("w:tcW")).get(qn("w:type")), tc.tcPr.find(qn("w:tcW")).get(qn("w:w")))
               for tc in tr.tc_lst] for tr in rows]
    assert widths == [[("dxa", "1701"), ("dxa", "1701")]] * 2 + [[("dxa", "567"), ("dxa", "1134"), ("dxa", "1701")]]
    assert [[el.tag for el in tr.trPr] for tr in rows] == [[qn("w:cantSplit"), qn("w:tblHeader")]] + [[qn("w:cantSplit")]] * 2
    run = d.add_paragraph().add_run("x")
    assert run.element.tag == qn("w:r"), f"python-docx {docx.__version__}: Run.element"
    style = d.styles["Normal"]
    assert style.element.get_or_add_rPr().tag == qn("w:rPr") and style.element.get_or_add_pPr().tag == qn("w:pPr")
    assert all(callable(getattr(d.part, name, None)) for name in ("drop_rel",))
    assert all(hasattr(rel, "reltype") and hasattr(rel, "is_external") for rel in d.part.rels.values())
