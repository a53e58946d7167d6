"""Where the shipped templates and the sample plan live (installed or in a source checkout)."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

_ROOT = Path(__file__).resolve().parent


def _folder(package: str, repo_dir: str) -> Path:
    try:
        p = Path(str(resources.files(package)))
        if p.is_dir():
            return p
    except (ModuleNotFoundError, TypeError):
        pass
    return _ROOT.parent / repo_dir


def workbook_template(name: str) -> Path:
    return _folder("automation.workbook_templates", "workbook_templates") / name


def report_template(name: str) -> Path:
    return _folder("automation.report_templates", "report_templates") / name


def sample_plan() -> Path:
    return _ROOT / "data" / "sample_plan_2021_shizhong.txt"


SAMPLE_REGISTRY = "单位名录示例.xlsx"
