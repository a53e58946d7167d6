"""The year folder the office works in: 控制台.xlsm, 单位名录.xlsx, 工作要点/, 下发/, 回收/, 汇总/, 报告/."""
from __future__ import annotations

import re
import importlib.util
import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .console import build_console
from .problems import GongkaiError
from .reportsections import RULES_FILE
from .resources import SAMPLE_REGISTRY, report_template, workbook_template
from .results import InitResult
from .steps import STEPS

CONSOLE = "控制台.xlsm"
FOLDERS = ["工作要点", "下发", "回收", "汇总", "报告"]
PLAN_TYPES = {".docx", ".pdf", ".txt", ".doc", ".wps"}


@dataclass
class Workspace:
    root: Path

    @property
    def console(self) -> Path:
        return self.root / CONSOLE

    @property
    def registry(self) -> Path:
        return self.root / "单位名录.xlsx"

    @property
    def section_rules(self) -> Path:
        """The office's copy of the rules placing tasks in the report's 总体情况 subsections (editable)."""
        return self.root / RULES_FILE

    @property
    def tasks(self) -> Path:
        return self.root / "任务清单.xlsx"

    @property
    def plan_dir(self) -> Path:
        return self.root / "工作要点"

    @property
    def sent_dir(self) -> Path:
        return self.root / "下发"

    @property
    def back_dir(self) -> Path:
        return self.root / "回收"

    @property
    def summary(self) -> Path:
        return self.root / "汇总" / "汇总.xlsx"

    @property
    def ledger(self) -> Path:
        return self.root / "汇总" / "台账.sqlite"

    @property
    def report_dir(self) -> Path:
        return self.root / "报告"

    def plan_files(self, names: str = "") -> list[Path]:
        """Plan files named in the console (separated by ；/;/、), else every document in 工作要点/."""
        wanted = [n.strip() for n in re.split(r"[；;、\n]+", names or "") if n.strip()]
        if wanted:
            out = []
            for n in wanted:
                p = Path(n)
                if not p.is_absolute():
                    p = self.plan_dir / n if (self.plan_dir / n).exists() else self.root / n
                if not p.exists():
                    raise GongkaiError.of("FILE_NOT_FOUND", p)
                out.append(p)
            return out
        files = sorted(p for p in self.plan_dir.glob("*") if p.suffix.lower() in PLAN_TYPES
                       and not p.name.startswith(("~$", ".")))
        if not files:
            raise GongkaiError.of("NO_PLAN_FILES", self.plan_dir)
        return files


def find_workspace(start: str | Path | None = None) -> Workspace:
    p = Path(start or ".").resolve()
    for d in [p, *p.parents]:
        if (d / CONSOLE).exists():
            return Workspace(d)
    raise GongkaiError.of("NO_WORKSPACE", p)


def init_workspace(root, year: int, registry=None, force: bool = False) -> InitResult:
    root = Path(root)
    ws = Workspace(root)
    if ws.console.exists() and not force:
        raise GongkaiError.of("OUTPUT_EXISTS", ws.console)
    root.mkdir(parents=True, exist_ok=True)
    for f in FOLDERS:
        (root / f).mkdir(exist_ok=True)
    if registry:
        shutil.copyfile(registry, ws.registry)
    elif not ws.registry.exists():
        shutil.copyfile(workbook_template(SAMPLE_REGISTRY), ws.registry)
    if not ws.section_rules.exists():
        shutil.copyfile(report_template(RULES_FILE), ws.section_rules)
    build_console(ws.console, year=year)
    write_cmd_files(ws)
    launcher = write_desktop_launcher(ws)
    return InitResult(root, ws.console, year, launcher, importlib.util.find_spec("xlwings") is not None)


LAUNCHER = "政务公开工作台.desktop"


def write_desktop_launcher(ws: Workspace) -> Path:
    """A Linux desktop launcher (UOS, Kylin): opens the browser panel on this year folder, no terminal."""
    def arg(text: str) -> str:                      # the Desktop Entry spec's quoting, % escaped
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$") \
            .replace("%", "%%") + '"'

    p = ws.root / LAUNCHER
    lines = ["[Desktop Entry]", "Type=Application", "Version=1.0", "Name=政务公开工作台",
             f"Comment=在浏览器中运行{ws.root.name}的四个步骤",
             f"Exec={arg(sys.executable)} -m automation panel {arg(str(ws.root.resolve()))}",
             f"Path={ws.root.resolve()}", "Terminal=false", "Icon=applications-office", "Categories=Office;",
             "StartupNotify=true"]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    p.chmod(0o755)
    return p


# the double-clickable step files: .cmd where Windows runs them; elsewhere (UOS, Kylin) .sh files, since a
# .cmd holding a Linux path runs nowhere (the .desktop launcher is the double-click route there)
SCRIPT_SUFFIX = ".cmd" if os.name == "nt" else ".sh"


def write_cmd_files(ws: Workspace, windows: bool | None = None) -> list[Path]:
    """One file a step running the same action without Excel: .cmd on Windows (offices on WPS), executable
    .sh elsewhere; both run this computer's Python on the folder the file is in."""
    windows = os.name == "nt" if windows is None else windows
    exe = sys.executable
    out = []
    for step in STEPS:
        if windows:
            p = ws.root / f"{step.cmd_name}.cmd"
            lines = ["@echo off", "chcp 65001 >nul", 'cd /d "%~dp0"',
                     f'"{exe}" -m automation run {step.key} --workspace "%~dp0."', "echo.", "pause"]
            p.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
        else:
            p = ws.root / f"{step.cmd_name}.sh"
            lines = ["#!/bin/sh", f"# {step.cmd_name}：与控制台的按钮相同", 'cd "$(dirname "$0")" || exit 2',
                     f'{shlex.quote(exe)} -m automation run {step.key} --workspace "$(pwd)"', "status=$?",
                     'if [ -t 0 ]; then printf "\\n按回车键关闭……"; read -r _; fi', 'exit "$status"']
            p.write_text("\n".join(lines) + "\n", encoding="utf-8")
            p.chmod(0o755)
        out.append(p)
    return out
