"""Problems found in user files are data: a catalogue of codes with Chinese messages.

Every stage reports what is wrong with an input as ``Problem`` records (code, file, sheet,
cell, message) instead of raising.  ``GongkaiError`` is the one exception that reaches the
CLI or the Excel panel, and it carries a problem, so the user always sees one Chinese sentence
naming the file (and the cell where there is one).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
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
    # task list workbook read-back
    "TASKLIST_INVALID": ("error", "任务清单无法读取：{file}（{detail}）"),
    "TASKLIST_MISSING_COLUMN": ("error", "{file} 的工作表“{sheet}”缺少列“{column}”，这不像是任务清单（应为“解析工作要点”生成的 任务清单.xlsx）"),
    "TASKLIST_DUPLICATE_ID": ("error", "任务清单 {file} 的“{sheet}”表 {cell} 的任务编号 {task} 与第 {first} 行重复"
                                        "（复制的行？）：新任务请改用新的任务编号，或清空编号由程序自动编号"),
    # issue 25: task identity and parsing the plan again
    "TASKLIST_DUPLICATE_KEY": ("error", "任务清单 {file} 的“{sheet}”表第 {row} 行与第 {first} 行是同一项任务复制出的行"
                                         "（隐藏的“任务标识”列 {cell} 相同），无法确定哪一行是原来的任务：请取消隐藏 {column} 列，"
                                         "清空新任务那一行的“任务标识”"),
    "TASKLIST_REPARSED": ("info", "任务清单 {file} 已存在：保留了其中的全部修改，新解析结果{differ}；原文件已备份为 {backup}"),
    "TASKLIST_BAD_DATE": ("warning", "任务清单 {file} 的 {cell} 不是有效日期：“{value}”"),
    # registry
    "REGISTRY_INVALID": ("error", "单位名录无法读取：{file}（{detail}）"),
    "REGISTRY_DUPLICATE": ("warning", "单位名录 {file} 中名称或别名“{unit}”出现多次（{cell}）"),
    # distribute
    "UNIT_UNRESOLVED": ("error", "“{unit}”（任务 {tasks}）不能确定是哪些单位：既不是单位名录中的单位，也不是名录能展开的集合名称。"
                                  "请在任务清单该任务的“实际责任单位”列写明由哪些单位落实，或在单位名录中把它补充为别名或“所属集合”"),
    "TASK_NO_REAL_UNIT": ("warning", "任务 {task} 没有落到任何具体单位，不会下发，列为“未分解”"),
    "DISTRIBUTE_UNRESOLVED": ("error", "任务清单中有 {count} 个名称不能确定是哪些单位，未生成任何工作簿：{names}。"
                                        "请在任务清单“实际责任单位”列写明由哪些单位落实，或在单位名录中补充"),
    "UNIT_UNKNOWN": ("error", "没有找到单位“{unit}”：它没有分到任务，或名称与单位名录中的不一致，请检查单位名称"),
    # collect: files
    "LOCK_FILE": ("info", "{file} 是 Office 临时锁定文件（原文件可能正被打开），已跳过"),
    "NOT_SPREADSHEET": ("info", "{file} 不是电子表格文件，已跳过"),
    "WPS_FORMAT": ("error", "{file} 是 WPS 表格专用格式（.et），请让单位在 WPS 中“另存为”.xlsx 后重新报送"),
    "UNREADABLE": ("error", "{file} 无法读取，文件可能已损坏（{detail}）"),
    "ENCRYPTED": ("error", "{file} 设置了打开密码，无法读取，请让单位取消密码后重新报送"),
    "TOO_LARGE": ("error", "{file} 过大（{size}），超过 {limit} 的限制，未读取"),
    "ZIP_BOMB": ("error", "{file} 解压后过大或压缩比异常（{detail}），可能是恶意文件，未读取"),
    "XML_BOMB": ("error", "{file} 的 {detail} 含有 XML 实体定义，可能是恶意文件，未读取"),
    "NOT_OUR_FILE": ("error", "{file} 不是下发的任务台账（没有“任务台账”工作表或表头），未汇总"),
    "WRONG_PLAN": ("error", "{file} 属于另一份工作要点或年度（“{other}”），未汇总"),
    "OLD_ROUND": ("warning", "{file} 是“{other}”下发的工作簿，不是本轮“{round}”，已按本轮汇总，请核实"),
    "PLAN_CHANGED": ("info", "{file} 下发后任务清单有修改，按当前任务清单汇总"),
    "IDENTITY_MISSING": ("warning", "{file} 缺少下发时的身份信息（可能把内容复制到了新建的工作簿），已按内容识别为“{unit}”"),
    "IDENTITY_UNKNOWN": ("error", "{file} 缺少下发时的身份信息（可能把内容复制到了新建的工作簿），按内容也无法确定是哪个单位的台账"
                                  "（几个单位的任务相同时，文件名要写明单位），未汇总。请把文件名改为单位名称（如“孟庄镇_任务台账.xlsx”）后再汇总"),
    "UNIT_NOT_EXPECTED": ("warning", "{file} 是“{unit}”的台账，但当前任务清单没有给该单位分配任务"),
    "NAME_MISMATCH": ("warning", "{file} 的文件名或文件夹是“{other}”，但工作簿是下发给“{unit}”的，已按“{unit}”汇总；"
                                "“{other}”如未另行报送，仍计为未报送，请核实是否发错了文件"),
    "SAME_AS_EARLIER": ("info", "{file} 与上一轮（{other}）报送的内容完全相同，已计入本轮"),
    "COLUMN_MOVED": ("warning", "{file} 的“任务台账”中“{column}”列被移动（原在 {was}，现在 {cell}），已按表头读取，请核对"),
    "COLUMN_RENAMED": ("warning", "{file} 的“任务台账”{cell} 的表头由“{column}”改成了“{value}”，仍按原位置读取，请核对"),
    "COLUMN_MISSING": ("error", "{file} 的“任务台账”缺少“{column}”列（原在 {cell}），该列按未填写处理"),
    "PROTECTION_REMOVED": ("warning", "{file} 的“任务台账”工作表保护被取消，请核对各行填报的内容是否仍在对应任务的行上（排序、移动单元格会使内容错位）"),
    "NO_DISTRIBUTION_RECORD": ("warning", "台账数据库中没有下发记录（工作簿可能不是用本工具下发的），应报送单位按当前任务清单和单位名录推算"),
    "TWO_RETURNS": ("warning", "“{unit}”报送了多份台账：{files}；采用 {used}（{why}）"),
    "SAME_FILE_TWICE": ("info", "{file} 与 {other} 内容完全相同，只计一次"),
    "SUMMARY_EDITED_KEPT": ("warning", "汇总表在上次汇总后被手工修改过；本次汇总的内容有变化（新报送的文件、任务清单、单位名录或截止日期等），"
                                       "汇总表已重新生成，修改过的那份另存为 "
                                       "{file}，如改过“年度报告数据”，请把改动对照抄入新汇总表"),
    "MACROS": ("info", "{file} 含有宏，宏未运行，只读取了数据"),
    "XLS_FORMAT": ("info", "{file} 是旧版 .xls 格式，已读取数值；建议单位保存为 .xlsx"),
    # issue 26: returns as units really send them
    "ARCHIVE_UNREADABLE": ("error", "压缩包 {file} 无法打开（{detail}），其中的台账未汇总；请解压后把工作簿放入回收文件夹，或让单位重新发送"),
    "ARCHIVE_NO_WORKBOOK": ("warning", "压缩包 {file} 中没有电子表格文件（.xlsx/.xlsm/.xls），未汇总"),
    "ARCHIVE_RAR": ("warning", "{file} 是 RAR 压缩包，本工具无法直接读取：请用解压软件把其中的工作簿解压到回收文件夹后再汇总"),
    "MERGED_ANSWER": ("warning", "{file} 的“任务台账”{cell} 是合并单元格，填写的“{value}”已计入合并范围内的每一行（第 {rows} 行），请核对各行是否确实如此"),
    "RETURN_BLANK": ("error", "{file} 的“任务台账”和“年度报告数据”都没有填写任何内容（完成状态、落实情况、数字全部空白），"
                              "可能发回了下发的空白工作簿，不计为已报送；请让单位填写后重新报送"),
    "LEDGER_NOT_FILLED": ("error", "{file} 的“任务台账”没有填写任何内容（完成状态、落实情况等全部空白），只填了“年度报告数据”；"
                                   "各项任务按未填写统计，请让单位填写任务台账后重新报送"),
    "ANSWERS_IN_COPY": ("warning", "{file} 的内容填在了复制出的工作表“{copy}”中，原“任务台账”是空白的；已按“{copy}”汇总，"
                                   "请单位以后直接填写“任务台账”"),
    "CLOCK_AHEAD": ("warning", "{file} 的{source}是 {time}，晚于本次汇总时间 {now}，报送单位电脑的时钟可能不准；{used}"),
    "LEDGER_PATH_TOO_LONG": ("error", "年度工作文件夹的路径太长（{length} 个字符），台账数据库 {file} 无法打开（数据库文件的完整路径最多约 170 个汉字）。"
                                      "请把年度工作文件夹移到路径较短的位置（如 D:\\政务公开\\2021年），或把上级文件夹改用较短的名称，再重新运行"),
    "LEDGER_DAMAGED": ("error", "台账数据库 {file} 已损坏（{detail}），本次没有读取也没有改动它。请用备份的 台账.sqlite 替换它后重试；"
                                "没有备份时，把它改名留存（如 台账_损坏.sqlite）并联系维护人员，不要删除"),
    "SUMMARY_COLUMN_UNKNOWN": ("warning", "{file} 的“年度报告数据”{cell} 列的标题“{value}”不是单位进度表中的单位，这一列没有计入任何单位和合计"
                                          "（办公室加的备注列可以保留；如是单位，请把标题改为单位名称）"),
    "SUMMARY_ROW_UNKNOWN": ("warning", "{file} 的“年度报告数据”{cell} 行的“{value}”不是单位进度表中的单位，这一行没有计入任何单位和合计"
                                       "（办公室加的备注行可以保留；如是单位，请改为单位名称）"),
    "REPORT_FIGURES_BLANK": ("error", "“{unit}”的年度报告数据有 {count} 个应填的格子是空白：{file}“年度报告数据”{cells}。"
                                      "空白不是 0：请在这些格子填写数字（没有发生的填 0），再把该单位的数据状态改为“可用”"),
    "REPORT_FIGURE_BAD": ("error", "“{unit}”的{label}（{file}“年度报告数据”{cell}）应为{kind}，实为“{value}”，请改正"),
    "FIGURE_VERY_LARGE": ("warning", "{file} 的 {sheet}!{cell}（{label}）为 {value}，超过 {limit}：数字已计入，请向单位核实不是多打了位数"),
    # collect: content
    "TASK_CHANGED": ("warning", "{file} 中任务 {task} 的“{column}”被修改（{cell}），已按下发内容汇总"),
    "ROW_INSERTED": ("warning", "{file} 的“任务台账”第 {row} 行是插入的行（任务编号“{task}”不是下发的任务），未汇总该行"),
    "ROW_DELETED": ("warning", "{file} 中任务 {task} 的行被删除，视为未填写"),
    "ROW_MOVED": ("warning", "{file} 中任务 {task} 的行位置被移动（现在第 {row} 行），已按任务编号汇总"),
    "INVALID_STATUS": ("error", "{file} 的 {cell}：完成状态“{value}”无效，应为 未启动、推进中、已完成 或 不适用"),
    "DONE_NO_DATE": ("warning", "{file} 的 {cell}：任务 {task} 标为已完成，但没有填写完成时间"),
    "DONE_NO_DETAIL": ("warning", "{file} 的 {cell}：任务 {task} 标为已完成，但没有填写落实情况"),
    "NA_NO_REASON": ("warning", "{file} 的 {cell}：任务 {task} 标为不适用，但没有在“存在问题”中说明理由"),
    "BAD_DATE": ("error", "{file} 的 {cell}：“{value}”不是有效日期"),
    "DATE_FUTURE": ("warning", "{file} 的 {cell}：完成时间 {value} 晚于汇总日期"),
    "DATE_BEFORE_PLAN": ("warning", "{file} 的 {cell}：完成时间 {value} 早于工作要点年度"),
    "TEXT_IN_NUMBER": ("error", "{file} 的 {sheet}!{cell} 应填数字，实为“{value}”（{hint}）"),
    "EXTRA_NOT_NUMBER": ("warning", "{file} 的 {sheet}!{cell}（{label}）应填数字，实为“{value}”，年度报告正文不写这一项（{hint}）"),
    "FIGURE_TOO_LARGE": ("error", "{file} 的 {sheet}!{cell} 为“{value}”，超过 {limit}，应是填写错误"),
    "TOTAL_MISMATCH": ("error", "{file} 的 {sheet}!{cell}（{label}）填的是 {value}，但各项之和是 {computed}：请核对各项或总计"),
    "FIGURES_NOT_REPORTED": ("error", "{file} 的“年度报告数据”全部空白，视为未报送年度报告数据（没有发生的事项请填 0）"),
    "FIGURE_ROW_BLANK": ("error", "{file} 的“年度报告数据”中{row}一行全部空白（{cell}），没有发生请填 0"),
    "PROGRESS_OUT_OF_RANGE": ("error", "{file} 的 {sheet}!{cell}：完成进度“{value}”不在 0 到 100% 之间"),
    "NEGATIVE_NUMBER": ("error", "{file} 的 {sheet}!{cell} 不能为负数（{value}）"),
    "FORMULA_IN_INPUT": ("warning", "{file} 的 {sheet}!{cell} 应填数值，实为公式，已按其计算结果读取"),
    "FIGURES_INCONSISTENT": ("error", "{file} 的年度报告数据不一致（{sheet}!{cell}）：{detail}"),
    "LATE": ("warning", "“{unit}”于 {time} 报送（{source}），晚于截止日期 {due}"),
    # issue 25: rounds, the ledger as the year's record
    "DISTRIBUTE_RESUMED": ("warning", "上次在 {time} 开始的下发没有完成（{file} 中只生成了部分工作簿，台账中没有下发记录），"
                                      "本次已全部重新生成并记入台账"),
    "LEDGER_REPLACED": ("error", "台账数据库 {file} 不是生成汇总表 {other} 的那一个（那一个建立于 {created}）：台账可能被删除或换成了"
                                 "别的文件，继续汇总会把以前各轮的文件重新计入本轮。请把原来的台账数据库放回原处；"
                                 "如确要从头建立全年的台账，先把汇总表 {other} 移走"),
    "NOT_RETURNED": ("warning", "“{unit}”未报送{contacts}"),
    # issue 25 (h25d): merged units, a lost ledger
    "MERGED_ANSWERS": ("info", "“{unit}”有 {count} 项任务的填报取自并入（或改名前）的单位报送的 {file}（{round}），"
                               "其余取自 {main}；这些任务以后有新的填报时以新的为准"),
    "LEDGER_LOST": ("error", "台账数据库 {file} 不是本年度下发工作簿时记录的那一个：{returned}{count_text} 记录的台账建立于 {created}"
                             "（{rounds}），现在的台账{now}。原来的台账可能被删除或换成了别的文件，继续会把以前各轮的文件当作本轮"
                             "重新计入，所以没有继续。请把原来的台账数据库（备份的 台账.sqlite）放回 {file} 后再运行；没有备份时"
                             "以前各轮的记录无法恢复，如确要从头建立全年的台账，请先把以前各轮下发和回收的文件移出 下发、回收 文件夹"),
    "MERGED_FIGURES": ("warning", "“{unit}”的几个名称都报送了年度报告数据：采用最新的 {file}（{round}），{others} 中的数据"
                                  "没有计入，也没有相加。如并入单位的数据应一并计入本单位，请在汇总表“年度报告数据”中更正该单位的数字"),
    "MERGED_FIGURES_UNUSED": ("warning", "“{unit}”最新报送的 {file}（{round}）没有填写年度报告数据；并入（或改名前）的单位报送的"
                                         " {others} 中有数据，没有代替本单位的数据。请该单位补报，或在汇总表“年度报告数据”中"
                                         "填写该单位的数字"),
    # issue 27 (what people see)
    "CONTACTS_MISSING": ("info", "单位名录中没有 {count} 个未报送单位（{units}）的联系人和电话；催报前可在单位名录.xlsx 的"
                                 "“联系人”“联系电话”列补填，下次汇总时列出"),
    # report
    "SUMMARY_INVALID": ("error", "汇总表无法读取：{file}（{detail}）"),
    "REPORT_FIGURES_UNUSABLE": ("error", "“{unit}”的年度报告数据{status}（见汇总表“问题清单”中该单位的问题），不生成报告；"
                                          "单位改正后重新汇总，或办公室在汇总表“年度报告数据”中改正并把数据状态改为“可用”"),
    "REPORT_UNITS_UNUSABLE": ("error", "汇总报告要合计的单位中，{units} 的年度报告数据不能使用，汇总报告未生成；"
                                        "改正后重新生成，或选择不计这些单位生成"),
    "REPORT_DATE_MISSING": ("warning", "“{unit}”的报告落款日期留空，请在 Word 中填写（或在“报告设置”填写成文日期后重新生成）"),
    "YEAR_ON_YEAR_JUMP": ("warning", "“{unit}”的{label}为 {value}，上年为 {last}，变化超过 5 倍，请核实"),
    "RULES_NOT_ALLOWED": ("warning", "“{unit}”填写了规章（{cells}），但{kind}无权制定规章，请核实是否应填在行政规范性文件中"),
    "NORM_MADE_NOT_IN_FORCE": ("warning", "“{unit}”本年制发{label} {new} 件，现行有效件数却为 0，请核实"),
    "ABOLISHED_EXCEEDS": ("warning", "“{unit}”本年废止{label} {deleted} 件，多于现行有效（{current} 件）与本年制发（{new} 件）之和，请核实"),
    "REPORT_STANDARD_TEXT": ("info", "“{unit}”的报告中{places}是通用表述或待填写内容，单位没有报送可用的材料，请撰稿人根据实际改写"),
    "REPORT_ROUND_NOT_YEAR_END": ("warning", "报告依据的是“{round}”的数据（截至{date}），还不是年底的情况：工作要点落实情况、存在问题会写成年中状态。"
                                              "请年底再调度一次、汇总后重新生成报告"),
    "ZERO_AMONG_BUSY_PEERS": ("warning", "“{unit}”的{label}为 0，而同类单位平均为 {average}，请核实是否漏填"),
    "REPORT_CHECK_FAILED": ("error", "“{unit}”的年度报告数据未通过校验：表{table}“{row}”行“{column}”列——{detail}"),
    # issue 28: the year's data only, contradictions flagged
    "REPORT_MIDYEAR_DATA": ("error", "“{unit}”的数据来自“{round}”（{date}），不是年终调度的数据，不生成报告；"
                                      "请年底调度后重新汇总，或由办公室确认使用该单位的年中数据（“报告设置”中的“接受年中数据的单位”，"
                                      "命令行 --accept-midyear）"),
    "REPORT_UNITS_MIDYEAR": ("error", "汇总报告要合计的单位中，{units} 的数据不是年终调度的数据，汇总报告未生成；"
                                       "请年底调度后重新汇总，或由办公室逐个确认使用这些单位的年中数据，或选择不计这些单位生成"),
    "REPORT_MIDYEAR_ACCEPTED": ("warning", "{units}的数据来自年中调度（{detail}），办公室已确认使用：报告按截至该日的情况写，"
                                           "发布前请核对并说明"),
    "REPORT_FIGURES_CONTRADICT": ("warning", "待核实：“{unit}”报告中{first}与{second}说的是同一件事，数字不同，请核实后统一"),
    "STATUS_PROGRESS_CONFLICT": ("warning", "{file} 的 {sheet}!{cell}：任务标为“{status}”，完成进度却填了 {progress}，请核实"),
    # issue 27: console settings that would change the year or the round, placeholders, re-generated reports
    "SETTING_INVALID": ("error", "{detail}。请在{where}改正后再点一次"),
    "SETTING_MISSING": ("error", "还没有填写“{label}”（{why}），{step}未运行。请在{where}填写后再点一次"),
    "YEAR_MISMATCH": ("error", "控制台“年度”填的是 {year} 年，但{source}是 {other} 年的，未运行。请把“年度”改为 {other}；"
                               "如确需按 {year} 年度，请在“年度与要点不一致时”一栏选“按所填年度”后再点一次"),
    "ROUND_NOT_DISTRIBUTED": ("error", "调度轮次“{round}”还没有下发过，未汇总（否则汇总表会把所有单位算作未报送）。"
                                       "已下发的轮次：{rounds}。请在“调度轮次”一栏填写其中之一，或先用这个轮次下发"),
    "UNIT_NOT_FOUND": ("error", "“{label}”中的“{unit}”不是本年度下发过任务的单位{near}，未汇总，请改正后再运行"),
    "DISTRIBUTE_LEFT_OPEN": ("warning", "没有填写{what}：各单位工作簿的填报说明中写的是“按办公室通知”，请另行通知各单位"),
    "REPORT_EXISTS": ("warning", "{file} 已存在，这次没有覆盖（不是数据问题）"),
    "REPORT_EDITED_KEPT": ("warning", "{file} 在上次生成后被修改过，修改过的那份已另存为 {kept}；新生成的报告不含这些修改，请对照后把修改移过来"),
    # workspace / console
    "NO_PLAN_FILES": ("error", "“{file}”文件夹中没有工作要点文件（.docx、.pdf、.txt）"),
    "NO_WORKSPACE": ("error", "在 {file} 及其上级文件夹中找不到 控制台.xlsm，请先运行 gongkai init 建立年度工作文件夹"),
    # reminders (催报), circular (通报), the next year (issue 30)
    "REMIND_NOT_COLLECTED": ("error", "回收文件夹 {file} 中有 {count} 个文件还没有汇总（{names}），请先点“汇总回收工作簿”再催报，"
                                       "以免向已经报送的单位催要"),
    "BULLETIN_SETTINGS_INVALID": ("error", "通报设置 {file} 有误：{detail}"),
    "REMIND_ROUND_NOT_SENT": ("error", "调度轮次“{round}”还没有下发记录（{file} 中最近一轮是“{latest}”），无从催报；"
                                        "请检查控制台的“调度轮次”"),
    "REMIND_NOTHING_COLLECTED": ("error", "台账数据库 {file} 中还没有汇总记录：请先下发、汇总一次，再催报或通报"),
    # generic
    "BAD_ARGUMENT": ("error", "{detail}"),
    "OUTPUT_EXISTS": ("error", "输出文件已存在，未覆盖：{file}"),
    "OUTPUT_IS_INPUT": ("error", "输出文件 {file} 就是输入文件，不能覆盖，请换一个输出文件名"),
    "OUTPUT_IN_INPUT_FOLDER": ("error", "输出文件 {file} 在输入文件夹 {folder} 中，会覆盖或混入输入文件，请换一个位置"),
    "OUTPUT_IS_FOLDER": ("error", "输出位置 {file} 是一个文件夹，请给出文件名"),
    "OUTPUT_NOT_WRITABLE": ("error", "无法在 {file} 写入（没有写权限或磁盘只读），请换一个位置或请管理员开放权限"),
    "DISK_FULL": ("error", "磁盘 {disk} 已满，{file} 未写入（原文件保持不变），请清理磁盘后重试"),
    "LEDGER_BUSY": ("error", "另一个汇总正在使用台账数据库 {file}，请等它完成后再试"),
    "LEDGER_READONLY": ("error", "台账数据库 {file} 是只读的，无法记录，请检查文件权限"),
    "BAD_FILE_NAME": ("warning", "文件名的编码无法识别（多为 GBK 编码的压缩包解压所致），已跳过：{file}。请改名后重新放入"),
    "PREVIOUS_MISMATCH": ("error", "上年汇总表 {file} 是 {other} 年度的，本报告是 {year} 年度，应使用 {expected} 年度的汇总表"),
    "OUTPUT_LOCKED": ("error", "无法写入 {file}，可能正在 Excel/WPS 中打开，请关闭后重试。"),
    "TEMPLATE_INVALID": ("error", "模板 {file} 不可用：{detail}"),
    "INTERNAL_ERROR": ("error", "程序内部错误（{detail}）"),
}


@dataclass
class Problem:
    code: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    round: str = ""          # the collection round it was found in (ledger entries)

    @property
    def severity(self) -> str:
        return CATALOGUE[self.code][0]

    @property
    def message(self) -> str:
        template = CATALOGUE[self.code][1]
        values = {"file": self.file, "sheet": self.sheet, "cell": self.cell}
        values.update(self.params)
        # a value the caller did not give reads as blank (tests/test_problems.py checks every call site
        # gives them; ledgers written by older versions may lack a newer parameter)
        return template.format_map(defaultdict(str, values))

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
