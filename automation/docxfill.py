"""A Word template prepared once and filled many times (the reports of a batch).

docxtpl, per report, opens the template package, serialises and cleans its XML for Jinja, compiles it,
renders, parses the result again, rebuilds the package and saves every part: ~45 ms a report, most of it
identical work.  ``PreparedDocx`` does the template-only part once: docxtpl cleans the body, headers and
footers (its own ``patch_xml``, so tags are read exactly as docxtpl reads them), Jinja compiles them, and the
parts no tag touches are compressed once.  ``fill(context, out, props)`` then renders the tagged parts, applies
docxtpl's post-render steps (paragraph joins, escaped braces, tabs and line breaks typed in the text) and
writes the package with the unchanged parts' compressed bytes copied.

Templates this cannot reproduce exactly — images (docPr ids renumbered by docxtpl), ``{%tc`` column loops
(tables re-gridded), footnotes with tags — are filled by docxtpl itself (``fast`` is False).
"""
from __future__ import annotations

import copy
import re
import zipfile
from pathlib import Path

from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.oxml.parser import parse_xml
from docxtpl import DocxTemplate
from jinja2 import Environment, meta

from .tables import atomic_target

DOCUMENT, CORE = "word/document.xml", "docProps/core.xml"
TAGGED = re.compile(r"\{[{%#]")
LISTING_CHARS = re.compile("[\t\a\n\f]")
# what docxtpl re-does per render that a prepared template cannot (see the module docstring)
NOT_PREPARABLE = re.compile(r"<wp:docPr\b|\{%-?\s*tc\b")
# the core properties docxtpl renders as templates (the rest are set per report by the caller)
TEMPLATED_PROPS = ("comments", "identifier", "language", "subject")


def _tagged(data: bytes) -> bool:
    return bool(TAGGED.search(data.decode("utf-8", errors="replace")))


class ListingTemplate(DocxTemplate):
    """docxtpl whose tab/line-break pass is skipped for text without those characters (most reports)."""

    def resolve_listing(self, xml):
        return super().resolve_listing(xml) if LISTING_CHARS.search(xml) else xml


class PreparedDocx:
    def __init__(self, path: Path, env):
        self.path, self.env = Path(path), env
        with zipfile.ZipFile(self.path) as z:
            self.infos = z.infolist()
            raw = {i.filename: z.read(i.filename) for i in self.infos}
        self.docxtpl = ListingTemplate(str(self.path))
        self._variables: set[str] = set()
        self.docxtpl.init_docx()
        parts = self._tagged_parts(raw)
        self.fast = parts is not None and CORE in raw
        if not self.fast:
            return
        self.templates = parts                         # part name -> (head, compiled body, tail)
        self.core = parse_xml(raw[CORE])
        self.raw = raw

    def variables(self) -> set[str]:
        """The variables the template uses (what docxtpl's get_undeclared_template_variables finds in the
        body, headers and footers), read from the parts as prepared."""
        if not self.fast:
            return self.docxtpl.get_undeclared_template_variables(Environment())
        return self._variables

    def _tagged_parts(self, raw: dict[str, bytes]) -> dict | None:
        """The parts holding Jinja tags, cleaned and compiled; None when the template needs docxtpl per render."""
        tpl = self.docxtpl
        try:
            doc = raw.get(DOCUMENT, b"").decode("utf-8")
        except UnicodeDecodeError:                     # Word writes UTF-8; anything else is left to docxtpl
            return None
        if NOT_PREPARABLE.search(doc) or any(n.startswith("word/footnotes") and _tagged(b) for n, b in raw.items()):
            return None
        start, end = re.search(r"<w:body[ >]", doc), doc.rfind("</w:body>")
        if start is None or end < 0:
            return None
        out = {DOCUMENT: (doc[:start.start()], self._compile(tpl.patch_xml(tpl.get_xml())),
                          doc[end + len("</w:body>"):])}
        for rel in tpl.docx.part.rels.values():
            if rel.reltype in (tpl.HEADER_URI, tpl.FOOTER_URI) and not rel.is_external:
                part = rel.target_part
                name = str(part.partname).lstrip("/")
                if name in raw and _tagged(raw[name]):
                    xml = tpl.get_part_xml(part)
                    declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    out[name] = (declaration, self._compile(tpl.patch_xml(xml)), "")
        return out

    def _compile(self, xml: str):
        """Parsed once: the variables it uses noted, then compiled from the same tree."""
        tree = self.env.parse(re.sub(r"<w:p([ >])", r"\n<w:p\1", xml))
        self._variables |= meta.find_undeclared_variables(tree)
        return self.env.from_string(tree)

    def fill(self, context: dict, out: Path, props: dict) -> Path:
        """Write the filled template to ``out``; ``props``: core properties set after the template's own
        (title, author, last_modified_by, created, modified, revision)."""
        if not self.fast:
            return self._fill_docxtpl(context, out, props)
        rendered = {name: (head + self._after_render(body.render(context)) + tail).encode("utf-8")
                    for name, (head, body, tail) in self.templates.items()}
        parse_xml(rendered[DOCUMENT])                  # a broken result fails here, not in Word
        rendered[CORE] = self._core(context, props)
        with atomic_target(out) as tmp:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
                for info in self.infos:
                    name = info.filename
                    part = zipfile.ZipInfo(name, info.date_time)
                    part.compress_type = zipfile.ZIP_DEFLATED
                    z.writestr(part, rendered[name] if name in rendered else self.raw[name], compresslevel=1)
        return out

    def _after_render(self, xml: str) -> str:
        """docxtpl's steps after Jinja: paragraphs rejoined, escaped braces restored, tabs and breaks typed
        in the text made Word's."""
        xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return self.docxtpl.resolve_listing(xml)

    def _core(self, context: dict, props: dict) -> bytes:
        core = copy.deepcopy(self.core)
        cp = CoreProperties(core)
        for key in TEMPLATED_PROPS:
            value = getattr(cp, key)
            if value and TAGGED.search(value):
                setattr(cp, key, self.env.from_string(value).render(context))
        for key, value in props.items():
            setattr(cp, key, value)
        return serialize_part_xml(core)

    def _fill_docxtpl(self, context: dict, out: Path, props: dict) -> Path:
        tpl = ListingTemplate(str(self.path))
        tpl.render(context, jinja_env=self.env, autoescape=True)
        cp = tpl.docx.core_properties
        for key, value in props.items():
            setattr(cp, key, value)
        with atomic_target(out) as tmp:
            tpl.save(str(tmp))
        return out
