"""The command line speaks Chinese throughout: argparse's own words (usage, headings, -h, errors) too."""
import re
import subprocess
import sys
import unicodedata

import pytest

from automation.cli import build_parser

ENGLISH = ("usage:", "positional arguments", "optional arguments", "options:", "show this help", "error:",
           "the following arguments", "invalid choice", "unrecognized")


def help_of(name, capsys) -> str:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(([name] if name else []) + ["--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@pytest.mark.parametrize("name", [None, "plan", "registry", "distribute", "collect", "report", "remind", "bulletin",
                                  "init", "console", "run", "panel", "demo"])
def test_every_help_is_chinese_and_aligned(name, capsys):
    text = help_of(name, capsys)
    assert text.startswith("用法：gongkai") and "选项：" in text and "显示本帮助并退出" in text
    assert not [w for w in ENGLISH if w in text], text
    if name in ("report", "collect", "run"):
        assert "位置参数：" in text
    # an option's help starts at the same screen column whatever its name's script
    starts = set()
    for line in text.splitlines():
        m = re.match(r"^(  -\S.*?) {2,}(\S.*)$", line)
        if m:
            starts.add(columns(line[:line.index(m.group(2), len(m.group(1)))]))
    assert len(starts) <= 1, (name, starts)
    assert not re.findall(r"\b[A-Z][A-Z_]{2,}\b(?! 格式)", text.split("\n\n", 1)[0])    # no WORKSPACE, NEW_DUE … in usage


def test_subcommand_list_covers_every_command(capsys):
    text = help_of(None, capsys)
    for name in ("plan", "registry", "distribute", "collect", "report", "remind", "bulletin", "init", "console", "run",
                 "panel", "demo"):
        assert re.search(rf"^    {name}\b", text, re.M), name


@pytest.mark.parametrize("args, words", [
    (["init", "年度文件夹"], "缺少必需的参数：--year"),
    (["init", "x", "--year", "二〇二一"], "参数 --year：“二〇二一”不是数字"),
    (["run", "汇总"], "参数 action：“汇总”不是可选的值"),
    (["plan", "--bogus"], "无法识别的参数：--bogus"),
    (["report", "--year"], "参数 --year 后面需要一个值"),
])
def test_mistyped_commands_are_answered_in_chinese_with_exit_2(args, words):
    r = subprocess.run([sys.executable, "-m", "automation", *args], capture_output=True, text=True)
    assert r.returncode == 2
    assert words in r.stderr and "用法：" in r.stderr and "错误：" in r.stderr, r.stderr
    assert not [w for w in ENGLISH if w in r.stderr], r.stderr


def test_a_new_command_is_one_function_and_its_words_one_more(monkeypatch, capsys, tmp_path):
    """A subcommand is one function in cli.COMMANDS (its parser, arguments and stage) and its result's words one
    function in cli.SAYINGS: added, `gongkai -h` lists it last, it runs, and the terminal says its result."""
    from dataclasses import dataclass

    from automation import cli

    @dataclass
    class EchoResult:
        text: str

    def echo_command(sub):
        sp = sub.add_parser("echo", help="原样显示一段文字")
        sp.add_argument("text", help="文字")
        sp.add_argument("-o", "--output", default="x", help="输出路径")
        sp.set_defaults(func=lambda a: EchoResult(f"{a.text}→{a.output}"))

    monkeypatch.setattr(cli, "COMMANDS", cli.COMMANDS + (echo_command,))
    monkeypatch.setattr(cli, "SAYINGS", {**cli.SAYINGS, EchoResult: lambda r: cli.Said([f"显示：{r.text}"], 1)})
    listed = re.findall(r"^    (\w+)", help_of(None, capsys), re.M)
    assert listed[-2:] == ["demo", "echo"] and len(listed) == len(cli.COMMANDS)
    assert "用法：gongkai echo [-h] [-o 路径] text" in help_of("echo", capsys)      # METAVARS name known values
    assert cli.main(["echo", "你好", "-o", "y"]) == 1
    assert capsys.readouterr().out == "显示：你好→y\n"
    with pytest.raises(TypeError):
        cli.say(object())                                   # a result nobody words is a programming error
