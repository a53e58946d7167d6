import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PLANS = SHARED / "plans"


def shared_plan(name: str) -> Path:
    p = PLANS / name
    if not p.exists():
        pytest.skip(f"../shared/plans/{name} 不存在（用户克隆的仓库没有 shared/，CI 有）")
    return p


@pytest.fixture
def plan2021() -> Path:
    return shared_plan("shizhong_2021_workplan.txt")


@pytest.fixture
def plan2019() -> Path:
    return shared_plan("xuecheng_2019_workplan.txt")


@pytest.fixture
def gazette() -> Path:
    return shared_plan("shizhong_2018_gazette_no6.txt")


@pytest.fixture
def sample_registry():
    from automation.registry import load_registry
    from automation.resources import SAMPLE_REGISTRY, workbook_template

    return load_registry(workbook_template(SAMPLE_REGISTRY))


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")
