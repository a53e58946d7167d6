"""Where the package uses a library below its public API, the version is bounded in setup.py and this file
fails loudly, naming what moved, when a new release changes it."""
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
