"""The VBA project inside 控制台.xlsm, checked against [MS-OVBA] with decoders written here from the
specification (not the encoder run backwards), oletools' decompressor and, when present, LibreOffice."""
import re
import subprocess
import zipfile

import olefile
import pytest
from oletools.olevba import decompress_stream

from automation import vba
from automation.console import PANEL_MODULE, build_console, panel_module_source, xlwings_module_source
from conftest import soffice

# [MS-OVBA] 3.1.6 PROJECT Stream Example
SPEC_ID = "{917DED54-440B-4FD1-A5C1-74ACF261E600}"
SPEC_CMG, SPEC_DPB, SPEC_GC = "0705D8E3D8EDDBF1DBF1DBF1DBF1", "0E0CD1ECDFF4E7F5E7F5E7", "1517CAF1D6F9D7F9D706"


def decrypt(hex_text: str) -> dict:
    """[MS-OVBA] 2.4.3.3 Decryption, step by step as the specification states it."""
    data = bytes.fromhex(hex_text)
    seed, version_enc, proj_key_enc = data[0], data[1], data[2]
    state = {"unenc1": seed ^ proj_key_enc, "enc1": proj_key_enc, "enc2": version_enc, "pos": 3}

    def read() -> int:
        byte_enc = data[state["pos"]]
        state["pos"] += 1
        byte = byte_enc ^ ((state["enc2"] + state["unenc1"]) % 256)
        state["enc2"], state["enc1"], state["unenc1"] = state["enc1"], byte_enc, byte
        return byte

    ignored = [read() for _ in range((seed & 6) // 2)]
    length = sum(read() << (8 * i) for i in range(4))
    plain = bytes(read() for _ in range(length))
    return {"seed": seed, "version": seed ^ version_enc, "key": seed ^ proj_key_enc, "ignored": bytes(ignored),
            "length": length, "data": plain, "trailing": len(data) - state["pos"]}


def checksum(project_id: str) -> int:
    return sum(project_id.encode("ascii")) % 256


def test_spec_worked_example_decrypts_and_is_reproduced():
    cmg, dpb, gc = decrypt(SPEC_CMG), decrypt(SPEC_DPB), decrypt(SPEC_GC)
    for value in (cmg, dpb, gc):
        assert value["version"] == 2 and value["key"] == checksum(SPEC_ID) == 0xDF and value["trailing"] == 0
    assert (cmg["length"], cmg["data"]) == (4, bytes(4))
    assert (dpb["length"], dpb["data"]) == (1, b"\x00")
    assert (gc["length"], gc["data"]) == (1, b"\xff")
    # our encoder, given the example's seed and ignored bytes, writes the example byte for byte
    for text, value in ((SPEC_CMG, cmg), (SPEC_DPB, dpb), (SPEC_GC, gc)):
        assert vba.encrypt(SPEC_ID, value["data"], seed=value["seed"], ignored=value["ignored"]) == text


def test_encrypt_any_seed_round_trips():
    pid = "{9E394C0B-697E-4AEE-9FA6-446F51FB30DC}"
    for seed in range(256):
        text = vba.encrypt(pid, b"\x00\x00\x00\x00", seed=seed)
        got = decrypt(text)
        assert got["seed"] == seed and got["key"] == checksum(pid) and got["length"] == 4
        assert got["data"] == bytes(4) and got["trailing"] == 0


def project_parts(xlsm):
    with zipfile.ZipFile(xlsm) as z:
        ole = olefile.OleFileIO(z.read("xl/vbaProject.bin"))
    project = ole.openstream("PROJECT").read().decode("cp1252")
    dir_stream = decompress_stream(bytearray(ole.openstream("VBA/dir").read()))
    return project, bytes(dir_stream)


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    return build_console(tmp_path_factory.mktemp("console") / "控制台.xlsm", year=2021)


def project_fields(project: str) -> dict:
    return dict(line.split("=", 1) for line in project.split("\r\n") if "=" in line and not line.startswith("&H"))


def test_built_console_protection_fields_decrypt(console, tmp_path):
    project, _ = project_parts(console)
    fields = project_fields(project)
    project_id = fields["ID"].strip('"')
    assert re.fullmatch(r"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}", project_id)
    expected = {"CMG": bytes(4), "DPB": b"\x00", "GC": b"\xff"}
    for name, data in expected.items():
        value = decrypt(fields[name].strip('"'))
        assert value["version"] == 2, name
        assert value["key"] == checksum(project_id), name
        assert value["length"] == len(data) and value["data"] == data and value["trailing"] == 0, name
    assert 16 <= len(fields["DPB"].strip('"')) and 16 <= len(fields["GC"].strip('"')) <= 22
    # a new random seed every time a project is written
    other = build_console(tmp_path / "控制台.xlsm", year=2021)
    assert project_fields(project_parts(other)[0])["CMG"] != fields["CMG"]


def dir_records(data: bytes) -> list[int]:
    """The record ids of a decompressed dir stream ([MS-OVBA] 2.3.4.2)."""
    ids, pos = [], 0
    while pos < len(data):
        rid, size = int.from_bytes(data[pos:pos + 2], "little"), int.from_bytes(data[pos + 2:pos + 6], "little")
        ids.append(rid)
        pos += 6 + (6 if rid == 0x09 else size)          # PROJECTVERSION: Reserved=4, then 4+2 bytes
        if rid == 0x10:
            break
    assert pos == len(data), "bytes after the dir terminator"
    return ids


DIR_GRAMMAR = re.compile(
    r"01 02 14 03 04 05 40 06 3D 07 08 09 0C 3C "            # PROJECTINFORMATION, no COMPATVERSION (4A)
    r"(16 3E (0D|0E|2F|33) )*"                              # PROJECTREFERENCES: name, then the reference
    r"0F 13 "                                               # PROJECTMODULES: count, cookie
    r"(19 47 1A 32 1C 48 31 1E 2C (21|22) (25 )?(28 )?2B )+"  # each MODULE
    r"10")                                                  # dir terminator


def test_dir_stream_has_only_the_records_excel_writes(console):
    _, dir_stream = project_parts(console)
    ids = dir_records(dir_stream)
    assert 0x4A not in ids
    assert DIR_GRAMMAR.fullmatch(" ".join(f"{i:02X}" for i in ids)), ids
    assert ids.count(0x19) == 7                         # ThisWorkbook, 4 sheets, our module, xlwings


def test_libreoffice_round_trip_keeps_both_modules(console, tmp_path):
    exe = soffice()
    if not exe:
        pytest.skip("LibreOffice 未安装")
    out = tmp_path / "out"
    subprocess.run([exe, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                    "xlsm:Calc MS Excel 2007 VBA XML", "--outdir", str(out), str(console)],
                   check=True, capture_output=True, timeout=240)
    resaved = out / "控制台.xlsm"
    from oletools.olevba import VBA_Parser

    macros = {name.rsplit(".", 1)[0]: code for _, _, name, code in VBA_Parser(str(resaved)).extract_macros()}

    def norm(text):
        return [ln.rstrip() for ln in text.replace("\r\n", "\n").strip().split("\n")
                if not ln.startswith("Attribute VB_")]

    assert norm(macros[PANEL_MODULE]) == norm(panel_module_source())
    assert norm(macros["xlwings"]) == norm(xlwings_module_source())
    # LibreOffice wrote a project of its own (new ID): its protection fields decode like ours
    fields = project_fields(project_parts(resaved)[0])
    assert fields["ID"] != project_fields(project_parts(console)[0])["ID"]
    for name, data in {"CMG": bytes(4), "DPB": b"\x00", "GC": b"\xff"}.items():
        value = decrypt(fields[name].strip('"'))
        assert value["key"] == checksum(fields["ID"].strip('"')) and value["data"] == data, name
