"""Short official documents (催报通知, 通报) in the layout of the annual report: the report template's
GB/T 9704 page (A4, margins 37/35/28/26 mm), its styles (title 方正小标宋 二号, body 仿宋_GB2312 三号 at a
fixed line pitch, 一、 黑体, （一） 楷体, 落款) and its "— 1 —" page numbers, with the body emptied.  The office
may restyle the report template; these documents follow it."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .dates import cn_date
from .resources import report_template
from .tables import atomic_target

TEMPLATE = "年度报告.docx"


def element(item):
    """The WordprocessingML element (w:p, w:tbl, w:tr) behind a python-docx Paragraph, Table or table row, for
    what python-docx has no call for (character-unit indents, table borders, a repeated header row).
    python-docx gives these proxies no public accessor (python-openxml/python-docx#7 and #1445 ask for one);
    ``_element`` is the member its maintainer points to for such work-arounds.  python-docx is bounded in
    setup.py and tests/test_dependencies.py fails loudly when the member moves."""
    return item._element


class OfficialDoc:
    """A document built paragraph by paragraph in the house styles."""

    def __init__(self, template: str | Path | None = None):
        self.doc = docx.Document(str(template or report_template(TEMPLATE)))
        body = self.doc.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)

    def title(self, text: str) -> None:
        self.doc.add_paragraph(text, style="Title")

    def blank(self) -> None:
        self.para("", indent=False)

    def addressee(self, text: str) -> None:
        """The main addressee (主送机关): flush left, ending with a full-width colon."""
        self.para(text if text.endswith("：") else text + "：", indent=False)

    def para(self, text: str, indent: bool = True, style: str | None = None):
        p = self.doc.add_paragraph(text, style=style)
        if not indent:
            p.paragraph_format.first_line_indent = Pt(0)
            ind = element(p).get_or_add_pPr().find(qn("w:ind"))
            if ind is None:
                ind = OxmlElement("w:ind")
                element(p).get_or_add_pPr().append(ind)
            ind.set(qn("w:firstLineChars"), "0")
            ind.set(qn("w:firstLine"), "0")
        return p

    def heading(self, text: str, level: int = 1) -> None:
        self.doc.add_paragraph(text, style=f"Heading {level}")

    def signature(self, organ: str, day: dt.date) -> None:
        """落款: the issuing organ and the date, right-aligned four characters from the margin, two blank
        lines above (GB/T 9704 7.3.5.2 without a seal)."""
        self.blank()
        self.blank()
        self.doc.add_paragraph(organ, style="落款")
        self.doc.add_paragraph(cn_date(day), style="落款")

    def table(self, header: list[str], rows: list[list], widths_mm: list[float]) -> None:
        t = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        for col, w in zip(t.columns, widths_mm):
            col.width = Mm(w)
        grid_borders(t)
        for r, values in enumerate([header] + rows):
            for c, v in enumerate(values):
                cell = t.cell(r, c)
                cell.width = Mm(widths_mm[c])
                cell.paragraphs[0].text = "" if v is None else str(v)
                cell.paragraphs[0].style = self.doc.styles["表格文字"]
        # the header row repeats on every page
        trpr = element(t.rows[0]).get_or_add_trPr()
        head = OxmlElement("w:tblHeader")
        trpr.append(head)

    def save(self, path: str | Path) -> Path:
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_target(out) as tmp:
            self.doc.save(str(tmp))
        return out


def text_of(path: str | Path) -> list[str]:
    """The paragraphs and table cells of a .docx, in order (for tests and checks)."""
    d = docx.Document(str(path))
    out = []
    for block in d.element.body:
        if block.tag == qn("w:p"):
            out.append("".join(t.text or "" for t in block.iter(qn("w:t"))))
        elif block.tag == qn("w:tbl"):
            for tr in block.iter(qn("w:tr")):
                out.append("｜".join("".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.iter(qn("w:tc"))))
    return out


def grid_borders(table) -> None:
    """Single black lines round and inside every cell, as printed tables in official documents have them
    (python-docx has no public call for table borders: the w:tblBorders element is added to the table's
    properties)."""
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    element(table).tblPr.append(borders)
