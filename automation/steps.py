"""The four steps of the year and the settings they read, once: the control workbook's buttons, status
cells, inputs and output links, the browser panel, the .cmd files for WPS offices, `gongkai run`, and what
the console says to do next."""
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
# issue 30: chasing the units (催报) and the circular (通报), after the four steps of the year
STEPS += [
    Step("remind", "催报", "GK_Remind", "GK_STATUS_REMIND", "催报", "打开催报文件夹",
         "打开“催报”文件夹中本次的文件夹：逐份核对催报通知（Word，可修改）后印发，把“催报消息.xlsx”中的短信/微信文本"
         "发给各单位；单位报回后放进“回收”，再点“汇总回收工作簿”。"),
    Step("bulletin", "生成情况通报", "GK_Bulletin", "GK_STATUS_BULLETIN", "通报", "打开通报文件夹",
         "打开“通报”文件夹修改通报稿（Word）；表扬、通报的条件在“通报设置.xlsx”中修改后可再点一次。"),
]
STEP = {s.key: s for s in STEPS}


@dataclass(frozen=True)
class Setting:
    name: str           # the defined name of its cell in the control workbook
    label: str
    note: str
    kind: str = "text"  # text | year | date
    choices: tuple = ()


REPORT_MODES = ("全部单位和汇总报告", "仅汇总报告", "指定单位")
SETTINGS = [
    Setting("GK_YEAR", "年度", "例如 2021", "year"),
    Setting("GK_PLAN_FILES", "工作要点文件",
            "放在“工作要点”文件夹中；多个文件（通知和附件）用“；”分隔；留空则读取该文件夹中的全部文件"),
    Setting("GK_DUE", "报送截止日期", "各单位报送台账的截止日期，如 2021-07-10", "date"),
    Setting("GK_ROUND", "调度轮次", "每次调度换一个名称，下发文件放在“下发\\轮次名称”文件夹"),
    Setting("GK_CONTACT", "办公室联系人", "写入下发工作簿的填报说明，如 张三 0632-1234567"),
    Setting("GK_SKIP_UNRESOLVED", "跳过无法确定的单位",
            "任务清单中有“区政府有关部门”等不能确定是哪些单位的名称时：选“否”先停下来核对；选“是”先下发其他任务，这些任务列为未分解",
            choices=("否", "是")),
    Setting("GK_ON_TIME", "认定按时报送的单位", "报送时间晚于截止日期、但办公室认定按时的单位，用“、”分隔"),
    Setting("GK_REPORT_MODE", "年度报告范围", "从下拉列表选择", choices=REPORT_MODES),
    Setting("GK_REPORT_UNIT", "指定单位", "范围选“指定单位”时填写单位名称"),
    Setting("GK_FORCE", "覆盖已有报告", "选“是”时数据校验未通过也生成并覆盖", choices=("否", "是")),
]
# issue 30: 催报
SETTINGS += [
    Setting("GK_REMIND_DUE", "催报后的报送期限", "催报通知和短信中写的新期限，如 2021-07-20；留空则写“收到本通知后3个工作日内”"),
    Setting("GK_SOON_DAYS", "截止前几天提醒", "截止日期前这么多天内仍未报送的单位，点“催报”时列入“截止前提醒”（默认 3）",
            choices=("3", "1", "2", "5", "7")),
    Setting("GK_BULLETIN_SCOPE", "通报范围", "“本轮”通报本次调度的报送和落实情况；“全年”通报全年各轮情况", choices=("本轮", "全年")),
]
