"""An offline install bundle for desktops without internet or a usable Python (UOS, Kylin; x86_64 or
ARM64): every wheel gongkai needs, for Python 3.11 on the target platform, and the install steps.

    python scripts/build_offline_bundle.py --arch x86_64 -o 离线安装包_x86_64
    python scripts/build_offline_bundle.py --arch aarch64 -o 离线安装包_arm64
    python scripts/build_offline_bundle.py --arch aarch64 --dry-run      # only print the pip commands

The Python 3.11 runtime itself is IT's part (a signed or whitelisted package on these systems); the
bundle's 安装说明.txt says what to do with it.  Wheels only (--only-binary): nothing is compiled on the
target, where execution control refuses unsigned build tools anyway.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# manylinux2014 (glibc 2.17) where a package offers it; a few (Pillow) need glibc 2.28, which UOS 20 (Debian 10)
# and Kylin V10 (SP1, Ubuntu 20.04 base) have
PLATFORMS = {
    "x86_64": ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64"],
    "aarch64": ["manylinux2014_aarch64", "manylinux_2_17_aarch64", "manylinux_2_28_aarch64"],
}
PYTHON = "3.11"

INSTRUCTIONS = """政务公开工作台（gongkai）离线安装说明 — {arch}

本文件夹 wheels/ 中是在 Python {python}（{arch}）上运行本工具需要的全部安装文件，安装时不需要联网。

一、由信息化/IT 人员做（每台电脑一次）
1. 安装 Python {python} 运行环境（统信 UOS、银河麒麟的系统 Python 版本较低，不能直接使用）：使用单位认可的、
   已签名或已加入白名单的 Python {python} 软件包，安装到如 /opt/python3.11。
2. 在该 Python 中安装本工具（不联网）：
       /opt/python3.11/bin/python3.11 -m pip install --no-index --find-links wheels gongkai
   若系统开启了执行控制（麒麟 KySec、统信的应用签名检查），请把 /opt/python3.11 整个目录加入白名单，
   或把 Python 和上述 wheels 一起打成单位认可的安装包后再安装。
3. 建立年度工作文件夹：
       /opt/python3.11/bin/python3.11 -m automation init ~/2021年政务公开 --year 2021
   文件夹中会生成“政务公开工作台.desktop”。把它复制到 ~/.local/share/applications/（本人菜单）或
   /usr/share/applications/（所有人菜单），桌面上右键该图标选“允许运行/信任”。

二、办公室工作人员
双击“政务公开工作台”，浏览器中会打开工作台页面，按 1→4 的顺序点击按钮即可（与 Excel 控制台相同）。
关闭页面约两分钟后工作台自动退出。

本包包含：
{files}
"""


def commands(arch: str, out: Path) -> list[list[str]]:
    """The pip commands: our own wheel, then every dependency's wheel for the target platform."""
    wheels = out / "wheels"
    ours = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(ROOT)]
    deps = [sys.executable, "-m", "pip", "download", "-d", str(wheels), "--only-binary=:all:",
            "--python-version", PYTHON, "--implementation", "cp", "--abi", "cp311"]
    for tag in PLATFORMS[arch]:
        deps += ["--platform", tag]
    deps += ["--find-links", str(wheels), "gongkai"]
    return [ours, deps]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arch", choices=sorted(PLATFORMS), default="x86_64")
    p.add_argument("-o", "--output", type=Path, help="输出文件夹（默认：离线安装包_<arch>）")
    p.add_argument("--dry-run", action="store_true", help="只显示要运行的 pip 命令")
    a = p.parse_args(argv)
    out = a.output or ROOT / f"离线安装包_{a.arch}"
    for cmd in commands(a.arch, out):
        print(" ".join(cmd))
        if not a.dry_run:
            subprocess.run(cmd, check=True)
    if a.dry_run:
        return 0
    files = sorted(f.name for f in (out / "wheels").glob("*.whl"))
    if any(f.lower().startswith("xlwings") for f in files):
        raise SystemExit("xlwings 不应出现在 Linux 安装包中（它只驱动 Windows 的 Excel）")
    (out / "安装说明.txt").write_text(INSTRUCTIONS.format(arch=a.arch, python=PYTHON,
                                                       files="\n".join("  " + f for f in files)), encoding="utf-8")
    print(f"离线安装包：{out}（{len(files)} 个安装文件，见 安装说明.txt）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
