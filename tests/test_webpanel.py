"""The browser panel: the same steps through the same seam, and nobody but its own page can use it."""
import datetime as dt
import json
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import openpyxl
import pytest

from automation.resources import sample_plan
from automation.panel import OpenpyxlPanel
from automation.steps import REPORT_SETTINGS, SETTINGS, STEPS
from automation.webpanel import start_panel
from automation.workspace import LAUNCHER, init_workspace


@pytest.fixture
def panel(tmp_path):
    init_workspace(tmp_path / "2021年政务公开", 2021)
    root = tmp_path / "2021年政务公开"
    shutil.copy(sample_plan(), root / "工作要点" / sample_plan().name)
    server = start_panel(root)
    yield server
    server.httpd.shutdown()


def call(server, path, body=None, token=True, headers=None):
    url = f"http://127.0.0.1:{server.port}{path}"
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode("utf-8"),
                                 method="GET" if body is None else "POST")
    if token:
        req.add_header("X-Gongkai-Token", server.token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def state(server):
    code, text = call(server, "/api/state")
    assert code == 200
    return json.loads(text)


def wait_done(server, key, seconds=120):
    end = time.time() + seconds
    while time.time() < end:
        s = state(server)
        if not s["running"]:
            return next(x for x in s["steps"] if x["key"] == key)
        time.sleep(0.3)
    raise AssertionError("step did not finish")


def test_only_its_own_page_gets_an_answer(panel):
    assert call(panel, "/api/state", token=False)[0] == 403                              # no token
    assert call(panel, "/api/state?t=wrong", token=False)[0] == 403                      # wrong token
    assert call(panel, f"/?t={panel.token}", token=False)[0] == 200                      # the page's own URL
    assert call(panel, "/api/state", headers={"Origin": "http://evil.example"})[0] == 403     # another site
    assert call(panel, "/api/run/plan", {}, headers={"Origin": "http://evil.example"})[0] == 403
    assert call(panel, "/api/state", headers={"Host": f"evil.example:{panel.port}"})[0] == 403  # DNS rebinding
    assert call(panel, "/api/state", headers={"Origin": f"http://127.0.0.1:{panel.port}"})[0] == 200
    assert panel.httpd.server_address[0] == "127.0.0.1"
    # nothing but the four steps runs, nothing but their outputs opens
    assert json.loads(call(panel, "/api/run/rm%20-rf", {})[1])["ok"] is False
    assert json.loads(call(panel, "/api/open/..%2F..%2Fetc", {})[1])["ok"] is False


def test_the_page_shows_the_settings_and_steps_of_the_control_workbook(panel):
    code, html = call(panel, f"/?t={panel.token}", token=False)
    assert code == 200 and "政务公开工作台" in html and "X-Gongkai-Token" in html
    s = state(panel)
    assert [x["name"] for x in s["settings"]] == [x.name for x in SETTINGS]
    assert [x["label"] for x in s["steps"]] == [x.label for x in STEPS]
    assert all(x["status"] == "未运行" for x in s["steps"]) and s["running"] is None
    year = next(x for x in s["settings"] if x["name"] == "GK_YEAR")
    assert year["value"] == "2021" and year["kind"] == "year"


def test_settings_saved_in_the_control_workbook_and_bad_ones_refused(panel):
    r = json.loads(call(panel, "/api/settings", {"GK_DUE": "2021-07-10", "GK_ROUND": "第1轮", "GK_FORCE": "是",
                                                  "NOT_A_SETTING": "x"})[1])
    assert r["ok"]
    wb = openpyxl.load_workbook(panel.workspace.console, keep_vba=True)
    cell = lambda n: wb[next(iter(wb.defined_names[n].destinations))[0]][  # noqa: E731
        next(iter(wb.defined_names[n].destinations))[1].replace("$", "")].value
    assert cell("GK_ROUND") == "第1轮" and cell("GK_FORCE") == "是" and cell("GK_DUE").date() == dt.date(2021, 7, 10)
    assert not json.loads(call(panel, "/api/settings", {"GK_FORCE": "也许"})[1])["ok"]
    assert not json.loads(call(panel, "/api/settings", {"GK_YEAR": "二〇二一"})[1])["ok"]


def test_a_step_runs_from_the_page_and_its_output_is_there(panel, monkeypatch):
    opened = []
    monkeypatch.setattr("automation.webpanel.subprocess.Popen", lambda args, **kw: opened.append(args))
    assert not json.loads(call(panel, "/api/open/plan", {})[1])["ok"]                     # nothing yet
    assert json.loads(call(panel, "/api/run/plan", {})[1])["ok"]
    second = json.loads(call(panel, "/api/run/distribute", {})[1])                        # one step at a time
    step = wait_done(panel, "plan")
    assert step["status"].startswith("完成") and step["exists"], step
    assert not second["ok"] or state(panel)["steps"][1]["status"] != "未运行"
    assert "40 项任务" in state(panel)["message"]
    assert (panel.workspace.root / "任务清单.xlsx").exists()
    assert json.loads(call(panel, "/api/open/plan", {})[1])["ok"]
    assert opened and Path(opened[0][-1]).name == "任务清单.xlsx"


def test_init_writes_a_desktop_launcher_for_the_panel(tmp_path):
    r = init_workspace(tmp_path / "年度", 2021)
    text = (tmp_path / "年度" / LAUNCHER).read_text(encoding="utf-8")
    assert r.launcher.name == LAUNCHER and "Terminal=false" in text and "-m automation panel" in text
    assert f'"{(tmp_path / "年度").resolve()}"' in text and (tmp_path / "年度" / LAUNCHER).stat().st_mode & 0o111


def test_without_xlwings_the_buttons_say_what_to_use_instead(tmp_path, monkeypatch):
    import builtins

    from automation.console import build_vba, xlwings_module_source

    real = builtins.__import__

    def no_xlwings(name, *a, **kw):
        if name == "xlwings":
            raise ImportError(name)
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_xlwings)
    source = xlwings_module_source()
    assert "Public Function RunPython" in source and "MsgBox" in source and "ChrW(" in source
    source.encode("cp1252")                                     # the VBA project's code page
    assert build_vba()
    r = init_workspace(tmp_path / "麒麟", 2021)
    assert r.console.exists() and (tmp_path / "麒麟" / LAUNCHER).exists()


