from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).parent
version = {}
exec((ROOT / "automation" / "__init__.py").read_text(encoding="utf-8"), version)

setup(
    name="gongkai",
    version=version["__version__"],
    description="政务公开工作要点任务台账、回收汇总与政府信息公开工作年度报告自动化",
    long_description=(ROOT / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=["automation", "automation.workbook_templates", "automation.report_templates"],
    package_dir={
        "automation": "automation",
        "automation.workbook_templates": "workbook_templates",
        "automation.report_templates": "report_templates",
    },
    package_data={
        "automation": ["data/*"],
        "automation.workbook_templates": ["*.xlsx"],
        "automation.report_templates": ["*.docx", "*.txt"],
    },
    install_requires=[
        "openpyxl>=3.1",
        "python-calamine>=0.2",
        "python-docx>=1.2,<1.3",   # officialdoc.element reads Paragraph/Table/_Row._element: tests/test_dependencies.py
        "docxtpl>=0.16,<0.21",   # docxfill uses patch_xml/get_xml/get_part_xml/resolve_listing: tests/test_dependencies.py
        "jinja2>=3.0",
        "defusedxml>=0.7",
        "msoffcrypto-tool>=5.0",
        "pdfplumber>=0.11",
        "xlsxwriter>=3.0",
        "xlwings>=0.37; sys_platform == 'win32'",      # drives Windows Excel only; Linux uses the browser panel
        "tqdm>=4.60",
        "py7zr>=0.20",          # workbooks inside .7z e-mail attachments
        "tzdata; sys_platform == 'win32'",      # the office's time zone by name (Windows has no zone database)
        "filelock>=3.12",                               # one writer of 控制台.xlsm at a time (panels, .cmd, buttons)
    ],
    extras_require={
        "test": ["pytest>=7", "oletools>=0.60", "hypothesis>=6.80"],
    },
    entry_points={"console_scripts": ["gongkai=automation.cli:main"]},
)
