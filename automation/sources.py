"""Read plan documents (.docx, .pdf, .txt, old .doc/.wps via LibreOffice) into blocks.

A block is either a text line (``Line``) or a table (``Table``), in document order, each
remembering where it came from so every task can cite its source.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import docx  # python-docx
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from .problems import GongkaiError


@dataclass
class Line:
    text: str
    source: str          # "file:行号" or "file:第N段"
    paragraph: bool      # True when the line is a real paragraph (docx), False for text lines


@dataclass
class Table:
    rows: list[list[str]]
    source: str
    row_sources: list[str] = field(default_factory=list)
    # True when an empty cell is known to be empty (Word's grid gives a merged cell's text in every row it
    # covers); a PDF page or text cannot tell an empty cell from the rest of a cell merged from above
    merges_known: bool = False
    # in a PDF, the cells that may be the rest of a cell merged on the page before: empty, at the top of a page,
    # above the first filled cell of their column (None: any empty cell may be, as in text)
    open_cells: set | None = None


Block = "Line | Table"

# the words a task table's header cells hold
HEADER_WORDS = re.compile(r"^(序号|编号|工作任务|重点任务|主要任务|任务|工作内容|任务内容|具体要求|工作要求|工作措施|具体任务|具体措施|"
                          r"任务要求|主要内容|公开内容|公开事项|重点工作|主要工作|工作事项|任务事项|工作目标|目标任务|具体内容|"
                          r"责任单位|牵头单位|责任部门|牵头部门|配合单位|配合部门|协办单位|参与单位|主责单位|责任领导|责任人|"
                          r"责任处室|牵头处室|配合处室|责任处（室）|责任科室|"
                          r"完成时限|完成时间|时间要求|时限要求|时限|时间节点|完成期限|进度安排|备注|类别|项目)$")
PAGE_NUMBER = re.compile(r"^[\s\-—–－_]*(第\s*)?\d{1,3}(\s*页)?[\s\-—–－_]*$|^[\s\-—–－]*[0-9]{1,3}\s*/\s*[0-9]{1,3}[\s\-—–－]*$")


def read_document(path: str | Path) -> list:
    """Return the blocks of one document; raise GongkaiError with a Chinese message."""
    p = Path(path)
    if not p.exists() or not p.is_file():
        raise GongkaiError.of("FILE_NOT_FOUND", p)
    if p.stat().st_size == 0:
        raise GongkaiError.of("FILE_EMPTY", p.name)
    reader = FILE_READERS.get(p.suffix.lower())
    if reader is None:
        raise GongkaiError.of("UNSUPPORTED_TYPE", p.name)
    return reader(p)


def decode_text(data: bytes, name: str) -> str:
    """Decode plan text: BOMs, UTF-8, then GB18030 (a superset of GBK/GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    head = data[:8192]
    if b"\x00" in head or head.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        raise GongkaiError.of("FILE_BINARY", name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise GongkaiError.of("FILE_ENCODING", name) from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > max(8, len(text[:8192]) // 50):
        raise GongkaiError.of("FILE_BINARY", name)
    return text


def _read_txt(p: Path) -> list:
    text = decode_text(p.read_bytes(), p.name)
    if not text.strip():
        raise GongkaiError.of("FILE_EMPTY", p.name)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    return [Line(t.replace("\u3000", " ").rstrip(" \r\n"), f"{p.name} 第{i}行", False) for i, t in enumerate(lines, 1)]


def _read_docx(p: Path) -> list:
    try:
        with zipfile.ZipFile(p) as z:
            if "word/document.xml" not in z.namelist():
                raise GongkaiError.of("DOCX_INVALID", p.name)
    except zipfile.BadZipFile:
        raise GongkaiError.of("DOCX_INVALID", p.name) from None
    try:
        document = docx.Document(str(p))
    except Exception:  # noqa: BLE001 - any parser failure is a user-file problem
        raise GongkaiError.of("DOCX_INVALID", p.name) from None
    blocks: list = []
    para_no = 0
    table_no = 0
    for item in document.iter_inner_content():          # paragraphs and tables in document order
        if isinstance(item, Paragraph):
            para_no += 1
            text = item.text
            # soft line breaks (Shift+Enter, pasted text) are text lines the plan reader may rejoin
            pieces = text.replace("\u3000", " ").split("\n")
            for piece in pieces:
                blocks.append(Line(piece.rstrip(), f"{p.name} 第{para_no}段", len(pieces) == 1))
        elif isinstance(item, DocxTable):
            table_no += 1
            table = item
            rows: list[list[str]] = []
            sources: list[str] = []
            for r_i, row in enumerate(table.rows, 1):
                # merged cells repeat their text on the grid; a row that is one merged cell
                # (a section title across the table) is kept as one cell
                row_cells = row.cells
                cells = [cell.text.replace("\u3000", " ").strip() for cell in row_cells]
                if row_cells and row_cells[0].grid_span == len(row_cells):
                    cells = cells[:1]
                rows.append(cells)
                sources.append(f"{p.name} 表{table_no}第{r_i}行")
            blocks.append(Table(rows, f"{p.name} 表{table_no}", sources, merges_known=True))
    return blocks


def _read_pdf(p: Path) -> list:
    """A PDF through its layout (pdfplumber): ruled tables rebuilt cell by cell, wrapped lines inside a cell
    joined; prose lines joined by position — a line that runs to the right edge of the text block goes on
    in the next one, a line that ends short ends a paragraph."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(str(p))
    except Exception as exc:  # noqa: BLE001 - any parser failure is a user-file problem
        raise GongkaiError.of("PDF_INVALID", p.name, detail=type(exc).__name__) from None
    blocks: list = []
    chars_seen = 0
    table_no = 0
    cell_x: float | None = None       # the indent of a table flattened to one cell a line, once seen
    with pdf:
        try:
            for page_no, page in enumerate(pdf.pages, 1):
                chars_seen += len(page.chars)
                items: list[tuple[float, object]] = []
                going_on = blocks[-1] if blocks and isinstance(blocks[-1], Table) and blocks[-1].rows else None
                tables = _page_tables(page, going_on)
                for t in tables:
                    table_no += 1
                    rows = _pdf_table_rows(t.extract())
                    sources = [f"{p.name} 第{page_no}页表{table_no}第{i}行" for i in range(1, len(rows) + 1)]
                    items.append((t.bbox[1], Table(rows, f"{p.name} 第{page_no}页表{table_no}", sources,
                                                   open_cells=_page_top_cells(rows))))
                lines = _page_lines(page, [t.bbox for t in tables])
                start = len(lines)
                if not tables:
                    if cell_x is None:
                        start, cell_x = _cell_layout(lines)
                    else:
                        start = 0
                for top, text in _pdf_paragraphs(lines[:start]):
                    items.append((top, Line(text, "", True)))
                em = _em(lines)
                for ln in lines[start:]:
                    # one cell a line, as a table flattened to text prints: a line at the cells' indent
                    # starts a cell, a line at the margin goes on with it (the plan reader's tab layout)
                    cell = cell_x is not None and abs(ln["x0"] - cell_x) < em / 5
                    items.append((ln["top"], Line(("\t" if cell else "") + ln["text"].strip(), "", False)))
                n = 0
                for _, item in sorted(items, key=lambda x: x[0]):
                    if isinstance(item, Table):
                        blocks.append(item)
                    else:
                        n += 1
                        item.text = item.text.replace("\u3000", " ")
                        item.source = f"{p.name} 第{page_no}页第{n}{'段' if item.paragraph else '行'}"
                        blocks.append(item)
        except Exception as exc:  # noqa: BLE001
            raise GongkaiError.of("PDF_INVALID", p.name, detail=type(exc).__name__) from None
        pages = len(pdf.pages)
    blocks = _join_page_tables(blocks)
    if chars_seen < 10 * max(1, pages) or not blocks:          # under 10 characters a page: a scan
        raise GongkaiError.of("PDF_NO_TEXT", p.name)
    return blocks


def _page_tables(page, going_on: Table | None) -> list:
    """A page's ruled tables: two columns or more, two rows or more — or one row at the top of the page when the
    page before ended in a table as wide (``going_on``): the end of a row cut by the page break (the last row of
    the table, when no header is repeated)."""
    return [t for t in page.find_tables() if len(t.columns) >= 2 and
            (len(t.rows) >= 2 or going_on is not None and len(t.columns) == max(map(len, going_on.rows))
             and not any(ln["bottom"] <= t.bbox[1] for ln in page.extract_text_lines()
                         if not PAGE_NUMBER.match(ln["text"])))]


def _page_lines(page, boxes: list) -> list[dict]:
    """A page's text lines outside its tables' boxes, page numbers left out."""
    def outside(obj):
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    lines = page.filter(outside).extract_text_lines(strip=True, return_chars=True) if boxes else \
        page.extract_text_lines(strip=True, return_chars=True)
    return [ln for ln in lines if ln["text"].strip() and not PAGE_NUMBER.match(ln["text"])]


def _em(lines: list[dict]) -> float:
    """The width of a character on the page (the median), the unit every position is compared in."""
    widths = [c["x1"] - c["x0"] for ln in lines for c in ln["chars"] if c["text"].strip()]
    return sorted(widths)[len(widths) // 2] if widths else 10.0


def _cell_layout(lines: list[dict]) -> tuple[int, float | None]:
    """Where a table flattened to text begins — one cell a line, each at an indent (a tab), its wrapped
    lines back at the margin, as a .txt plan printed to PDF shows it: at a run of two or more header cells
    ("工作任务" "具体要求" "责任单位") one below the other, at the same indent. Returns (index, indent)."""
    em = _em(lines)
    left = min((ln["x0"] for ln in lines), default=0.0)
    for i in range(len(lines) - 1):
        run = lines[i:i + 3]
        heads = [ln for ln in run if HEADER_WORDS.match(re.sub(r"\s", "", ln["text"]))]
        if len(heads) >= 2 and heads == run[:len(heads)] and heads[0]["x0"] > left + em and \
                all(abs(ln["x0"] - heads[0]["x0"]) < em / 5 for ln in heads):
            return i, heads[0]["x0"]
    return len(lines), None


def _pdf_paragraphs(lines: list[dict]) -> list[tuple[float, str]]:
    """Text lines of one page joined where the text ran to the right edge of the block (wrapped by layout)."""
    if not lines:
        return []
    em = _em(lines)
    right = max(ln["x1"] for ln in lines)
    left = min(ln["x0"] for ln in lines)
    out: list[tuple[float, str]] = []
    joined = False
    for ln in lines:
        text = ln["text"].strip()
        if out and joined and STARTS_ITEM.match(text) and \
                (re.search(r"[。；！？）)]$", out[-1][1]) or ln["x0"] >= left + 1.5 * em):
            joined = False               # a full line, then a new item: after a sentence's end or indented
        if out and joined:
            top, prev = out[-1]
            sep = " " if re.search(r"[0-9A-Za-z]$", prev) and re.match(r"[0-9A-Za-z]", text) else ""
            out[-1] = (top, prev + sep + text)
        else:
            out.append((ln["top"], text))
        joined = ln["x1"] >= right - 1.5 * em           # ran to the edge: the sentence goes on below
    return out


STARTS_ITEM = re.compile(r"^(\d{1,3}\s*[.．、]|[（(]\s*[一二三四五六七八九十\d]+\s*[）)]|[一二三四五六七八九十]+、|第[一二三四五六七八九十]+[条章])")


def _join_page_tables(blocks: list) -> list:
    """A table that goes on over the next page is one table: the part on the next page is appended (its
    repeated header rows are left to the task reader), and a row cut by the page break — its last cell
    (the unit column) empty, text in the others — is joined back onto the row it was cut from."""
    out: list = []
    for b in blocks:
        prev = out[-1] if out else None
        if isinstance(b, Table) and isinstance(prev, Table) and b.rows and prev.rows and \
                max(map(len, b.rows)) == max(map(len, prev.rows)) > 1:
            rows, sources = list(b.rows), list(b.row_sources)
            k = 0
            while k < len(rows) and rows[k] == prev.rows[0]:     # the header repeated on the new page
                k += 1
            cut = None
            if k < len(rows) and _continues(rows[k], prev.rows[-1], prev.rows[0]):
                prev.rows[-1] = [a + c if c and c != a else a for a, c in zip(prev.rows[-1], rows[k])]
                del rows[k], sources[k]
                cut = k
            if prev.open_cells is not None and b.open_cells is not None:
                at = len(prev.rows)
                prev.open_cells |= {(at + i - (cut is not None and i > cut), x) for i, x in b.open_cells if i != cut}
            prev.rows += rows
            prev.row_sources += sources
            continue
        out.append(b)
    return out


UNIT_HEADER = re.compile(r"责任|牵头|单位|部门|处室|配合|协办")


def _continues(first: list[str], last: list[str], header: list[str]) -> bool:
    """Whether the first row on a page is the rest of the last row on the page before: its cells of units and
    its first cell (a number, a task's name) stay where the row started, so they are empty here; or, in a table
    without unit columns found, its last cell is."""
    if len(first) != len(last) or len(first) < 2 or not any(first):
        return False
    # a heading row cut by the page ("三、加强政务公开" | "制度和平台建设"): one cell each, in the same column
    one = [x for x, c in enumerate(last) if c], [x for x, c in enumerate(first) if c]
    if len(one[0]) == 1 and one[0] == one[1] and STARTS_ITEM.match(last[one[0][0]].strip()) and \
            not STARTS_ITEM.match(first[one[1][0]].strip()) and not re.search(r"[。；;]$", last[one[0][0]].strip()):
        return True
    words = [re.sub(r"\s", "", h) for h in header]
    units = [x for x, h in enumerate(words) if x < len(first) and HEADER_WORDS.match(h) and UNIT_HEADER.search(h)]
    if units and len(header) == len(first):
        return not first[0] and all(not first[x] for x in units) and any(last[x] for x in units)
    return not first[-1] and any(first[:-1]) and bool(last[-1])


NEW_NAME = re.compile(r"^[区县市省各镇乡]|^[\u4e00-\u9fff]{2,6}(镇|街道|乡)")
CONTINUES = re.compile(r"^(等|和|及|与|以及|牵头|负责|配合|协助|按职责|分别|共同)")


def _cell_lines(text: str) -> str:
    """A cell's printed lines: joined where a word was wrapped, kept apart (a line break the unit-list reader
    splits on) where a line ends a name, as when a cell lists one unit per line."""
    lines = [x.strip() for x in text.split("\n") if x.strip()]
    out = lines[0] if lines else ""
    for nxt in lines[1:]:
        # a new name starts with its place ("区…", "各…"); "区政府办" + "公室" is one name wrapped
        ends_name = re.search(r"[局办委府心院室队所站馆厅）)]$", out) and NEW_NAME.match(nxt) and not CONTINUES.match(nxt)
        out += ("\n" if ends_name else "") + nxt
    return out


def _page_top_cells(rows: list[list[str]]) -> set:
    """(row, column) of the empty cells at the top of a page's table, above the first filled cell of their column
    (a header row repeated there does not count; a row of one cell ends the top)."""
    out: set = set()
    width = max(map(len, rows))
    closed: set = set()
    header = rows[0] if rows and sum(bool(HEADER_WORDS.match(re.sub(r"\s", "", c))) for c in rows[0]) >= 2 else None
    for i, r in enumerate(rows):
        if r is header:
            continue
        if len(r) != width:
            break
        for x, c in enumerate(r):
            if x in closed:
                continue
            if c:
                closed.add(x)
            else:
                out.add((i, x))
    return out


def _pdf_table_rows(rows: list[list]) -> list[list[str]]:
    """Cells with their wrapped lines joined; a merged cell repeats its text in the rows and columns it
    covers (as Word's grid does), a row that is one merged cell stays one cell."""
    out: list[list[str]] = []
    for r in rows:
        cells = [None if c is None else _cell_lines(str(c)) for c in r]
        if sum(c is not None for c in cells) == 1 and cells[0] is not None:
            out.append([cells[0]])
            continue
        filled = []
        for i, c in enumerate(cells):
            if c is None:
                above = out[-1][i] if out and len(out[-1]) == len(cells) else None
                c = above if above is not None else (filled[-1] if filled else "")
            filled.append(c)
        out.append(filled)
    return out


def _read_converted(p: Path) -> list:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise GongkaiError.of("OLD_WORD_FORMAT", p.name)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run([soffice, "--headless", "--convert-to", "docx", "--outdir", tmp, str(p)],
                           check=True, capture_output=True, timeout=180)
        except (subprocess.SubprocessError, OSError):
            raise GongkaiError.of("OLD_WORD_FORMAT", p.name) from None
        out = Path(tmp) / (p.stem + ".docx")
        if not out.exists():
            raise GongkaiError.of("OLD_WORD_FORMAT", p.name)
        blocks = _read_docx(out)
    for b in blocks:
        b.source = b.source.replace(out.name, p.name)
    return blocks


# a file type's reader, by extension: ``fn(path) -> blocks`` (Line and Table, in document order)
FILE_READERS = {".docx": _read_docx, ".pdf": _read_pdf,
                **dict.fromkeys((".txt", ".text", ".md", ""), _read_txt),
                **dict.fromkeys((".doc", ".wps", ".rtf", ".odt"), _read_converted)}
