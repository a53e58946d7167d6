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


Block = "Line | Table"

PAGE_NUMBER = re.compile(r"^[\s\-—–－_]*(第\s*)?\d{1,3}(\s*页)?[\s\-—–－_]*$|^[\s\-—–－]*[0-9]{1,3}\s*/\s*[0-9]{1,3}[\s\-—–－]*$")


def read_document(path: str | Path) -> list:
    """Return the blocks of one document; raise GongkaiError with a Chinese message."""
    p = Path(path)
    if not p.exists() or not p.is_file():
        raise GongkaiError.of("FILE_NOT_FOUND", p)
    if p.stat().st_size == 0:
        raise GongkaiError.of("FILE_EMPTY", p.name)
    ext = p.suffix.lower()
    if ext in (".doc", ".wps", ".rtf", ".odt"):
        return _read_converted(p)
    if ext == ".docx":
        return _read_docx(p)
    if ext == ".pdf":
        return _read_pdf(p)
    if ext in (".txt", ".text", ".md", ""):
        return _read_txt(p)
    raise GongkaiError.of("UNSUPPORTED_TYPE", p.name)


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
                cells = [cell.text.replace("\u3000", " ").strip() for cell in row.cells]
                if len({id(c._tc) for c in row.cells}) == 1:
                    cells = cells[:1]
                rows.append(cells)
                sources.append(f"{p.name} 表{table_no}第{r_i}行")
            blocks.append(Table(rows, f"{p.name} 表{table_no}", sources))
    return blocks


def _read_pdf(p: Path) -> list:
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(p))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # noqa: BLE001
        raise GongkaiError.of("PDF_INVALID", p.name, detail=type(exc).__name__) from None
    if sum(len(t.strip()) for t in pages) < 20 * max(1, len(pages)) // 2:
        raise GongkaiError.of("PDF_NO_TEXT", p.name)
    blocks: list = []
    for page_no, text in enumerate(pages, 1):
        for i, line in enumerate(text.split("\n"), 1):
            if PAGE_NUMBER.match(line):
                continue
            blocks.append(Line(line.replace("\u3000", " ").rstrip(), f"{p.name} 第{page_no}页第{i}行", False))
    return blocks


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
