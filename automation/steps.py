"""The four steps of the year and the settings they read, once: the control workbook's buttons, status
cells, inputs and output links, the browser panel, the .cmd files for WPS offices, `gongkai run`, and what
the console says to do next."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .dates import as_date


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
    name: str           # the defined name of its cell in the control workbook (报告设置!项目 for a 报告设置 row)
    label: str
    note: str
    kind: str = "text"  # text | year | date | round | units | organ | postcode | email | signed | long
    choices: tuple = ()
    default: str = ""

    @property
    def where(self) -> str:
        """Where a clerk fills it in, in the workbook and in the browser panel."""
        if self.name.startswith(REPORT_SHEET + "!"):
            return f"控制台.xlsm 的“{REPORT_SHEET}”表（或浏览器工作台的“{REPORT_SHEET}”）的“{self.label}”一栏"
        return f"控制台的“{self.label}”一栏"


REPORT_SHEET = "报告设置"
REPORT_MODES = ("全部单位和汇总报告", "仅汇总报告", "指定单位")
YEAR_CHOICES = ("停下核对", "按所填年度")
SETTINGS = [
    Setting("GK_YEAR", "年度", "例如 2021", "year"),
    Setting("GK_PLAN_FILES", "工作要点文件",
            "放在“工作要点”文件夹中；多个文件（通知和附件）用“；”分隔；留空则读取该文件夹中的全部文件"),
    Setting("GK_DUE", "报送截止日期", "各单位报送台账的截止日期，如 2021-07-10", "date"),
    Setting("GK_ROUND", "调度轮次", "每次调度换一个名称，下发文件放在“下发\\轮次名称”文件夹", "round"),
    Setting("GK_CONTACT", "办公室联系人", "写入下发工作簿的填报说明，如 张三 0632-1234567"),
    Setting("GK_SKIP_UNRESOLVED", "跳过无法确定的单位",
            "任务清单中有“区政府有关部门”等不能确定是哪些单位的名称时：选“否”先停下来核对；选“是”先下发其他任务，这些任务列为未分解",
            choices=("否", "是")),
    Setting("GK_ON_TIME", "认定按时报送的单位", "报送时间晚于截止日期、但办公室认定按时的单位，用“、”分隔", "units"),
    Setting("GK_REPORT_MODE", "年度报告范围", "从下拉列表选择", choices=REPORT_MODES),
    Setting("GK_REPORT_UNIT", "指定单位", "范围选“指定单位”时填写单位名称"),
    Setting("GK_FORCE", "覆盖已有报告",
            "选“是”时重新生成并覆盖已有报告（数据校验照常进行；生成后被修改过的报告先另存一份）", choices=("否", "是")),
    Setting("GK_YEAR_CONFIRM", "年度与要点不一致时",
            "“年度”与工作要点、汇总表的年度不同时：选“停下核对”先停下来；确需按所填年度时选“按所填年度”",
            choices=YEAR_CHOICES),
]
# issue 26: the office's time zone, never the machine's
SETTINGS += [
    Setting("GK_TIMEZONE", "办公室所在时区",
            "报送时间、是否逾期都按这个时区判断，不按电脑设置的时区；留空为北京时间，其他时区写如 Asia/Urumqi", "timezone"),
]
# issue 30: 催报
SETTINGS += [
    Setting("GK_REMIND_DUE", "催报后的报送期限", "催报通知和短信中写的新期限，如 2021-07-20；留空则写“收到本通知后3个工作日内”", "date"),
    Setting("GK_SOON_DAYS", "截止前几天提醒", "截止日期前这么多天内仍未报送的单位，点“催报”时列入“截止前提醒”（默认 3）",
            choices=("3", "1", "2", "5", "7")),
    Setting("GK_BULLETIN_SCOPE", "通报范围", "“本轮”通报本次调度的报送和落实情况；“全年”通报全年各轮情况", choices=("本轮", "全年")),
]

INIT_PLACEHOLDER_ORGAN = "XX区人民政府"      # what `gongkai init` wrote before: a rebuilt console leaves it blank
REPORT_SETTINGS = [
    Setting(f"{REPORT_SHEET}!机关名称", "机关名称",
            "必填，生成年度报告前填写：本级政府全称，如 枣庄市市中区人民政府（汇总报告的标题、正文、落款）", "organ"),
    Setting(f"{REPORT_SHEET}!地址", "地址", "导语中的联系地址"),
    Setting(f"{REPORT_SHEET}!邮编", "邮编", "6 位数字", "postcode"),
    Setting(f"{REPORT_SHEET}!联系电话", "联系电话", "导语中的联系电话，如 0632-3083075"),
    Setting(f"{REPORT_SHEET}!电子邮箱", "电子邮箱", "如 gongkai@example.gov.cn（可留空）", "email"),
    Setting(f"{REPORT_SHEET}!网站", "网站", "报告电子版发布的网站，如 市中区人民政府门户网站"),
    Setting(f"{REPORT_SHEET}!网址", "网址", "该网站的网址，如 http://www.zzszq.gov.cn（可留空）"),
    Setting(f"{REPORT_SHEET}!成文日期", "成文日期", "报告落款日期，如 2022年1月20日；留空则落款日期留白待手填", "signed"),
    Setting(f"{REPORT_SHEET}!汇总范围", "汇总范围", "留空则写“本级政府及所属N个镇街和部门”"),
    Setting(f"{REPORT_SHEET}!人大代表建议和政协提案", "人大代表建议和政协提案", "写入报告第六部分（可留空）", "long"),
    Setting(f"{REPORT_SHEET}!其他需要报告的事项", "其他需要报告的事项", "写入报告第六部分（可留空）", "long"),
    Setting(f"{REPORT_SHEET}!上年度问题整改情况", "上年度问题整改情况", "写入报告第五部分（可留空）", "long"),
    Setting(f"{REPORT_SHEET}!接受年中数据的单位", "接受年中数据的单位",
            "办公室确认使用年中调度数据的单位，用“、”分隔（可留空）"),
]
ALL_SETTINGS = SETTINGS + REPORT_SETTINGS
SETTING = {s.name: s for s in ALL_SETTINGS}
# what the consolidated report cannot be published without (the contact line needs one of 地址/联系电话)
REQUIRED_FOR_REPORT = (f"{REPORT_SHEET}!机关名称",)
CONTACT_FOR_REPORT = (f"{REPORT_SHEET}!地址", f"{REPORT_SHEET}!联系电话")
PLACEHOLDER = re.compile(r"[XxＸｘ×]{2}|某[区县市镇街]|^(?:待填|请填写)")
ROUND_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]|^\s*\.|\.\.')


class SettingError(ValueError):
    """A setting that cannot be used as typed; the message names it and says what to type."""


def is_placeholder(text: str) -> bool:
    return bool(PLACEHOLDER.search(text or ""))


def split_units(text: str) -> list[str]:
    return [u.strip() for u in re.split(r"[、,，;；\s]+", text or "") if u.strip()]


def checked(setting: Setting, value):
    """The value a step uses for what was typed (in the workbook or the browser panel), or SettingError
    naming the setting: one set of rules for every route."""
    if hasattr(value, "strftime") and setting.kind in ("date", "signed"):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "" if value is None else str(value).strip()
    label = f"“{setting.label}”"
    if setting.kind == "year":
        if not text:
            return None
        if not (text.isdigit() and 2019 <= int(text) <= 2099):
            raise SettingError(f"{label}“{text}”不是有效年份，请填写如 2021")
        return int(text)
    if setting.kind in ("date", "signed"):
        if not text:
            return None if setting.kind == "date" else ""
        try:
            day = as_date(text)
        except ValueError:
            day = None
        if day is None or not 2000 <= day.year <= 2099:
            raise SettingError(f"{label}“{text}”不是日期，请写成 2021-07-10 或 2022年1月20日 的形式")
        return dt.datetime.combine(day, dt.time()) if setting.kind == "date" else text
    if setting.choices:
        if not text:
            return setting.choices[0]
        if text not in setting.choices:
            raise SettingError(f"{label}请从下拉列表选择：{'、'.join(setting.choices)}")
        return text
    if setting.kind == "round" and text and ROUND_UNSAFE.search(text):
        raise SettingError(f"{label}“{text}”不能用作文件夹名称：轮次名称中不能有 \\ / : * ? \" < > | 或“..”，"
                           "请写成“2021年第2次调度”这样的名称")
    if setting.kind == "organ" and text and is_placeholder(text):
        raise SettingError(f"{label}“{text}”是示例文字，请填写本级政府的全称，如 枣庄市市中区人民政府")
    if setting.kind == "timezone" and text and text not in ("北京时间", "UTC+8", "+08:00"):
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingError(f"{label}“{text}”不是时区名称：留空即北京时间，其他时区写如 Asia/Urumqi") from None
    if setting.kind == "postcode" and text and not re.fullmatch(r"\d{6}", text):
        raise SettingError(f"{label}“{text}”应为 6 位数字")
    if setting.kind == "email" and text and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise SettingError(f"{label}“{text}”不是电子邮箱地址")
    return text