class WebDriver:
    """Enough of the W3C WebDriver protocol (chromedriver's HTTP API) to load a page, find, click, read."""

    def __init__(self, driver_exe: str, chromium: str):
        import socket
        import subprocess

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen([driver_exe, f"--port={self.port}"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                self._call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium, "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]}}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method: str, path: str, body=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode("utf-8"),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read().decode("utf-8"))["value"]

    def s(self, method: str, path: str, body=None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def get(self, url: str) -> None:
        self.s("POST", "/url", {"url": url})

    def element(self, element_id: str) -> str:
        found = self.s("POST", "/elements", {"using": "css selector", "value": f"#{element_id}"})
        return next(iter(found[0].values())) if found else ""

    def text(self, element_id: str) -> str:
        return self.s("GET", f"/element/{self.element(element_id)}/text")

    def enabled(self, element_id: str) -> bool:
        return bool(self.element(element_id)) and self.s("GET", f"/element/{self.element(element_id)}/enabled")

    def click(self, element_id: str) -> None:
        self.s("POST", f"/element/{self.element(element_id)}/click", {})

    def script(self, js: str):
        return self.s("POST", "/execute/sync", {"script": js, "args": []})

    def until(self, check, seconds: float = 180):
        end = time.time() + seconds
        while time.time() < end:
            if check():
                return
            time.sleep(0.3)
        raise AssertionError("the page did not get there")

    def quit(self) -> None:
        try:
            self.s("DELETE", "")
        finally:
            self.proc.terminate()


def test_the_whole_demo_year_by_clicks_in_a_real_browser(tmp_path):
    """Chromium driven through chromedriver (Debian's chromium and chromium-driver), when they are installed."""
    chromium, driver_exe = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_exe):
        pytest.skip("没有安装 chromium / chromium-driver")
    from automation.demo import fill_return

    root = tmp_path / "2021年政务公开"
    init_workspace(root, 2021)
    shutil.copy(sample_plan(), root / "工作要点" / sample_plan().name)
    server = start_panel(root)
    b = WebDriver(driver_exe, chromium)
    try:
        b.get(server.url)
        b.until(lambda: b.element("run-plan"))
        assert "政务公开工作台" in b.text("title")

        def click_and_wait(key):
            before = b.text(f"status-{key}")
            b.until(lambda: b.enabled(f"run-{key}"))
            b.click(f"run-{key}")
            b.until(lambda: b.text(f"status-{key}") != before and not b.text(f"status-{key}").startswith("运行中")
                    and b.enabled(f"run-{key}"))
            return b.text(f"status-{key}")

        assert click_and_wait("plan").startswith("完成"), b.text("message")
        b.script("document.getElementById('GK_DUE').value = '2021-12-20';"   # year-end: its reports are made
                 "document.getElementById('GK_SKIP_UNRESOLVED').value = '是';")
        assert click_and_wait("distribute").startswith("完成"), b.text("message")
        sent = sorted((root / "下发").rglob("*任务台账.xlsx"))
        assert len(sent) > 30
        for i, f in enumerate(sent[:20]):
            fill_return(f, root / "回收" / f.name, share_done=0.6, seed=i)
        status = click_and_wait("collect")
        assert status.startswith("完成") and "已报送 20/" in status, b.text("message")
        assert (root / "汇总" / "汇总.xlsx").exists() and "本次新读取 20 个文件" in b.text("message")
        assert b.enabled("open-collect") and not b.enabled("open-report")
        # 机关名称 is still init's placeholder: the report step stops and says where to fill it
        assert click_and_wait("report").startswith("失败")
        assert "机关名称" in b.text("message") and "报告设置" in b.text("message")
        assert not list((root / "报告").glob("*.docx"))
        # every 报告设置 row is on the page; a colleague types 网站 in WPS meanwhile: the page shows it,
        # and saving the page's own changes does not wipe it
        console = OpenpyxlPanel(root / "控制台.xlsm", echo=False)
        assert [f for f in b.script("return Array.from(document.querySelectorAll('#report_settings .setting'))"
                                    ".map(function (f) { return f.id; })")] == [s.name for s in REPORT_SETTINGS]
        wps = openpyxl.load_workbook(root / "控制台.xlsm", keep_vba=True)
        wps["报告设置"]["B7"] = "市中区人民政府门户网站"
        wps.save(root / "控制台.xlsm")
        b.until(lambda: b.script("return document.getElementById('报告设置!网站').value") == "市中区人民政府门户网站")
        b.script("document.getElementById('报告设置!邮编').value = '2771';")           # refused as the workbook refuses
        b.click("save")
        b.until(lambda: "6 位数字" in b.text("message"))
        assert console.get("报告设置!邮编") in (None, "")
        b.script("document.getElementById('报告设置!机关名称').value = '枣庄市市中区人民政府';"
                 "document.getElementById('报告设置!邮编').value = '277101';"
                 "document.getElementById('报告设置!联系电话').value = '0632-3083075';"
                 "document.getElementById('报告设置!成文日期').value = '2022年1月20日';")
        b.click("save")
        b.until(lambda: "已保存" in b.text("message"))
        assert [console.get(f"报告设置!{k}") for k in ("机关名称", "邮编", "联系电话", "成文日期", "网站")] == [
            "枣庄市市中区人民政府", "277101", "0632-3083075", "2022年1月20日", "市中区人民政府门户网站"]
        status = click_and_wait("report")
        assert status.startswith("部分完成") and "未报送" in status, b.text("message")    # 20 of the units sent data
        assert list((root / "报告").glob("枣庄市市中区人民政府_2021年*.docx")) and b.enabled("open-report")
        # again, without 覆盖已有报告: nothing is made, and it neither says 完成 in green nor calls it a data fault
        status = click_and_wait("report")
        assert status.startswith("未生成") and "已有未覆盖" in status and "未通过" not in status
        assert b.script("return document.getElementById('status-report').className") == "status warn"
        assert "没有覆盖（不是数据问题）" in b.text("message") and str(root) not in b.text("message")
        # a page from another origin cannot use the panel, even with the token
        assert call(server, "/api/state", headers={"Origin": "http://example.com"})[0] == 403
    finally:
        b.quit()
        server.httpd.shutdown()


def test_the_offline_bundle_takes_wheels_for_the_target_only(tmp_path):
    import importlib.util as iu

    spec = iu.spec_from_file_location("bundle", Path(__file__).parent.parent / "scripts" / "build_offline_bundle.py")
    bundle = iu.module_from_spec(spec)
    spec.loader.exec_module(bundle)
    ours, deps = bundle.commands("aarch64", tmp_path)
    assert ours[3:5] == ["wheel", "--no-deps"]
    assert "--only-binary=:all:" in deps and deps[deps.index("--python-version") + 1] == "3.11"
    tags = [deps[i + 1] for i, a in enumerate(deps) if a == "--platform"]
    assert "manylinux2014_aarch64" in tags and not any("x86_64" in t for t in tags)
    assert bundle.main(["--arch", "x86_64", "--dry-run", "-o", str(tmp_path)]) == 0 and not list(tmp_path.iterdir())


def test_init_on_a_computer_without_excel_buttons_points_to_the_panel(tmp_path):
    from automation.cli import say
    from automation.results import InitResult

    said = "\n".join(say(InitResult(tmp_path, tmp_path / "控制台.xlsm", 2021, tmp_path / LAUNCHER, False)).lines)
    assert "浏览器工作台" in said and LAUNCHER in said and "gongkai panel" in said
    said = "\n".join(say(InitResult(tmp_path, tmp_path / "控制台.xlsm", 2021, tmp_path / LAUNCHER, True)).lines)
    assert "启用宏" in said


def test_the_panel_stops_when_its_page_is_gone(tmp_path):
    import threading

    from automation.webpanel import serve

    init_workspace(tmp_path / "年度", 2021)
    said, done = [], []
    t = threading.Thread(target=lambda: done.append(serve(tmp_path / "年度", open_browser=False, idle=1.5,
                                                         say=said.append)))
    t.start()
    t.join(15)
    assert done and not t.is_alive()
    assert "127.0.0.1" in said[0] and "t=" in said[0]
    with pytest.raises(OSError):                       # nobody listens any more
        urllib.request.urlopen(done[0].url, timeout=2)


def test_a_body_length_that_is_negative_too_large_or_not_a_number_is_refused_unread(panel):
    import socket

    before = panel.workspace.console.read_bytes()
    body = json.dumps({"GK_ROUND": "被篡改"}).encode("utf-8")
    for declared, payload in (("-1", body + b" " * (1024 * 1024)), ("abc", body), ("70000", body + b" " * 69000),
                              (str(64 * 1024 + 1), body)):
        with socket.create_connection(("127.0.0.1", panel.port), timeout=10) as s:
            s.sendall((f"POST /api/settings HTTP/1.1\r\nHost: 127.0.0.1:{panel.port}\r\n"
                       f"X-Gongkai-Token: {panel.token}\r\nContent-Type: application/json\r\n"
                       f"Content-Length: {declared}\r\n\r\n").encode("ascii") + payload)
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        status = answer.split(b"\r\n", 1)[0]
        assert status.startswith(b"HTTP/1.0 400") or status.startswith(b"HTTP/1.1 400"), (declared, answer[:200])
        assert b"Traceback" not in answer
    assert panel.workspace.console.read_bytes() == before
    assert state(panel)                       # still serving
    r = json.loads(call(panel, "/api/settings", {"GK_ROUND": "第2轮"})[1])       # an honest request still works
    assert r["ok"]
