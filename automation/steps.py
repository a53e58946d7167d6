"""The four steps of the year, once: the control workbook's buttons, its status cells and output links,
the .cmd files for WPS offices, `gongkai run`, and what the console says to do next."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    key: str            # the action name (`gongkai run KEY`)
    label: str          # the button caption
    sub: str            # the VBA Sub the button calls
    status_name: str    # the defined name of its status cell
    output: str         # what its output link opens, relative to the year folder
    output_text: str
    next_step: str

    @property
    def number(self) -> int:
        return [s.key for s in STEPS].index(self.key) + 1

    @property
    def cmd_name(self) -> str:
        return f"{self.number}-{self.label}"


STEPS = [
    Step("plan", "解析工作要点", "GK_Plan", "GK_STATUS_PLAN", "任务清单.xlsx", "打开任务清单",
         "请打开“任务清单.xlsx”核对，黄色行需要确认；核对后点“生成分发工作簿”。"),
    Step("distribute", "生成分发工作簿", "GK_Distribute", "GK_STATUS_DISTRIBUTE", "下发", "打开下发文件夹",
         "按“下发清单.xlsx”把工作簿发给各单位；收回的文件放进“回收”文件夹后点“汇总回收工作簿”。"),
    Step("collect", "汇总回收工作簿", "GK_Collect", "GK_STATUS_COLLECT", "汇总\\汇总.xlsx", "打开汇总表",
         "打开“汇总\\汇总.xlsx”查看进度、未报送单位和问题清单；年底点“生成年度报告”。"),
    Step("report", "生成年度报告", "GK_Report", "GK_STATUS_REPORT", "报告", "打开报告文件夹",
         "打开“报告”文件夹修改润色各份报告，报告清单.xlsx 列出了每份报告的校验结果。"),
]
STEP = {s.key: s for s in STEPS}
