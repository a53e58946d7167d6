"""Build the default templates shipped in workbook_templates/ and report_templates/.

    python scripts/build_templates.py            # all
    python scripts/build_templates.py registry   # only 单位名录示例.xlsx

Run it after changing a template's layout, then review the result in Excel/LibreOffice and commit.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from automation.registry import Registry, UnitInfo, write_registry  # noqa: E402

TOWNS = ["孟庄镇", "税郭镇", "齐村镇", "西王庄镇", "永安镇"]
STREETS = ["光明路街道", "中心街街道", "文化路街道", "龙山路街道", "垎塔埠街道", "矿区街道"]
ALL_TOWNS_STREETS = ["各镇街", "各镇（街）", "各镇〈街〉政府〈办事处〉", "各镇街道", "镇街"]
DEPARTMENTS = [
    ("区政府办公室", "区政府办、区府办、区政府办公室"),
    ("区发展和改革局", "区发改局、区发展改革局"),
    ("区财政局", ""),
    ("区工业和信息化局", "区工信局、区经信局"),
    ("区农业农村局", "区农业局"),
    ("区商务和投资促进局", "区商务局"),
    ("区卫生健康局", "区卫健局、卫健局、区卫计局"),
    ("区文化和旅游局", "区文旅局"),
    ("区地方金融监督管理局", "区地方金融监管局、区金融办"),
    ("区市场监督管理局", "区市场监管局"),
    ("区司法局", "区法制办"),
    ("区行政审批服务局", "区行政审批局、区政务服务中心管理办公室"),
    ("区教育和体育局", "区教体局、区教育局"),
    ("区退役军人事务局", "区退役军人局"),
    ("区人力资源和社会保障局", "区人社局"),
    ("区民政局", ""),
    ("区医疗保障局", "区医保局"),
    ("枣庄市生态环境局市中分局", "区生态环境分局、区环保局"),
    ("区自然资源局", "区国土资源分局"),
    ("区应急管理局", "区应急局、区安监局"),
    ("枣庄市公安局市中分局", "区公安分局"),
    ("区住房和城乡建设局", "区住建局"),
    ("区交通运输局", "区交运局"),
    ("区城乡水务局", "区水务局"),
    ("区大数据中心", ""),
]
ALL_DEPARTMENTS = ["区政府各部门", "区政府各部门单位", "区各部门", "各部门"]


def sample_registry() -> Registry:
    reg = Registry()
    for t in TOWNS:
        reg.units[t] = UnitInfo(t, [t + "人民政府", t + "政府"], "镇街", "", "",
                                ALL_TOWNS_STREETS + ["各镇人民政府", "各镇政府", "各镇"])
    for s in STREETS:
        reg.units[s] = UnitInfo(s, [s + "办事处", s.replace("街道", "") + "街道办事处"], "镇街", "", "",
                                ALL_TOWNS_STREETS + ["各街道办事处", "各街道", "街道办事处"])
    for name, aliases in DEPARTMENTS:
        reg.units[name] = UnitInfo(name, [a for a in aliases.split("、") if a and a != name], "部门", "", "",
                                   list(ALL_DEPARTMENTS))
    reg.units["枣庄经济开发区管委会"] = UnitInfo("枣庄经济开发区管委会", ["经开区", "枣庄经济开发区", "经济开发区管委会"],
                                             "其他", "", "", [])
    reg._index()
    return reg


def build_registry(out: Path | None = None) -> Path:
    return write_registry(sample_registry(), out or ROOT / "workbook_templates" / "单位名录示例.xlsx")


BUILDERS = {"registry": build_registry}


def main(argv: list[str]) -> None:
    names = argv or list(BUILDERS)
    for name in names:
        print("已生成：", BUILDERS[name]())


if __name__ == "__main__":
    main(sys.argv[1:])
