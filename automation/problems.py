"""Problems found in user files are data: a catalogue of codes with Chinese messages.

Every stage reports what is wrong with an input as ``Problem`` records (code, file, sheet,
cell, message) instead of raising.  ``GongkaiError`` is the one exception that reaches the
CLI or the Excel panel, and it carries a problem, so the user always sees one Chinese sentence
naming the file (and the cell where there is one).
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict
from typing import Any

# code -> (severity, Chinese message template).  Severity: error | warning | info.
CATALOGUE: dict[str, tuple[str, str]] = {
    # reading documents (plan stage)
    "FILE_NOT_FOUND": ("error", "找不到文件：{file}"),
    "FILE_EMPTY": ("error", "文件是空的：{file}"),
    "FILE_BINARY": ("error", "文件不是文本，可能是改了扩展名的其他文件：{file}"),
    "FILE_ENCODING": ("error", "无法识别文件的文字编码（已尝试 UTF-8、GB18030）：{file}"),
    "DOCX_INVALID": ("error", "文件不是有效的 Word (.docx) 文档（无法按 zip 打开）：{file}"),
    "PDF_INVALID": ("error", "无法读取 PDF 文件：{file}（{detail}）"),
    "PDF_NO_TEXT": ("error", "PDF 没有文字层，可能是扫描件：{file}。请向发文单位索取 Word 版或可复制文字的 PDF。"),
    "OLD_WORD_FORMAT": ("error", "{file} 是旧版 Word/WPS 格式（.doc/.wps），请在 Word 或 WPS 中“另存为”.docx 后再试。"),
    "UNSUPPORTED_TYPE": ("error", "不支持的文件类型：{file}（支持 .docx、.pdf、.txt）"),
    "NO_TASKS": ("error", "在 {file} 中没有找到任何工作任务，请确认这是政务公开工作要点。"),
    # review hints on tasks (plan stage)
    "TASK_NO_UNITS": ("warning", "任务 {task} 没有写明责任单位"),
    "UNIT_NOT_IN_REGISTRY": ("warning", "单位“{unit}”不在单位名录中"),
    # task list workbook read-back
    "TASKLIST_INVALID": ("error", "任务清单无法读取：{file}（{detail}）"),
    "TASKLIST_MISSING_COLUMN": ("error", "任务清单 {file} 的工作表“{sheet}”缺少列“{column}”"),
    "TASKLIST_DUPLICATE_ID": ("error", "任务清单 {file} 中任务编号 {task} 重复（{cell}）"),
    "TASKLIST_BAD_DATE": ("warning", "任务清单 {file} 的 {cell} 不是有效日期：“{value}”"),
    # registry
    "REGISTRY_INVALID": ("error", "单位名录无法读取：{file}（{detail}）"),
    "REGISTRY_DUPLICATE": ("warning", "单位名录 {file} 中名称或别名“{unit}”出现多次（{cell}）"),
    # distribute
    "COLLECTIVE_NOT_EXPANDED": ("warning", "集合名称“{unit}”无法按单位名录展开，相关任务已单独生成以该名称命名的工作簿，请转发给相关单位或在名录“所属集合”列补充"),
    "UNIT_UNKNOWN": ("error", "任务清单中没有单位“{unit}”的任务"),
    # generic
    "BAD_ARGUMENT": ("error", "{detail}"),
    "OUTPUT_EXISTS": ("error", "输出文件已存在：{file}。如需覆盖请加 --force，或换一个输出位置。"),
    "OUTPUT_LOCKED": ("error", "无法写入 {file}，可能正在 Excel/WPS 中打开，请关闭后重试。"),
    "TEMPLATE_INVALID": ("error", "模板 {file} 不可用：{detail}"),
}


@dataclass
class Problem:
    code: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return CATALOGUE[self.code][0]

    @property
    def message(self) -> str:
        template = CATALOGUE[self.code][1]
        values = {"file": self.file, "sheet": self.sheet, "cell": self.cell}
        values.update(self.params)
        try:
            return template.format(**values)
        except KeyError as missing:  # a template names a value the caller did not give
            return template + f"（缺少参数 {missing}）"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["severity"] = self.severity
        d["message"] = self.message
        return d

    def __str__(self) -> str:
        return self.message


class GongkaiError(Exception):
    """A user-facing failure: carries one Problem whose message is shown as is."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem

    @classmethod
    def of(cls, code: str, file: str = "", sheet: str = "", cell: str = "", **params: Any) -> "GongkaiError":
        return cls(Problem(code, str(file), sheet, cell, params))
